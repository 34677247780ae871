"""The SESSIONS.json wire format (command line, other processes): validation into typed records, name rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from matching.errors import InputError

# The matching engine's rules: ids sort alike everywhere, names compare ignoring case and spacing.
from matching.fields import fold, natural_key
from matching.graph.records import ROLES, STATUSES, PairRecord, Person, SessionRecord, SessionsData

DOCUMENT = "The sessions document"
DOCUMENT_KEYS = ("people", "pairs", "sessions")
PERSON_KEYS = ("id", "role", "department")
PAIR_KEYS = ("leader", "mentor", "started", "goals")
SESSION_KEYS = (
    "leader",
    "mentor",
    "date",
    "status",
    "minutes",
    "skills",
    "ratings",
    "proposed_at",
    "answered_at",
)

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def sorted_natural(items: Iterable[str]) -> list[str]:
    """The items in natural order (see natural_key)."""
    return sorted(items, key=natural_key)


def skill_key(text: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Sort key for skill names: natural order ignoring case, then the spelling."""
    return natural_key(fold(text)), text


# ---------------------------------------------------------------- validation helpers


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _list(data: Mapping[str, Any], key: str, where: str, required: bool) -> list[Any]:
    if key not in data or data[key] is None:
        if required:
            raise InputError(f"{where}{key}", "is missing; it must be a list (it may be empty).", joiner=" ")
        return []
    value = data[key]
    if not isinstance(value, list):
        raise InputError(f"{where}{key}", f"must be a list, not {type(value).__name__}.", joiner=" ")
    return value


