"""Placing a few leaders in a published cohort: only they, against the mentors' spare capacity, as a `matching.Problem`.

Everyone else's active pairs stay as they are and use up their mentors' capacity. The cohort's department cap
(`max_per_department_per_mentor`) counts existing and new pairs together: a mentor already at the cap for a
department is forbidden to its new leaders; a mentor below it (where the newcomers could pass the cap) keeps
those pairs pinned in the problem, so the library's own department-cap constraint counts them with the new ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import aliased

import matching
from matching.fields import fold
from mentoring.extensions import db
from mentoring.models import Cohort, Match, Person
from mentoring.services.readmodels.mentor_loads import running_loads
from mentoring.services.translators import cohort_rows as rows
from mentoring.services.translators.matching_problem import Translation, cohort_rules, without_cycle_collection

# (mentor id, folded department) -> leaders of that department the mentor has in active pairs now.
Held = dict[tuple[int, str], list[int]]


def _department(text: str | None) -> str:
    """A department as the library compares it ("" when there is none: no cap applies)."""
    return fold(text) if text else ""


def _existing_pairs(cohort_id: int, freed: set[int]) -> tuple[set[tuple[int, int]], dict[int, int], Held]:
    """Every (leader, mentor) ever paired in the cohort; active pairs per mentor; held places per department."""
    leader = aliased(Person)
    rows = db.session.execute(
        select(Match.id, Match.leader_id, Match.mentor_id, Match.status, leader.department)
        .join(leader, leader.id == Match.leader_id)
        .where(Match.cohort_id == cohort_id)
    ).all()
    ever = {(lead, mentor) for _, lead, mentor, _, _ in rows}
    load: dict[int, int] = defaultdict(int)
    held: Held = defaultdict(list)
    for match_id, lead, mentor, status, department in rows:
        if status == "active" and match_id not in freed:
            load[mentor] += 1
            if _department(department):
                held[(mentor, _department(department))].append(lead)
    return ever, dict(load), dict(held)


def department_places(
    asks: list[rows.Ask], mentor_ids: set[int], held: Held, cap: int | None, known: set[int], pin: bool = True
) -> tuple[set[tuple[str, str]], list[tuple[int, int]]]:
    """(pairs to forbid, existing pairs to pin) so that the department cap holds for existing and new pairs together.

    Only where the department's newcomers could push a mentor past the cap: a mentor already at the cap is
    forbidden to them; one below it keeps those pairs pinned, so the library's cap constraint counts them.
    With `pin=False`, or when a held leader cannot be put in the problem (not in `known`), the mentor is
    forbidden to the department's new leaders instead: the cap still holds, a place may go unused.
    """
    if cap is None:
        return set(), []
    by_department: dict[str, list[int]] = defaultdict(list)
    for ask in asks:
        if _department(ask.department):
            by_department[_department(ask.department)].append(ask.person_id)
    forbidden: set[tuple[str, str]] = set()
    pinned: list[tuple[int, int]] = []
    for (mentor, department), leaders in sorted(held.items()):
        newcomers = by_department.get(department)
        if mentor not in mentor_ids or len(newcomers) <= cap - len(leaders):
            continue  # even if every newcomer of the department joined this mentor, the cap would hold
        if len(leaders) >= cap or not pin or not set(leaders) <= known:
            forbidden.update((str(lead), str(mentor)) for lead in newcomers)
        else:
            pinned.extend((lead, mentor) for lead in leaders)
    return forbidden, pinned


@without_cycle_collection
def build_placement(
    cohort: Cohort, wanted: dict[int, int], freed: Iterable[int] = (), pin_existing: bool = True
) -> Translation:
    """Only these leaders (person id -> places to fill) against the mentors' spare capacity.

    Everyone else's active pairs stay as they are: they use up their mentors' capacity (except the pairs in
    `freed`, which a change is about to end); those the department cap must count are pinned in the problem
    (solution pairs marked pinned are existing pairs, not proposals). A pair that ever existed in the cohort is
    never proposed again; pins from the rules do not apply (they are for full runs), forbids do.
    """
    refs = rows.manager_refs()
    every = {a.person_id: a for a in rows.asks(cohort.id)}
    asks = [a for a in every.values() if wanted.get(a.person_id, 0) > 0]
    ever, load, held = _existing_pairs(cohort.id, set(freed))
    offers = rows.offers(cohort.id)
    goals, skills = rows.goals_by_request(cohort.id), rows.skills_by_profile(cohort.id)
    # Capacity is the person's, across cohorts: pairs still running elsewhere use some of it up.
    taken = running_loads({o.person_id for o in offers}, except_cohort=cohort.id)
    spare = {o.person_id: o.capacity - load.get(o.person_id, 0) - taken.get(o.person_id, 0) for o in offers}
    offers = [o for o in offers if spare[o.person_id] > 0]
    rules = matching.Rules.from_dict(cohort_rules(cohort))
    cap_forbidden, pins = department_places(
        asks, {o.person_id for o in offers}, held, rules.max_per_department_per_mentor, set(every), pin_existing
    )
    slots = {a.person_id: wanted[a.person_id] for a in asks}
    pins_of_mentor: dict[int, int] = defaultdict(int)
    for lead, mentor in pins:
        slots[lead] = slots.get(lead, 0) + 1  # a pinned leader keeps that pair and gains no other mentor
        pins_of_mentor[mentor] += 1
    leaders = rows.leaders_of([every[pid] for pid in sorted(slots)], goals, refs, slots.get)
    mentors = rows.mentors_of(offers, skills, refs, lambda pid: spare[pid] + pins_of_mentor[pid])
    leader_ids, mentor_ids = {x.id for x in leaders}, {x.id for x in mentors}
    pinned = {(str(lead), str(mentor)) for lead, mentor in pins}
    forbidden = {(str(lead), str(mentor)) for lead, mentor in ever} | cap_forbidden
    forbidden.update((str(lead), str(mentor)) for kind, lead, mentor in rows.pair_rules(cohort.id) if kind == "forbid")
    forbidden.update((pid, pid) for pid in leader_ids & mentor_ids)
    forbidden = {pair for pair in forbidden if pair[0] in leader_ids and pair[1] in mentor_ids} - pinned
    org = sorted(
        (str(pid), boss) for pid, boss in refs.items() if boss is not None and str(pid) not in leader_ids | mentor_ids
    )
    problem = matching.Problem(
        leaders=leaders,
        mentors=mentors,
        org=tuple(org),
        forbidden=tuple(sorted(forbidden)),
        pinned=tuple(sorted(pinned)),
        history=tuple(rows.history(cohort.id, leader_ids, mentor_ids)),
        rules=rules,
    )
    return Translation(problem, [])
