"""Cohorts: programme rounds and their life cycle (open -> matched -> published -> closed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, LeaderRequest, Match, MatchRun, MentorEnrolment, Person
from mentoring.models.cohorts import STALL_DAYS_DEFAULT
from mentoring.services import Conflict, InvalidField, NotFound, unit_of_work
from mentoring.services.infra import audit

EDITABLE_RULES = ("open", "matched", "published")


@dataclass(frozen=True)
class CohortDetails:
    """What a manager enters about a cohort."""

    name: str
    starts_on: date | None = None
    ends_on: date | None = None
    stall_days: int = STALL_DAYS_DEFAULT


@dataclass(frozen=True)
class CohortSummary:
    """A cohort with the counts shown in the list of cohorts."""

    cohort: Cohort
    mentors: int
    leaders: int
    active_matches: int
    runs: int


def open_cohorts() -> list[Cohort]:
    """Cohorts people can sign up to, newest first."""
    query = select(Cohort).where(Cohort.status == "open").order_by(Cohort.created_at.desc(), Cohort.id.desc())
    return list(db.session.execute(query).scalars())


def all_cohorts() -> list[Cohort]:
    """Every cohort, newest first."""
    return list(db.session.execute(select(Cohort).order_by(Cohort.created_at.desc(), Cohort.id.desc())).scalars())


def get_cohort(cohort_id: int, lock: bool = False) -> Cohort:
    """The cohort with this id, or NotFound; `lock` holds its row until the transaction ends."""
    query = select(Cohort).where(Cohort.id == cohort_id)
    if lock:
        query = locked(query).execution_options(populate_existing=True)
    cohort = db.session.execute(query).scalar_one_or_none()
    if cohort is None:
        raise NotFound("There is no such cohort.")
    return cohort


def find_cohort(id_or_name: str) -> Cohort:
    """A cohort by its id or its exact name (the command line's way of naming one)."""
    text = id_or_name.strip()
    cohort = db.session.execute(select(Cohort).where(Cohort.name == text)).scalar_one_or_none()
    if cohort is None and text.isdigit() and len(text) <= 10:
        cohort = db.session.get(Cohort, int(text))
    if cohort is None:
        raise NotFound(f"There is no cohort with the id or name {text!r}.")
    return cohort


def _counts(model: Any, *conditions: Any, only: int | None = None) -> dict[int, int]:
    query = select(model.cohort_id, func.count(model.id)).where(*conditions).group_by(model.cohort_id)
    if only is not None:
        query = query.where(model.cohort_id == only)
    return dict(db.session.execute(query).all())


def cohort_summaries(only: int | None = None) -> list[CohortSummary]:
    """Every cohort (or only the one with id `only`), newest first, with its mentors, leaders, pairs and runs."""
    mentors = _counts(MentorEnrolment, only=only)
    leaders = _counts(LeaderRequest, only=only)
    matches = _counts(Match, Match.status == "active", only=only)
    runs = _counts(MatchRun, only=only)
    chosen = all_cohorts() if only is None else [get_cohort(only)]
    return [
        CohortSummary(c, mentors.get(c.id, 0), leaders.get(c.id, 0), matches.get(c.id, 0), runs.get(c.id, 0))
        for c in chosen
    ]


def _check_details(details: CohortDetails) -> str:
    name = " ".join(details.name.split())
    if not name:
        raise InvalidField("name", "Give the cohort a name.")
    if details.starts_on and details.ends_on and details.ends_on < details.starts_on:
        raise InvalidField("ends_on", "The end date must be on or after the start date.")
    if not 1 <= details.stall_days <= 365:
        raise InvalidField("stall_days", "Use a number of days from 1 to 365.")
    return name


def _name_taken(name: str, except_id: int | None = None) -> bool:
    query = select(Cohort.id).where(func.lower(Cohort.name) == name.lower())
    if except_id is not None:
        query = query.where(Cohort.id != except_id)
    return db.session.execute(query).first() is not None


NAME_TAKEN = "Another cohort already has this name."


def create_cohort(manager: Person, details: CohortDetails) -> Cohort:
    """Create an open cohort with the default matching rules."""
    name = _check_details(details)
    if _name_taken(name):
        raise InvalidField("name", NAME_TAKEN)
    # Another manager may create a cohort with this name at the same moment: the same answer then.
    with unit_of_work(InvalidField("name", NAME_TAKEN)):
        cohort = Cohort(
            name=name,
            starts_on=details.starts_on,
            ends_on=details.ends_on,
            stall_days=details.stall_days,
            status="open",
            rules={},
        )
        db.session.add(cohort)
        db.session.flush()
        audit.record("cohort.created", actor=manager, object_type="cohort", object_id=cohort.id, detail=name)
    return cohort


def update_cohort(manager: Person, cohort_id: int, details: CohortDetails) -> Cohort:
    """Change a cohort's name, dates and stall limit."""
    cohort = get_cohort(cohort_id, lock=True)
    name = _check_details(details)
    if _name_taken(name, except_id=cohort.id):
        raise InvalidField("name", NAME_TAKEN)
    changes = [
        label
        for label, old, new in (
            ("name", cohort.name, name),
            ("starts", cohort.starts_on, details.starts_on),
            ("ends", cohort.ends_on, details.ends_on),
            ("stall days", cohort.stall_days, details.stall_days),
        )
        if old != new
    ]
    with unit_of_work(InvalidField("name", NAME_TAKEN)):
        cohort.name, cohort.starts_on, cohort.ends_on = name, details.starts_on, details.ends_on
        cohort.stall_days = details.stall_days
        if changes:
            audit.record(
                "cohort.updated",
                actor=manager,
                object_type="cohort",
                object_id=cohort.id,
                detail="changed " + ", ".join(changes),
            )
    return cohort


def save_rules(manager: Person, cohort_id: int, data: dict[str, Any]) -> Cohort:
    """Store a cohort's matching rules after the matching library accepted them."""
    from mentoring.services.translators import matching_problem

    cohort = get_cohort(cohort_id, lock=True)
    if cohort.status not in EDITABLE_RULES:
        raise Conflict("The rules of a closed cohort cannot change.")
    rules = matching_problem.normalise_rules(data)
    before = matching_problem.normalise_rules(cohort.rules or {})
    changed = sorted(key for key in rules if rules[key] != before.get(key))
    cohort.rules = rules
    if changed:
        audit.record(
            "cohort.rules_changed",
            actor=manager,
            object_type="cohort",
            object_id=cohort.id,
            detail="changed " + ", ".join(changed),
        )
    db.session.commit()
    return cohort


def _transition(
    manager: Person,
    cohort_id: int,
    allowed: tuple[str, ...],
    new_status: str,
    action: str,
    refusal: str,
    now: datetime | None = None,
) -> Cohort:
    cohort = get_cohort(cohort_id, lock=True)
    if cohort.status not in allowed:
        raise Conflict(refusal)
    cohort.status = new_status
    audit.record(
        action,
        actor=manager,
        object_type="cohort",
        object_id=cohort.id,
        detail=f"at {(now or utcnow()).isoformat(timespec='seconds')}",
    )
    db.session.commit()
    return cohort


def close_cohort(manager: Person, cohort_id: int, now: datetime | None = None) -> Cohort:
    """Close a published cohort: its pairs stay, nothing more is matched."""
    return _transition(
        manager, cohort_id, ("published",), "closed", "cohort.closed", "Only a published cohort can be closed.", now
    )


def reopen_cohort(manager: Person, cohort_id: int, now: datetime | None = None) -> Cohort:
    """Put a matched (not yet published) cohort back to open; runs, pins and forbids are kept."""
    return _transition(
        manager,
        cohort_id,
        ("matched",),
        "open",
        "cohort.reopened",
        "Only a matched cohort that is not published yet can be reopened.",
        now,
    )
