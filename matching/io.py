"""The JSON formats (Problem version 1 and Solution) and file helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from matching.errors import FieldError, InputError
from matching.fields import as_list, reject_unknown
from matching.problem import Leader, Mentor, Problem
from matching.records import people_in_bulk
from matching.rules import Rules
from matching.solution import MentorLoad, Pair, Solution, Unmatched

VERSION = 1
PROBLEM_KEYS = ("version", "leaders", "mentors", "org", "scores", "forbidden", "pinned", "history", "rules")
LEADER_KEYS = (
    "id",
    "department",
    "grade",
    "manager",
    "goals",
    "languages",
    "timezone",
    "formats",
    "location",
    "mentors_wanted",
)
MENTOR_KEYS = (
    "id",
    "department",
    "grade",
    "manager",
    "skills",
    "languages",
    "timezone",
    "formats",
    "location",
    "capacity",
)


def _person(data: Any, kind: Callable[..., Any], keys: tuple[str, ...], path: str) -> Any:
    if not isinstance(data, Mapping):
        raise InputError(path, "must be an object with at least an id.")
    if "id" not in data:
        raise InputError(f"{path}.id", "is missing; every person needs an id.")
    try:
        reject_unknown(data, keys, "")
        return kind(**{key: data[key] for key in keys if (key in data and data[key] is not None) or key == "id"})
    except FieldError as err:
        person = data.get("id")
        raise err.under(path, ids=(str(person),) if isinstance(person, (str, int)) else ()) from None


def _people(items: list[Any], kind: Callable[..., Any], keys: tuple[str, ...], name: str) -> list[Any]:
    """The people of one list: checked column by column when all are clean, else one by one to name the first error."""
    # A null field means "not given" in the JSON form, as in `_person`.
    records = [
        {k: v for k, v in x.items() if v is not None} if type(x) is dict and None in x.values() else x for x in items
    ]
    if all(type(x) is dict and x.get("id") is not None for x in items):
        bulk = people_in_bulk(kind, records)  # type: ignore[arg-type]
        if bulk is not None:
            return list(bulk)
    return [_person(x, kind, keys, f"{name}[{k}]") for k, x in enumerate(items)]


def problem_from_dict(data: Any) -> Problem:
    """A Problem from its JSON form (version 1); raises InputError naming the first bad field."""
    if not isinstance(data, Mapping):
        raise InputError("problem", "the top level must be a JSON object with leaders and mentors.")
    try:
        reject_unknown(data, PROBLEM_KEYS, "")
    except FieldError as err:
        raise err.under("") from None
    if data.get("version", VERSION) != VERSION:
        raise InputError("version", f"only version {VERSION} is understood, got {data.get('version')!r}.")
    try:
        leaders = _people(as_list(data.get("leaders"), "leaders"), Leader, LEADER_KEYS, "leaders")
        mentors = _people(as_list(data.get("mentors"), "mentors"), Mentor, MENTOR_KEYS, "mentors")
        org = data.get("org")
        if org is not None and not isinstance(org, Mapping):
            raise InputError("org", "must be an object mapping each person id to their manager's id.")
    except FieldError as err:
        raise err.under("") from None
    return Problem(
        leaders=tuple(leaders),
        mentors=tuple(mentors),
        org=org or (),
        scores=data.get("scores"),
        forbidden=data.get("forbidden") or (),
        pinned=data.get("pinned") or (),
        history=data.get("history") or (),
        rules=Rules.from_dict(data.get("rules")),
    )


def _leader_dict(p: Leader) -> dict[str, Any]:
    goals = [{"skill": g.skill, "priority": g.priority, "level": g.level} for g in p.goals]
    return {
        "id": p.id,
        "department": p.department,
        "grade": p.grade,
        "manager": p.manager,
        "goals": goals,
        "languages": list(p.languages),
        "timezone": p.timezone,
        "formats": list(p.formats),
        "location": p.location,
        "mentors_wanted": p.mentors_wanted,
    }


def _mentor_dict(p: Mentor) -> dict[str, Any]:
    return {
        "id": p.id,
        "department": p.department,
        "grade": p.grade,
        "manager": p.manager,
        "skills": dict(p.skills),
        "languages": list(p.languages),
        "timezone": p.timezone,
        "formats": list(p.formats),
        "location": p.location,
        "capacity": p.capacity,
    }


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON form of a Problem (round-trips through problem_from_dict)."""
    links = lambda items: [{"leader": a, "mentor": b} for a, b in items]  # noqa: E731
    out: dict[str, Any] = {
        "version": VERSION,
        "leaders": [_leader_dict(p) for p in problem.leaders],
        "mentors": [_mentor_dict(p) for p in problem.mentors],
        "org": dict(problem.org),
        "forbidden": links(problem.forbidden),
        "pinned": links(problem.pinned),
        "history": links(problem.history),
        "rules": problem.rules.to_dict(),
    }
    if problem.scores is not None:
        out["scores"] = [{"leader": a, "mentor": b, "score": s} for a, b, s in problem.scores]
    return out


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x


