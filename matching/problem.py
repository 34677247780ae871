"""The input of a matching run as frozen dataclasses: Goal, Leader, Mentor and Problem."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching.errors import FieldError, InputError
from matching.fields import (
    as_formats,
    as_id,
    as_int,
    as_list,
    as_opt_id,
    as_opt_number,
    as_opt_text,
    as_text_tuple,
    as_timezone,
    fold,
    natural_key,
)
from matching.rules import Rules

PRIORITY_WORDS = {"must": 3, "high": 2, "nice": 1}


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Goal:
    """One learning goal of a leader: a skill, its priority (3 = must) and the target level."""

    skill: str
    priority: int = 2
    level: int = 3

    def __post_init__(self) -> None:
        skill = as_opt_text(self.skill, "skill")
        if skill is None:
            raise FieldError("skill", "must not be empty.")
        priority = self.priority
        if isinstance(priority, str) and fold(priority) in PRIORITY_WORDS:
            priority = PRIORITY_WORDS[fold(priority)]
        _set(self, "skill", skill)
        _set(self, "priority", as_int(priority, "priority", 1, 3))
        _set(self, "level", as_int(self.level, "level", 1, 5))


def _as_goal(value: Any, field_name: str) -> Goal:
    if isinstance(value, Goal):
        return value
    if not isinstance(value, Mapping):
        raise FieldError(field_name, "must be an object with skill, priority and level.")
    unknown = set(value) - {"skill", "priority", "level"}
    if unknown:
        raise FieldError(f"{field_name}.{sorted(unknown)[0]}", "unknown field; expected skill, priority or level.")
    try:
        return Goal(value.get("skill"), value.get("priority", 2), value.get("level", 3))
    except FieldError as err:
        raise FieldError(f"{field_name}.{err.field}", err.problem) from None


def goals_of(value: Any) -> tuple[Goal, ...]:
    """A leader's goals checked: Goal objects or {skill, priority, level} objects, no skill twice."""
    goals = tuple(_as_goal(item, f"goals[{k}]") for k, item in enumerate(as_list(value, "goals")))
    seen: set[str] = set()
    for k, goal in enumerate(goals):
        if fold(goal.skill) in seen:
            raise FieldError(f"goals[{k}].skill", f"{goal.skill!r} is listed twice.")
        seen.add(fold(goal.skill))
    return goals


def _clean_skills(value: Any) -> tuple[tuple[str, int], ...] | None:
    """The common case in one pass: clean names to whole numbers 1-5 (a dict or (name, level) pairs), no name twice."""
    if type(value) is dict:
        items = list(value.items())
    elif type(value) in (tuple, list) and all(type(x) in (tuple, list) and len(x) == 2 for x in value):
        items = list(value)
    else:
        return None
    if not all(type(k) is str and k and k == k.strip() and type(v) is int and 1 <= v <= 5 for k, v in items):
        return None
    folded = {fold(name): (name, level) for name, level in items}
    if len(folded) != len(items):
        return None  # a name listed twice: the item-by-item path names it
    return tuple(sorted(folded.values(), key=lambda pair: natural_key(pair[0])))


def skills_of(value: Any) -> tuple[tuple[str, int], ...]:
    """A mentor's skills checked: (name, proficiency 1-5) pairs sorted by name, no name twice."""
    if value is None:
        return ()
    clean = _clean_skills(value)
    if clean is not None:
        return clean
    items = value.items() if isinstance(value, Mapping) else value
    out: dict[str, tuple[str, int]] = {}
    for item in as_list(items, "skills"):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise FieldError("skills", "must map each skill to a proficiency from 1 to 5.")
        name = as_opt_text(item[0], "skills")
        if name is None:
            raise FieldError("skills", "skill names must not be empty.")
        if fold(name) in out:
            raise FieldError(f"skills.{name}", "is listed twice.")
        out[fold(name)] = (name, as_int(item[1], f"skills.{name}", 1, 5))
    return tuple(sorted(out.values(), key=lambda pair: natural_key(pair[0])))


def _person_fields(obj: Any) -> None:
    _set(obj, "id", as_id(obj.id, "id"))
    _set(obj, "department", as_opt_text(obj.department, "department"))
    _set(obj, "grade", as_opt_number(obj.grade, "grade"))
    _set(obj, "manager", as_opt_id(obj.manager, "manager"))
    _set(obj, "languages", as_text_tuple(obj.languages, "languages"))
    _set(obj, "timezone", as_timezone(obj.timezone, "timezone"))
    _set(obj, "formats", as_formats(obj.formats, "formats"))
    _set(obj, "location", as_opt_text(obj.location, "location"))


