"""A manager's pins (always pair these two) and forbids (never pair them) within one cohort."""

from __future__ import annotations

from sqlalchemy import Select, exists, func, or_, select

from mentoring.extensions import db
from mentoring.models import LeaderRequest, MentorEnrolment, MentorProfile, PairRule, Person
from mentoring.models.cohorts import RULE_KINDS
from mentoring.services import Conflict, NotFound, unit_of_work
from mentoring.services.infra import audit
from mentoring.services.usecases.cohorts import get_cohort
from mentoring.services.usecases.people_admin import like_pattern

KIND_WORDS = {"pin": "pinned", "forbid": "forbidden"}


FOUND_MAX = 20


def _found(query: Select, text: str) -> list[Person]:
    text = " ".join((text or "").split())
    if not text:
        return []
    pattern = like_pattern(text)
    query = query.where(
        or_(func.lower(Person.name).like(pattern, escape="\\"), func.lower(Person.email).like(pattern, escape="\\"))
    )
    return list(db.session.execute(query.order_by(func.lower(Person.name), Person.id).limit(FOUND_MAX)).scalars())


def find_leaders(cohort_id: int, text: str) -> list[Person]:
    """Up to 20 people with a leader request in the cohort whose name or email contains `text`."""
    # Person alone in FROM (membership as EXISTS): the name index gives the order and LIMIT stops the scan early.
    member = exists().where(LeaderRequest.person_id == Person.id, LeaderRequest.cohort_id == cohort_id)
    return _found(select(Person).where(member), text)


def find_mentors(cohort_id: int, text: str) -> list[Person]:
    """Up to 20 mentors enrolled in the cohort whose name or email contains `text`."""
    member = exists().where(MentorEnrolment.person_id == Person.id, MentorEnrolment.cohort_id == cohort_id)
    return _found(select(Person).where(member), text)


def _participants(cohort_id: int, leader_id: int, mentor_id: int) -> tuple[LeaderRequest, Person]:
    request = db.session.execute(
        select(LeaderRequest).where(LeaderRequest.cohort_id == cohort_id, LeaderRequest.person_id == leader_id)
    ).scalar_one_or_none()
    enrolled = db.session.execute(
        select(MentorEnrolment).where(MentorEnrolment.cohort_id == cohort_id, MentorEnrolment.person_id == mentor_id)
    ).scalar_one_or_none()
    if request is None and enrolled is None:
        raise Conflict("Neither person takes part in this cohort, so they cannot be pinned or forbidden here.")
    if request is None:
        raise Conflict("The leader you chose has not asked for a mentor in this cohort.")
    if enrolled is None:
        raise Conflict("The mentor you chose is not enrolled in this cohort.")
    if leader_id == mentor_id:
        raise Conflict("A person cannot be paired with themself.")
    return request, enrolled.person


def _check_pin_room(cohort_id: int, request: LeaderRequest, mentor: Person) -> None:
    pins = select(func.count(PairRule.id)).where(PairRule.cohort_id == cohort_id, PairRule.kind == "pin")
    leader_pins = db.session.execute(pins.where(PairRule.leader_id == request.person_id)).scalar_one()
    if leader_pins >= max(1, request.mentors_wanted):
        raise Conflict(
            f"{request.person.name} already has as many pinned mentors as they asked for. "
            "Remove one of those pins first."
        )
    capacity = db.session.execute(
        select(MentorProfile.capacity).where(MentorProfile.person_id == mentor.id)
    ).scalar_one_or_none()
    if capacity is None:
        raise Conflict(f"{mentor.name} has no mentor profile yet, so they cannot be pinned.")
    mentor_pins = db.session.execute(pins.where(PairRule.mentor_id == mentor.id)).scalar_one()
    if mentor_pins >= capacity:
        raise Conflict(
            f"{mentor.name} is already pinned to as many leaders as they can take ({capacity}). "
            "Remove one of those pins first."
        )


def set_pair_rule(manager: Person, cohort_id: int, leader_id: int, mentor_id: int, kind: str) -> PairRule:
    """Pin or forbid a leader-mentor pair of the cohort (replacing the other kind if set)."""
    if kind not in RULE_KINDS:
        raise Conflict("Choose pin or forbid.")
    # Locked: the room for a pin is counted before the rule is written (two managers pinning at once).
    cohort = get_cohort(cohort_id, lock=True)
    if cohort.status == "closed":
        raise Conflict("This cohort is closed: its pairs can no longer change.")
    if cohort.status == "published":
        raise Conflict("Pins and forbids steer a matching run. To change a published pair, use Changes.")
    request, mentor = _participants(cohort.id, leader_id, mentor_id)
    rule = db.session.execute(
        select(PairRule).where(
            PairRule.cohort_id == cohort.id, PairRule.leader_id == leader_id, PairRule.mentor_id == mentor_id
        )
    ).scalar_one_or_none()
    if rule is not None and rule.kind == kind:
        return rule
    if kind == "pin":
        _check_pin_room(cohort.id, request, mentor)
    if rule is None:
        rule = PairRule(cohort_id=cohort.id, leader_id=leader_id, mentor_id=mentor_id)
    # Complete the row before adding it: reading manager.id may refresh an expired manager, which autoflushes.
    rule.kind, rule.created_by_id = kind, manager.id
    with unit_of_work(Conflict("Another manager changed this pair at the same moment. Look again and retry.")):
        db.session.add(rule)
        audit.record(
            f"pair.{KIND_WORDS[kind]}",
            actor=manager,
            object_type="cohort",
            object_id=cohort.id,
            detail=f"leader {leader_id}, mentor {mentor_id}",
        )
    return rule


def remove_pair_rule(manager: Person, cohort_id: int, rule_id: int) -> None:
    """Remove a pin or forbid of the cohort."""
    rule = db.session.get(PairRule, rule_id)
    if rule is None or rule.cohort_id != cohort_id:
        raise NotFound("There is no such pin or forbid in this cohort.")
    if get_cohort(cohort_id).status == "closed":
        raise Conflict("This cohort is closed: its pairs can no longer change.")
    audit.record(
        f"pair.{rule.kind}_removed",
        actor=manager,
        object_type="cohort",
        object_id=cohort_id,
        detail=f"leader {rule.leader_id}, mentor {rule.mentor_id}",
    )
    db.session.delete(rule)
    db.session.commit()