def _object(value: Any, field: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{field}", f"must be an object, not {type(value).__name__}.", joiner=" ")
    for key in value:
        # Unknown keys are refused: a typo such as "rating" would otherwise be silently ignored.
        if key not in allowed:
            where = key if field == DOCUMENT else f"{field}.{key}"
            raise InputError(f"{where}", f"is not a known field; expected {', '.join(allowed)}.", joiner=" ")
    return value


def _printable(text: str, field: str) -> str:
    # Control characters cannot be written to GraphML or SVG, and ids must round-trip.
    if _CONTROL.search(text):
        raise InputError(f"{field}", "contains a control character; remove it.", joiner=" ")
    return text


def _id(item: Mapping[str, Any], key: str, field: str) -> str:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise InputError(
            f"{field}.{key}", f"must be a non-empty id (text or a whole number), not {_quoted(value)}.", joiner=" "
        )
    return _printable(str(value).strip(), f"{field}.{key}")


def _text(item: Mapping[str, Any], key: str, field: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or value.strip() == "":
        raise InputError(f"{field}.{key}", f"must be non-empty text, not {_quoted(value)}.", joiner=" ")
    return _printable(value, f"{field}.{key}")


def _skills(item: Mapping[str, Any], key: str, field: str) -> tuple[str, ...]:
    value = item.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise InputError(f"{field}.{key}", "must be a list of skill names (non-empty text).", joiner=" ")
    unique: dict[str, str] = {}
    for name in value:
        _printable(name, f"{field}.{key}")
        unique.setdefault(fold(name), " ".join(name.split()))
    return tuple(sorted(unique.values(), key=skill_key))


def _date(item: Mapping[str, Any], key: str, field: str) -> dt.date:
    value = item.get(key)
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{field}.{key}", f"must be a date written like 2024-03-31, not {_quoted(value)}.", joiner=" ")


def _datetime(item: Mapping[str, Any], key: str, field: str) -> dt.datetime | None:
    value = item.get(key)
    if value is None:
        return None
    problem = f"must be a date and time written like 2024-03-31T09:30:00Z, not {_quoted(value)}."
    if not isinstance(value, str):
        raise InputError(f"{field}.{key}", problem, joiner=" ")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{field}.{key}", problem, joiner=" ") from None
    # Naive timestamps are taken as UTC so that naive and aware values can be compared.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _whole(item: Mapping[str, Any], key: str, field: str, low: int, high: int | None, what: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high)
    if not ok:
        raise InputError(f"{field}.{key}", f"must be {what}, not {_quoted(value)}.", joiner=" ")
    return value


# ---------------------------------------------------------------- parsing


def _parse_people(data: Mapping[str, Any]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    spelling: dict[str, str] = {}  # folded department name -> the first spelling met
    for i, raw in enumerate(_list(data, "people", "", required=True)):
        field = f"people[{i}]"
        item = _object(raw, field, PERSON_KEYS)
        pid = _id(item, "id", field)
        role = item.get("role")
        if role not in ROLES:
            raise InputError(f"{field}.role", f"is {_quoted(role)}, but it must be 'leader' or 'mentor'.", joiner=" ")
        if pid in people:
            raise InputError(
                f"{field}.id", f"{pid!r} is listed twice; every person needs a unique id.", ids=(pid,), joiner=" "
            )
        department = " ".join(_text(item, "department", field).split())
        department = spelling.setdefault(fold(department), department)
        people[pid] = Person(id=pid, role=role, department=department)
    return people


def _member(item: Mapping[str, Any], role: str, field: str, people: Mapping[str, Person]) -> str:
    pid = _id(item, role, field)
    person = people.get(pid)
    if person is None:
        raise InputError(f"{field}.{role}", f"{pid!r} is not one of the people listed.", ids=(pid,), joiner=" ")
    if person.role != role:
        raise InputError(
            f"{field}.{role}", f"{pid!r} is listed as a {person.role}, not a {role}.", ids=(pid,), joiner=" "
        )
    return pid


def _parse_session(raw: Any, field: str) -> SessionRecord:
    item = _object(raw, field, SESSION_KEYS)
    status = item.get("status")
    if status not in STATUSES:
        raise InputError(
            f"{field}.status", f"is {_quoted(status)}, but it must be one of {', '.join(STATUSES)}.", joiner=" "
        )
    ratings = item.get("ratings")
    ratings = {} if ratings is None else _object(ratings, f"{field}.ratings", ROLES)
    rating = "a whole number from 1 to 5"
    session = SessionRecord(
        leader=_id(item, "leader", field),
        mentor=_id(item, "mentor", field),
        date=_date(item, "date", field),
        status=status,
        minutes=_whole(item, "minutes", field, 0, None, "a whole number of minutes, 0 or more"),
        skills=_skills(item, "skills", field),
        rating_by_leader=_whole(ratings, "leader", f"{field}.ratings", 1, 5, rating),
        rating_by_mentor=_whole(ratings, "mentor", f"{field}.ratings", 1, 5, rating),
        proposed_at=_datetime(item, "proposed_at", field),
        answered_at=_datetime(item, "answered_at", field),
    )
    hours = session.response_hours
    if hours is not None and hours < 0:
        raise InputError(f"{field}.answered_at", "is earlier than its proposed_at.", joiner=" ")
    return session


def parse_sessions(data: Any) -> SessionsData:
    """Validate a SESSIONS.json document and return it as frozen records; raise InputError if invalid."""
    data = _object(data, DOCUMENT, DOCUMENT_KEYS)
    people = _parse_people(data)
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for i, raw in enumerate(_list(data, "pairs", "", required=True)):
        field = f"pairs[{i}]"
        item = _object(raw, field, PAIR_KEYS)
        key = (
            _member(item, "leader", field, people),
            _member(item, "mentor", field, people),
        )
        if key in pairs:
            raise InputError(
                f"{field}", f"repeats the pair of leader {key[0]!r} and mentor {key[1]!r}.", ids=key, joiner=" "
            )
        pairs[key] = {
            "started": _date(item, "started", field),
            "goals": _skills(item, "goals", field),
            "sessions": [],
        }
    for i, raw in enumerate(_list(data, "sessions", "", required=False)):
        field = f"sessions[{i}]"
        session = _parse_session(raw, field)
        key = (session.leader, session.mentor)
        if key not in pairs:
            raise InputError(
                field,
                f"is for leader {key[0]!r} and mentor {key[1]!r}, who are not a pair listed in pairs.",
                ids=key,
                joiner=" ",
            )
        pairs[key]["sessions"].append(session)
    records = tuple(
        PairRecord(
            leader=leader,
            mentor=mentor,
            started=info["started"],
            goals=info["goals"],
            # Stable sort: sessions on the same day keep their input order.
            sessions=tuple(sorted(info["sessions"], key=lambda s: s.date)),
        )
        for (leader, mentor), info in sorted(
            pairs.items(), key=lambda kv: (natural_key(kv[0][0]), natural_key(kv[0][1]))
        )
    )
    persons = tuple(people[pid] for pid in sorted_natural(people))
    return SessionsData(people=persons, pairs=records)


def _iso_moment(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def write_sessions(data: SessionsData) -> dict[str, Any]:
    """The SESSIONS.json document of typed records (the inverse of parse_sessions), for other processes."""
    sessions = [
        {
            "leader": s.leader,
            "mentor": s.mentor,
            "date": s.date.isoformat(),
            "status": s.status,
            "minutes": s.minutes,
            "skills": list(s.skills),
            "ratings": {"leader": s.rating_by_leader, "mentor": s.rating_by_mentor},
            "proposed_at": _iso_moment(s.proposed_at),
            "answered_at": _iso_moment(s.answered_at),
        }
        for pair in data.pairs
        for s in pair.sessions
    ]
    return {
        "people": [{"id": p.id, "role": p.role, "department": p.department} for p in data.people],
        "pairs": [
            {"leader": p.leader, "mentor": p.mentor, "started": p.started.isoformat(), "goals": list(p.goals)}
            for p in data.pairs
        ],
        "sessions": sessions,
    }
