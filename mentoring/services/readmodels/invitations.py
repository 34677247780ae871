"""Page data for invitations: people a manager may invite (filtered, paged) and a cohort's invitations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Invitation, LeaderRequest, MentorEnrolment, Person, TokenPurpose
from mentoring.services.infra.tokens import LIFETIMES

PAGE_SIZE = 50


@dataclass(frozen=True)
class PeopleFilter:
    """The manager's filter of people to invite."""

    department: str | None = None
    grade_min: int | None = None
    grade_max: int | None = None
    not_in_cohort: bool = False  # no mentor enrolment and no leader request in any cohort


@dataclass(frozen=True)
class Candidate:
    """One person on the invite page, with their invitation to this cohort if any."""

    person: Person
    invitation: Invitation | None


@dataclass(frozen=True)
class Page:
    """One page of rows, and where it sits among all of them."""

    rows: list
    total: int
    number: int
    pages: int


def departments() -> list[str]:
    """Every department of an active person, sorted."""
    query = select(Person.department).where(Person.is_active.is_(True), Person.department.is_not(None)).distinct()
    return sorted(name for name in db.session.execute(query).scalars() if name)


def _page_number(number: int, total: int) -> tuple[int, int]:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return min(max(1, number), pages), pages


def candidates(cohort_id: int, chosen: PeopleFilter, number: int = 1) -> Page:
    """Active people matching the filter, by name, one page at a time (two queries whatever the page size)."""
    conditions = [Person.is_active.is_(True)]
    if chosen.department:
        conditions.append(Person.department == chosen.department)
    if chosen.grade_min is not None:
        conditions.append(Person.grade >= chosen.grade_min)
    if chosen.grade_max is not None:
        conditions.append(Person.grade <= chosen.grade_max)
    if chosen.not_in_cohort:
        conditions.append(~exists().where(MentorEnrolment.person_id == Person.id))
        conditions.append(~exists().where(LeaderRequest.person_id == Person.id))
    total = db.session.execute(select(func.count(Person.id)).where(*conditions)).scalar_one()
    number, pages = _page_number(number, total)
    query = (
        select(Person, Invitation)
        .outerjoin(Invitation, and_(Invitation.person_id == Person.id, Invitation.cohort_id == cohort_id))
        .where(*conditions)
        .order_by(Person.name, Person.id)
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    )
    rows = [Candidate(person, invitation) for person, invitation in db.session.execute(query)]
    return Page(rows, total, number, pages)


@dataclass(frozen=True)
class InvitationCounts:
    """Invited / joined / not yet answered (and, of those, whose link has run out)."""

    invited: int = 0
    joined: int = 0
    waiting: int = 0
    expired: int = 0


def _stale_before(now: datetime) -> datetime:
    return now - LIFETIMES[TokenPurpose.INVITE]


def counts(cohort_id: int, now: datetime | None = None) -> InvitationCounts:
    """The cohort's invitation counts, in one query."""
    stale = _stale_before(now or utcnow())
    unanswered = Invitation.accepted_at.is_(None)
    lapsed = unanswered & Invitation.last_sent_at.is_not(None) & (Invitation.last_sent_at <= stale)
    query = select(
        func.count(Invitation.id),
        func.count(Invitation.accepted_at),
        func.coalesce(func.sum(case((lapsed, 1), else_=0)), 0),
    ).where(Invitation.cohort_id == cohort_id)
    invited, joined, expired = db.session.execute(query).one()
    return InvitationCounts(invited, joined, invited - joined, expired)


@dataclass(frozen=True)
class InvitationRow:
    """One invitation on the cohort's list."""

    invitation: Invitation
    person: Person
    expired: bool


def cohort_invitations(cohort_id: int, number: int = 1, now: datetime | None = None) -> Page:
    """The cohort's invitations, unanswered first, by name, one page at a time."""
    stale = _stale_before(now or utcnow())
    total = db.session.execute(select(func.count(Invitation.id)).where(Invitation.cohort_id == cohort_id)).scalar_one()
    number, pages = _page_number(number, total)
    query = (
        select(Invitation, Person)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.cohort_id == cohort_id)
        .order_by(Invitation.accepted_at.is_not(None), Person.name, Person.id)
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    )
    rows = [
        InvitationRow(
            invitation,
            person,
            invitation.accepted_at is None and invitation.last_sent_at is not None and invitation.last_sent_at <= stale,
        )
        for invitation, person in db.session.execute(query)
    ]
    return Page(rows, total, number, pages)