def _own_id(obj: Any) -> tuple[str, ...]:
    return (str(obj.id),) if isinstance(obj.id, (str, int)) else ()


def _label(kind: str, obj: Any) -> str:
    return f"{kind} {obj.id!r}" if isinstance(obj.id, (str, int)) else kind


@dataclass(frozen=True)
class Leader:
    """A leader who asks for a mentor; every field but the id is optional."""

    id: str
    department: str | None = None
    grade: float | None = None
    manager: str | None = None
    goals: tuple[Goal, ...] = ()
    languages: tuple[str, ...] = ()
    timezone: str | None = None
    formats: tuple[str, ...] = ()
    location: str | None = None
    mentors_wanted: int = 1

    def __post_init__(self) -> None:
        try:
            _person_fields(self)
            _set(self, "goals", goals_of(self.goals))
            _set(self, "mentors_wanted", as_int(self.mentors_wanted, "mentors_wanted", 1, 10))
        except FieldError as err:
            raise err.owned_by(_label("leader", self), _own_id(self)) from None


@dataclass(frozen=True)
class Mentor:
    """A mentor offering `capacity` places; `skills` maps a skill to a proficiency from 1 to 5."""

    id: str
    department: str | None = None
    grade: float | None = None
    manager: str | None = None
    skills: tuple[tuple[str, int], ...] = ()
    languages: tuple[str, ...] = ()
    timezone: str | None = None
    formats: tuple[str, ...] = ()
    location: str | None = None
    capacity: int = 1

    def __post_init__(self) -> None:
        try:
            _person_fields(self)
            _set(self, "skills", skills_of(self.skills))
            _set(self, "capacity", as_int(self.capacity, "capacity", 0, 100))
        except FieldError as err:
            raise err.owned_by(_label("mentor", self), _own_id(self)) from None

    def skill_map(self) -> dict[str, int]:
        """The skills as a dict keyed by the compared (case-folded) skill name."""
        return {fold(name): level for name, level in self.skills}


Link = tuple[str, str]


def _links(value: Any, name: str) -> tuple[Link, ...]:
    out = []
    for k, item in enumerate(as_list(value, name)):
        if isinstance(item, Mapping):
            extra = set(item) - {"leader", "mentor"}
            if extra:
                raise InputError(f"{name}[{k}].{sorted(extra)[0]}", "unknown field; expected leader and mentor.")
            leader, mentor = item.get("leader"), item.get("mentor")
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            leader, mentor = item
        else:
            raise InputError(f"{name}[{k}]", "must be an object with leader and mentor.")
        out.append((_id_at(leader, f"{name}[{k}].leader"), _id_at(mentor, f"{name}[{k}].mentor")))
    return tuple(out)


def _id_at(value: Any, path: str) -> str:
    try:
        return as_id(value, "")
    except FieldError as err:
        raise err.under(path) from None


def _clean_ids(ids: list[Any]) -> bool:
    kinds = set(map(type, ids))
    if not kinds <= {str, int}:
        return False
    return all(x == x.strip() and x for x in ids if type(x) is str)


def _scores_in_bulk(items: list[Any]) -> tuple[tuple[str, str, float], ...] | None:
    """The common case without a per-item check: {leader, mentor, score} objects or triples, clean ids, numbers."""
    keys = {"leader", "mentor", "score"}
    if all(type(x) is dict and x.keys() == keys for x in items):
        a, b, c = [x["leader"] for x in items], [x["mentor"] for x in items], [x["score"] for x in items]
    elif all(type(x) is tuple and len(x) == 3 for x in items):
        a, b, c = (list(column) for column in zip(*items, strict=True)) if items else ([], [], [])
    else:
        return None
    if not (_clean_ids(a) and _clean_ids(b) and set(map(type, c)) <= {int, float}):
        return None
    numbers = np.array(c, dtype=np.float64)
    if not np.isfinite(numbers).all():
        return None
    return tuple(zip(map(str, a), map(str, b), numbers.tolist(), strict=True))