def _unmatched(u: Unmatched) -> dict[str, Any]:
    out: dict[str, Any] = {"leader": u.leader, "unfilled": u.unfilled, "reason": u.reason}
    if u.people:
        out["mentors"] = list(u.people)
    return out


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    """The Solution JSON: status, matched, total_score, pairs, unmatched, mentors, stats."""
    return {
        "status": solution.status,
        "objective": solution.objective,
        "gap": solution.gap,
        "reason": solution.reason,
        "matched": solution.matched,
        "total_score": _number(solution.total_score),
        "pairs": [
            {
                "leader": p.leader,
                "mentor": p.mentor,
                "score": _number(p.score),
                "pinned": p.pinned,
                "reasons": [{"criterion": c, "points": _number(v)} for c, v in p.reasons],
            }
            for p in solution.pairs
        ],
        "unmatched": [
            {
                "leader": u.leader,
                "unfilled": u.unfilled,
                "reason": u.reason,
                **({"mentors": list(u.people)} if u.people else {}),
            }
            for u in solution.unmatched
        ],
        "mentors": [{"mentor": x.mentor, "load": x.load, "capacity": x.capacity} for x in solution.mentors],
        "stats": dict(solution.stats),
    }


def _get(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise InputError(f"{path}.{key}", "is missing.")
    return data[key]


def solution_from_dict(data: Any) -> Solution:
    """A Solution from its JSON form (used by `check` on a file written by anyone)."""
    if not isinstance(data, Mapping):
        raise InputError("solution", "the top level must be a JSON object.")
    try:
        pairs = []
        for k, item in enumerate(as_list(data.get("pairs"), "pairs")):
            path = f"pairs[{k}]"
            if not isinstance(item, Mapping):
                raise InputError(path, "must be an object with leader and mentor.")
            reasons = tuple(
                (str(r.get("criterion")), float(r.get("points", 0)))
                for r in as_list(item.get("reasons"), f"{path}.reasons")
            )
            pairs.append(
                Pair(
                    str(_get(item, "leader", path)),
                    str(_get(item, "mentor", path)),
                    float(item.get("score", 0)),
                    bool(item.get("pinned", False)),
                    reasons,
                )
            )
        unmatched = tuple(
            Unmatched(str(u.get("leader")), str(u.get("reason", "")), int(u.get("unfilled", 1)))
            for u in as_list(data.get("unmatched"), "unmatched")
        )
        loads = tuple(
            MentorLoad(str(x.get("mentor")), int(x.get("load", 0)), int(x.get("capacity", 0)))
            for x in as_list(data.get("mentors"), "mentors")
        )
    except FieldError as err:
        raise err.under("") from None
    except (TypeError, ValueError, AttributeError) as err:
        raise InputError("solution", f"a field has the wrong type ({err}).") from None
    return Solution(
        status=str(data.get("status", "")),
        matched=int(data.get("matched", 0)),
        total_score=float(data.get("total_score", 0)),
        pairs=tuple(pairs),
        unmatched=unmatched,
        mentors=loads,
        stats=dict(data.get("stats") or {}),
    )


def read_json(path: str | Path, what: str) -> Any:
    """Parse a JSON file; a missing file or malformed JSON is an InputError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(what, f"file {str(path)!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(what, f"cannot read {str(path)!r} ({err.__class__.__name__}).") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            what, f"{str(path)!r} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})."
        ) from None


def load_problem(path: str | Path) -> Problem:
    """Read a Problem JSON file."""
    return problem_from_dict(read_json(path, "problem"))


def dumps_solution(solution: Solution) -> str:
    """The Solution JSON text (pairs and unmatched are byte-identical for the same input)."""
    return json.dumps(solution_to_dict(solution), indent=2, ensure_ascii=False) + "\n"


def dump_solution(solution: Solution, path: str | Path) -> None:
    """Write a Solution JSON file."""
    Path(path).write_text(dumps_solution(solution), encoding="utf-8")
