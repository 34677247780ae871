"""The problems behind leader choice, cut from the cohort's full problem.

- `optimum`: everyone still choosing, against the places mentors still have (their capacity less their
  active pairs in every cohort and the picks waiting for their answer). Its pairs are each leader's first
  suggestion; together they keep every choosing leader matchable at once.
- `alternatives`: the same leaders against only the mentors with places to spare beyond that optimum, each
  leader asking for several mentors and the score objective: whatever one leader picks there, the optimum
  for everyone else still holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import func, select

import matching
from mentoring.extensions import db
from mentoring.models import Cohort, LeaderRequest, Match, MentorChoice, MentorEnrolment, MentorProfile, Person
from mentoring.models.choices import ChoiceStatus
from mentoring.services.translators.matching_problem import build_problem

ALTERNATIVES = 5  # alternatives kept per leader beyond the first suggestion (two shown, three more on request)
MAX_CAPACITY = 100  # the library's largest capacity: alternatives use it as "no practical limit"


def mentor_room(cohort_id: int) -> dict[int, int]:
    """Places each mentor enrolled in the cohort still has: capacity, less active pairs anywhere, less waiting picks."""
    capacity = dict(
        db.session.execute(
            select(MentorProfile.person_id, MentorProfile.capacity)
            .join(MentorEnrolment, MentorEnrolment.person_id == MentorProfile.person_id)
            .where(MentorEnrolment.cohort_id == cohort_id)
        ).all()
    )
    active = dict(
        db.session.execute(
            select(Match.mentor_id, func.count(Match.id))
            .join(Cohort, Cohort.id == Match.cohort_id)
            .where(Match.status == "active", Cohort.status == "published", Match.mentor_id.in_(list(capacity)))
            .group_by(Match.mentor_id)
        ).all()
    )
    waiting = dict(
        db.session.execute(
            select(MentorChoice.mentor_id, func.count(MentorChoice.id))
            .where(MentorChoice.cohort_id == cohort_id, MentorChoice.status == ChoiceStatus.PENDING)
            .group_by(MentorChoice.mentor_id)
        ).all()
    )
    return {mid: max(0, cap - active.get(mid, 0) - waiting.get(mid, 0)) for mid, cap in capacity.items()}


def choosing_leaders(cohort_id: int) -> set[int]:
    """Leaders of the cohort (active accounts) with neither a pair in it nor a pick waiting for an answer."""
    asked = set(
        db.session.execute(
            select(LeaderRequest.person_id)
            .join(Person, Person.id == LeaderRequest.person_id)
            .where(LeaderRequest.cohort_id == cohort_id, Person.is_active.is_(True))
        ).scalars()
    )
    paired = set(
        db.session.execute(
            select(Match.leader_id).where(Match.cohort_id == cohort_id, Match.status == "active")
        ).scalars()
    )
    waiting = set(
        db.session.execute(
            select(MentorChoice.leader_id).where(
                MentorChoice.cohort_id == cohort_id, MentorChoice.status == ChoiceStatus.PENDING
            )
        ).scalars()
    )
    return asked - paired - waiting


def declined_pairs(cohort_id: int) -> set[tuple[str, str]]:
    """(leader, mentor) pairs a mentor declined in this cohort: never suggested again."""
    rows = db.session.execute(
        select(MentorChoice.leader_id, MentorChoice.mentor_id).where(
            MentorChoice.cohort_id == cohort_id, MentorChoice.status == ChoiceStatus.DECLINED
        )
    )
    return {(str(leader), str(mentor)) for leader, mentor in rows}


def _cut(
    problem: matching.Problem,
    leaders: set[str],
    capacities: dict[str, int],
    forbidden: Iterable[tuple[str, str]],
    wanted: int = 1,
    objective: str | None = None,
) -> matching.Problem:
    """The problem for these leaders and mentors only, with these capacities; pins are for runs and are left out."""
    chosen_leaders = tuple(replace(x, mentors_wanted=wanted) for x in problem.leaders if x.id in leaders)
    chosen_mentors = tuple(
        replace(x, capacity=capacities[x.id]) for x in problem.mentors if capacities.get(x.id, 0) > 0
    )
    mentor_ids = {x.id for x in chosen_mentors}
    keep = {(a, b) for a, b in (*problem.forbidden, *forbidden) if a in leaders and b in mentor_ids}
    rules = problem.rules if objective is None else replace(problem.rules, objective=objective)
    return replace(
        problem,
        leaders=chosen_leaders,
        mentors=chosen_mentors,
        pinned=(),
        forbidden=tuple(sorted(keep)),
        history=tuple(p for p in problem.history if p[0] in leaders and p[1] in mentor_ids),
        rules=rules,
    )


def optimum(cohort: Cohort, leaders: set[int], room: dict[int, int]) -> tuple[matching.Problem, matching.Problem]:
    """The cohort's full problem cut to the choosing leaders and the mentors' room, and the full problem itself."""
    full = build_problem(cohort).problem
    capacities = {str(mid): places for mid, places in room.items()}
    cut = _cut(full, {str(x) for x in leaders}, capacities, declined_pairs(cohort.id))
    return cut, full


def alternatives(
    full: matching.Problem, leaders: set[int], spare: dict[int, int], first: dict[int, int], declined: set
) -> matching.Problem:
    """Choosing leaders against mentors with places to spare, each asking for several, by score."""
    capacities = {str(mid): MAX_CAPACITY for mid, places in spare.items() if places > 0}
    taken = {(str(leader), str(mentor)) for leader, mentor in first.items()}
    return _cut(full, {str(x) for x in leaders}, capacities, taken | declined, wanted=ALTERNATIVES, objective="score")


def spare_places(room: dict[int, int], first: dict[int, int]) -> dict[int, int]:
    """Each mentor's room less the leaders the optimum gives them."""
    load = Counter(first.values())
    return {mid: places - load.get(mid, 0) for mid, places in room.items()}