def _scores(value: Any) -> tuple[tuple[str, str, float], ...] | None:
    if value is None:
        return None
    items = as_list(value, "scores")
    bulk = _scores_in_bulk(items)
    if bulk is not None:
        return bulk
    out = []
    for k, item in enumerate(items):
        if isinstance(item, Mapping):
            extra = set(item) - {"leader", "mentor", "score"}
            if extra:
                raise InputError(f"scores[{k}].{sorted(extra)[0]}", "unknown field; expected leader, mentor and score.")
            triple = (item.get("leader"), item.get("mentor"), item.get("score"))
        elif isinstance(item, (tuple, list)) and len(item) == 3:
            triple = tuple(item)
        else:
            raise InputError(f"scores[{k}]", "must be an object with leader, mentor and score.")
        try:
            score = as_opt_number(triple[2], "")
        except FieldError as err:
            raise err.under(f"scores[{k}].score") from None
        if score is None:
            raise InputError(f"scores[{k}].score", "must be a number.")
        out.append((_id_at(triple[0], f"scores[{k}].leader"), _id_at(triple[1], f"scores[{k}].mentor"), score))
    return tuple(out)


def _org(value: Any) -> tuple[tuple[str, str | None], ...]:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    out = []
    for item in as_list(items, "org"):
        person = _id_at(item[0], "org")
        out.append((person, _id_at(item[1], f"org.{person}") if item[1] is not None else None))
    return tuple(out)


@dataclass(frozen=True)
class Problem:
    """Everything one matching run needs: people, reporting lines, pair lists and rules."""

    leaders: tuple[Leader, ...]
    mentors: tuple[Mentor, ...]
    org: tuple[tuple[str, str | None], ...] = ()
    scores: tuple[tuple[str, str, float], ...] | None = None
    forbidden: tuple[Link, ...] = ()
    pinned: tuple[Link, ...] = ()
    history: tuple[Link, ...] = ()
    rules: Rules = field(default_factory=Rules)

    def __post_init__(self) -> None:
        _set(self, "leaders", _people(self.leaders, Leader, "leaders"))
        _set(self, "mentors", _people(self.mentors, Mentor, "mentors"))
        _set(self, "org", _org(self.org))
        _set(self, "scores", _scores(self.scores))
        for name in ("forbidden", "pinned", "history"):
            _set(self, name, _links(getattr(self, name), name))
        if not isinstance(self.rules, Rules):
            raise InputError("rules", f"must be a Rules object, got {type(self.rules).__name__}.")
        self._check_references()

    def _check_references(self) -> None:
        leaders = {p.id for p in self.leaders}
        mentors = {p.id for p in self.mentors}
        lists: list[tuple[str, Iterable[tuple[Any, ...]]]] = [("forbidden", self.forbidden), ("pinned", self.pinned)]
        if self.scores is not None:
            lists.append(("scores", self.scores))
        for name, items in lists:
            pairs = {(item[0], item[1]) for item in items}
            if len(pairs) == len(items) and {a for a, _ in pairs} <= leaders and {b for _, b in pairs} <= mentors:
                continue  # all known and distinct, checked in bulk; otherwise find the first bad one below
            seen: set[tuple[str, str]] = set()
            for k, item in enumerate(items):
                if item[0] not in leaders:
                    raise InputError(f"{name}[{k}].leader", f"unknown leader id {item[0]!r}.", ids=(item[0],))
                if item[1] not in mentors:
                    raise InputError(f"{name}[{k}].mentor", f"unknown mentor id {item[1]!r}.", ids=(item[1],))
                if (item[0], item[1]) in seen:
                    raise InputError(
                        f"{name}[{k}]", f"the pair {item[0]!r}, {item[1]!r} is listed twice.", ids=item[:2]
                    )
                seen.add((item[0], item[1]))


def _people(value: Any, kind: type, name: str) -> tuple[Any, ...]:
    out = []
    seen: dict[str, int] = {}
    for k, item in enumerate(as_list(value, name)):
        if not isinstance(item, kind):
            raise InputError(f"{name}[{k}]", f"must be a {kind.__name__}, got {type(item).__name__}.")
        if item.id in seen:
            raise InputError(
                f"{name}[{k}].id", f"duplicate id {item.id!r} (also {name}[{seen[item.id]}]).", ids=(item.id,)
            )
        seen[item.id] = k
        out.append(item)
    return tuple(out)
