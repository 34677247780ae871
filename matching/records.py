"""Many leaders or mentors built at once, checked column by column instead of one record at a time.

Building 25,000 people one constructor call at a time spends most of its time re-checking the same few
values (departments, languages, time zones, formats repeat across the whole company). Here each column's
distinct values go through the very coercers the constructors use, once each, and the checked values are
shared by every record that holds them. Nothing is trusted: if any value is refused, or is of a kind the
column check does not handle, the records are built one by one instead, so the error raised is exactly the
one the constructors raise (same path, same owner, same message).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, fields
from functools import partial
from itertools import chain
from typing import Any, TypeVar

from matching.errors import FieldError
from matching.fields import (
    as_formats,
    as_id,
    as_int,
    as_opt_id,
    as_opt_number,
    as_opt_text,
    as_text_tuple,
    as_timezone,
    fold,
    natural_key,
)
from matching.problem import Goal, Leader, Mentor, goals_of, skills_of

Person = TypeVar("Person", Leader, Mentor)

_SHARED: dict[str, Callable[[Any], Any]] = {
    "id": partial(as_id, field="id"),
    "department": partial(as_opt_text, field="department"),
    "grade": partial(as_opt_number, field="grade"),
    "manager": partial(as_opt_id, field="manager"),
    "languages": partial(as_text_tuple, field="languages"),
    "timezone": partial(as_timezone, field="timezone"),
    "formats": partial(as_formats, field="formats"),
    "location": partial(as_opt_text, field="location"),
}
# Per kind: the coercer of each field, and whether its values repeat enough to be checked once per value.
_COLUMNS: dict[type, dict[str, tuple[Callable[[Any], Any], bool]]] = {
    Leader: {
        **{name: (coerce, True) for name, coerce in _SHARED.items()},
        "goals": (goals_of, False),
        "mentors_wanted": (lambda value: as_int(value, "mentors_wanted", 1, 10), True),
    },
    Mentor: {
        **{name: (coerce, True) for name, coerce in _SHARED.items()},
        "skills": (skills_of, False),
        "capacity": (lambda value: as_int(value, "capacity", 0, 100), True),
    },
}
_SEQUENCES = (list, tuple)
_GOAL_KEYS = {"skill", "priority", "level"}


class _Refused(Exception):
    """A value the column check does not accept: the records are built one by one to name it."""


def leaders_from_records(records: Iterable[Mapping[str, Any]]) -> tuple[Leader, ...]:
    """Leaders from mappings of Leader's fields (a missing key takes the default), as `Leader(**record)` each."""
    items = list(records)
    return people_in_bulk(Leader, items) or tuple(Leader(**record) for record in items)


def mentors_from_records(records: Iterable[Mapping[str, Any]]) -> tuple[Mentor, ...]:
    """Mentors from mappings of Mentor's fields (a missing key takes the default), as `Mentor(**record)` each."""
    items = list(records)
    return people_in_bulk(Mentor, items) or tuple(Mentor(**record) for record in items)


def leaders_from_columns(**columns: Sequence[Any]) -> tuple[Leader, ...]:
    """Leaders from one list per field, all as long (a field left out takes its default), as `Leader(...)` each."""
    return _from_columns(Leader, columns)


def mentors_from_columns(**columns: Sequence[Any]) -> tuple[Mentor, ...]:
    """Mentors from one list per field, all as long (a field left out takes its default), as `Mentor(...)` each."""
    return _from_columns(Mentor, columns)


def people_in_bulk(kind: type[Person], records: Sequence[Mapping[str, Any]]) -> tuple[Person, ...] | None:
    """The records as `kind` objects checked column by column, or None when one record needs the one-by-one
    check (a refused value, an unknown or missing field): the caller then builds them one by one."""
    if not records:
        return None
    allowed = _COLUMNS[kind].keys()
    if not all(type(r) is dict and "id" in r and r.keys() <= allowed for r in records):
        return None
    defaults = _defaults(kind)
    present = [name for name in _names(kind) if any(name in r for r in records)]
    columns = {name: [r.get(name, defaults.get(name)) for r in records] for name in present}
    return _checked(kind, columns, len(records))


def _from_columns(kind: type[Person], columns: Mapping[str, Sequence[Any]]) -> tuple[Person, ...]:
    unknown = sorted(set(columns) - set(_names(kind)))
    if unknown:
        raise TypeError(f"{kind.__name__} has no field {unknown[0]!r}.")
    if "id" not in columns:
        raise TypeError(f"{kind.__name__} needs an id column.")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"the columns of {kind.__name__} differ in length: {sorted(lengths)}.")
    size = lengths.pop()
    if not size:
        return ()
    bulk = _checked(kind, {name: list(values) for name, values in columns.items()}, size)
    if bulk is not None:
        return bulk
    names = list(columns)
    # One by one: the constructor raises its own error for the first bad record.
    return tuple(kind(**dict(zip(names, row, strict=True))) for row in zip(*columns.values(), strict=True))


def _names(kind: type) -> list[str]:
    return [f.name for f in fields(kind)]


def _defaults(kind: type) -> dict[str, Any]:
    return {f.name: f.default for f in fields(kind) if f.default is not MISSING}


def _checked(kind: type[Person], given: dict[str, list[Any]], size: int) -> tuple[Person, ...] | None:
    """The people from their columns, each column checked at once; None if a value is refused."""
    columns = dict(_COLUMNS[kind])
    if kind is Leader:
        memo: dict[Any, Goal] = {}  # equal goals, frequent across a company, are checked once per call
        columns["goals"] = (lambda value: goals_of(_shared_goals(value, memo)), False)
    defaults = _defaults(kind)
    names = _names(kind)
    try:
        checked = [
            _whole_column(name, given[name], *columns[name])
            if name in given
            else [columns[name][0](defaults[name])] * size
            for name in names
        ]
    except (FieldError, _Refused):
        return None
    new = object.__new__
    out = []
    for row in zip(*checked, strict=True):
        person = new(kind)
        person.__dict__.update(zip(names, row, strict=True))  # every field checked above: no __post_init__ again
        out.append(person)
    return tuple(out)


def _whole_column(name: str, values: list[Any], coerce: Callable[[Any], Any], repeats: bool) -> list[Any]:
    """The column checked: goals and skills as a whole when they are already typed, else value by value."""
    fast = _goals_column(values) if name == "goals" else _skills_column(values) if name == "skills" else None
    return fast if fast is not None else _column(values, coerce, repeats)


def _goals_column(values: list[Any]) -> list[Any] | None:
    """Tuples of Goal objects (each checked when it was made): only that no skill is listed twice is left."""
    if not all(type(v) is tuple for v in values):
        return None
    goals = set(chain.from_iterable(values))
    if not all(type(goal) is Goal for goal in goals):
        return None
    folded = {goal: fold(goal.skill) for goal in goals}
    if not all(len({folded[goal] for goal in v}) == len(v) for v in values):
        return None  # a skill twice: `goals_of` names it
    return values


def _skills_column(values: list[Any]) -> list[Any] | None:
    """Tuples of (name, level) pairs: each distinct pair checked once, each mentor's pairs sorted by name."""
    if not all(type(v) is tuple for v in values):
        return None
    try:
        pairs = set(chain.from_iterable(values))
    except TypeError:
        return None
    if not all(type(p) is tuple and len(p) == 2 for p in pairs):
        return None
    if not all(type(n) is str and n and n == n.strip() and type(x) is int and 1 <= x <= 5 for n, x in pairs):
        return None
    names = sorted({name for name, _ in pairs}, key=natural_key)
    order = {name: k for k, name in enumerate(names)}
    folded = {name: fold(name) for name in names}
    rank = {pair: order[pair[0]] for pair in pairs}
    if not all(len({folded[name] for name, _ in v}) == len(v) for v in values):
        return None  # a name twice: `skills_of` names it
    return [tuple(sorted(v, key=rank.__getitem__)) for v in values]


def _column(values: list[Any], coerce: Callable[[Any], Any], repeats: bool) -> list[Any]:
    """Each value coerced; a value that repeats is coerced once."""
    if not repeats:
        return [coerce(value) for value in values]
    kinds = set(map(type, values))
    if list in kinds:
        values = [tuple(value) if type(value) is list else value for value in values]
        kinds = set(map(type, values))
    if bool in kinds:
        raise _Refused  # never a valid value here; and True == 1 would share 1's checked value
    if len(kinds - {type(None)}) > 1:
        return _column_by_type(values, coerce)  # 1 and 1.0 may check differently (an id must not be a float)
    try:
        distinct = set(values)
    except TypeError:
        raise _Refused from None
    checked = {value: coerce(value) for value in distinct}
    if all(type(new) is type(old) and new == old for old, new in checked.items()):
        return values  # already in the checked form: nothing to replace
    return [checked[value] for value in values]


def _column_by_type(values: list[Any], coerce: Callable[[Any], Any]) -> list[Any]:
    memo: dict[Any, Any] = {}
    out = []
    for value in values:
        key = _key(value)
        if key not in memo:
            memo[key] = coerce(value)
        out.append(memo[key])
    return out


def _key(value: Any) -> Any:
    kind = type(value)
    if kind in _SEQUENCES:
        # Lists and tuples of the same items coerce to the same tuple; items are keyed by type as well.
        return (kind, tuple(_key(item) for item in value))
    try:
        hash(value)
    except TypeError:
        raise _Refused from None
    return (kind, value)


def _shared_goals(value: Any, memo: dict[Any, Goal]) -> Any:
    """{skill, priority, level} objects as Goals, each distinct one checked once; anything else unchanged."""
    if type(value) not in _SEQUENCES or not all(type(x) is dict and x.keys() <= _GOAL_KEYS for x in value):
        return value
    out = []
    for item in value:
        key = _key((item.get("skill"), item.get("priority", 2), item.get("level", 3)))
        if key not in memo:
            memo[key] = Goal(item.get("skill"), item.get("priority", 2), item.get("level", 3))
        out.append(memo[key])
    return tuple(out)


def goals_from_records(records: Iterable[tuple[Any, Any, Any]]) -> list[Goal]:
    """Goals from (skill, priority, level) triples, equal triples sharing one checked Goal."""
    memo: dict[Any, Goal] = {}
    out = []
    for triple in records:
        skill, priority, level = triple
        plain = type(skill) is str and type(priority) is int and type(level) is int
        key = (skill, priority, level) if plain else _key((skill, priority, level))
        if key not in memo:
            memo[key] = Goal(skill, priority, level)
        out.append(memo[key])
    return out
