"""What a manager reviews after a matching run: pairs with reasons, unmatched leaders, loads, runs, flags."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    FitCheck,
    Goal,
    LeaderRequest,
    Match,
    MatchRun,
    MentorProfile,
    PairRule,
    Person,
    RunPair,
)
from mentoring.models.profiles import PRIORITIES
from mentoring.services.readmodels.mentor_loads import running_cohort_names
from mentoring.services.translators import matching_problem
from mentoring.services.usecases import matching_runs
from mentoring.services.usecases.cohorts import get_cohort

SUCCESSFUL = matching_runs.SUCCESSFUL


@dataclass(frozen=True)
class ReasonLine:
    """One criterion's points in a pair's score."""

    label: str
    points: float
    description: str


@dataclass(frozen=True)
class GoalLine:
    """How a mentor meets one of the leader's goals."""

    skill: str
    priority: str
    target: int
    mentor_level: int

    @property
    def met(self) -> bool:
        """The mentor's proficiency reaches the target level."""
        return self.mentor_level >= self.target


@dataclass(frozen=True)
class ProposedPair:
    """A proposed pair as the review page shows it."""

    leader: Person
    mentor: Person
    score: float
    pinned: bool
    reasons: list[ReasonLine]
    goals: list[GoalLine]
    rule: PairRule | None


@dataclass(frozen=True)
class UnmatchedView:
    """A leader the run left without (enough) mentors, and why."""

    leader: Person | None
    reason: str
    unfilled: int
    note: str = ""


@dataclass(frozen=True)
class LoadView:
    """A mentor's load in this run out of the places they had left, and their pairs in other running cohorts."""

    mentor: Person | None
    load: int
    capacity: int
    elsewhere: int = 0
    elsewhere_in: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Leaders across cohorts if this run is published."""
        return self.load + self.elsewhere


@dataclass
class Review:
    """Everything on the review page of one cohort."""

    cohort: Cohort
    run: MatchRun | None
    pairs: list[ProposedPair] = field(default_factory=list)
    unmatched: list[UnmatchedView] = field(default_factory=list)
    loads: list[LoadView] = field(default_factory=list)
    stats: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""
    runs: list[MatchRun] = field(default_factory=list)
    rules: list[PairRule] = field(default_factory=list)
    rules_changed: bool = False
    published: bool = False
    publishable: bool = False
    running: bool = False
    criteria: list[matching_problem.CriterionInfo] = field(default_factory=matching_problem.criteria)


def latest_run(cohort_id: int) -> MatchRun | None:
    """The cohort's most recent run."""
    query = select(MatchRun).where(MatchRun.cohort_id == cohort_id).order_by(MatchRun.id.desc()).limit(1)
    return db.session.execute(query).scalar_one_or_none()


def runs_of(cohort_id: int) -> list[MatchRun]:
    """Every run of the cohort, newest first."""
    query = select(MatchRun).where(MatchRun.cohort_id == cohort_id).order_by(MatchRun.id.desc())
    return list(db.session.execute(query).scalars())


def is_published(run: MatchRun) -> bool:
    """Whether this run's pairs were published."""
    return bool((run.stats or {}).get("published_at"))


def pair_rules(cohort_id: int) -> list[PairRule]:
    """The cohort's pins and forbids, pins first."""
    query = select(PairRule).where(PairRule.cohort_id == cohort_id).order_by(PairRule.kind.desc(), PairRule.id)
    return list(db.session.execute(query).scalars())


def flagged_matches(cohort_id: int) -> list[tuple[Match, list[FitCheck]]]:
    """Active pairs of the cohort where either side answered "not a good fit", with those answers."""
    query = (
        select(Match, FitCheck)
        .join(FitCheck, FitCheck.match_id == Match.id)
        .where(Match.cohort_id == cohort_id, Match.status == "active", FitCheck.good_fit.is_(False))
        .order_by(Match.leader_id, Match.mentor_id, FitCheck.id)
    )
    found: dict[int, tuple[Match, list[FitCheck]]] = {}
    for match, check in db.session.execute(query):
        found.setdefault(match.id, (match, []))[1].append(check)
    return list(found.values())


def reason_lines(reasons: list[dict[str, Any]]) -> list[ReasonLine]:
    """Stored {criterion, points} items as labelled lines with the criterion's description."""
    known = {c.name: c for c in matching_problem.criteria()}
    lines = []
    for item in reasons or []:
        name = str(item.get("criterion", ""))
        info = known.get(name)
        lines.append(
            ReasonLine(
                info.label if info else name.replace("_", " ").capitalize(),
                float(item.get("points", 0)),
                info.description if info else "",
            )
        )
    return lines


def _goal_lines(cohort_id: int, pairs: list[RunPair]) -> dict[tuple[int, int], list[GoalLine]]:
    leaders = {p.leader_id for p in pairs}
    mentors = {p.mentor_id for p in pairs}
    goals: dict[int, list[Goal]] = {}
    query = (
        select(LeaderRequest)
        .where(LeaderRequest.cohort_id == cohort_id, LeaderRequest.person_id.in_(leaders))
        .options(selectinload(LeaderRequest.goals).joinedload(Goal.skill))
    )
    for request in db.session.execute(query).scalars():
        goals[request.person_id] = list(request.goals)
    levels: dict[int, dict[int, int]] = {}
    profiles = (
        select(MentorProfile).where(MentorProfile.person_id.in_(mentors)).options(selectinload(MentorProfile.skills))
    )
    for profile in db.session.execute(profiles).scalars():
        levels[profile.person_id] = {s.skill_id: s.proficiency for s in profile.skills}
    return {
        (p.leader_id, p.mentor_id): [
            GoalLine(
                g.skill.name,
                PRIORITIES.get(g.priority, str(g.priority)),
                g.target_level,
                levels.get(p.mentor_id, {}).get(g.skill_id, 0),
            )
            for g in goals.get(p.leader_id, [])
        ]
        for p in pairs
    }


SOLVER_FIGURES = (
    ("solver", "Solver"),
    ("model", "Model"),
    ("compatible_pairs", "Pairs allowed by the rules"),
    ("candidates", "Pairs considered"),
    ("pricing_rounds", "Pricing rounds"),
    ("gap", "Gap to the optimum"),
)


def _stats(run: MatchRun) -> list[tuple[str, str]]:
    stats = run.stats or {}
    solver = stats.get("solver") or {}
    rows = [
        ("Status", run.status),
        ("Leaders matched", str(run.matched)),
        ("Total score", f"{run.total_score:g}"),
        ("Time", f"{stats.get('seconds', 0):g} s"),
    ]
    for key, label in (
        ("leaders", "Leaders in the run"),
        ("mentors", "Mentors in the run"),
        ("pinned", "Pinned pairs"),
        ("forbidden", "Forbidden pairs"),
        ("history", "Pairs from earlier cohorts"),
    ):
        if key in stats:
            rows.append((label, str(stats[key])))
    for key, label in SOLVER_FIGURES:
        value = solver.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            rows.append((label, f"{value:g}" if isinstance(value, float) else str(value)))
    return rows


_NAMED_MENTORS = re.compile(r"compatible mentors?(?: with room)? \(([^)]*)\)")


def full_elsewhere_note(reason: str, loads: list[LoadView]) -> str:
    """For a capacity-bound reason: the mentors with no room because of pairs in other cohorts ("" if none)."""
    full = {str(x.mentor.id): x for x in loads if x.mentor is not None and x.elsewhere and x.load >= x.capacity}
    if not full or not any(words in reason for words in ("at capacity", "no places", "with room")):
        return ""
    named = _NAMED_MENTORS.search(reason)
    ids = [part.split(" and ")[0].strip() for part in named.group(1).split(",")] if named else []
    # The mentors the reason names first, then those left with no places at all (never "compatible").
    about = [full[i] for i in ids if i in full]
    about += [x for key, x in sorted(full.items()) if x.capacity == 0 and x not in about]
    if not about:
        return ""
    shown = ", ".join(f"{x.mentor.name} ({', '.join(x.elsewhere_in) or 'another cohort'})" for x in about[:5])
    more = f" and {len(about) - 5} more" if len(about) > 5 else ""
    return f"No room because of their pairs in another running cohort: {shown}{more}."


def review(cohort_id: int) -> Review:
    """The review page of a cohort: its latest run in readable form, runs, pins and forbids."""
    cohort = get_cohort(cohort_id)
    run = latest_run(cohort.id)
    page = Review(
        cohort=cohort,
        run=run,
        runs=runs_of(cohort.id),
        rules=pair_rules(cohort.id),
        running=matching_runs.run_in_progress(cohort),
    )
    if run is None:
        return page
    ids = [p.leader_id for p in run.pairs] + [p.mentor_id for p in run.pairs]
    ids += [u.get("leader_id", 0) for u in run.unmatched or []]
    ids += [x.get("mentor_id", 0) for x in run.mentor_loads or []]
    people = {p.id: p for p in db.session.execute(select(Person).where(Person.id.in_(ids))).scalars()}
    rules = {(r.leader_id, r.mentor_id): r for r in page.rules}
    goal_lines = _goal_lines(cohort.id, list(run.pairs))
    page.pairs = sorted(
        (
            ProposedPair(
                p.leader,
                p.mentor,
                p.score,
                p.pinned,
                reason_lines(p.reasons),
                goal_lines.get((p.leader_id, p.mentor_id), []),
                rules.get((p.leader_id, p.mentor_id)),
            )
            for p in run.pairs
        ),
        key=lambda pair: (pair.leader.name.lower(), pair.mentor.name.lower()),
    )
    busy = [x.get("mentor_id", 0) for x in run.mentor_loads or [] if x.get("elsewhere")]
    cohort_names = running_cohort_names(busy, except_cohort=cohort.id)
    page.loads = sorted(
        (
            LoadView(
                people.get(x.get("mentor_id")),
                int(x.get("load", 0)),
                int(x.get("capacity", 0)),
                int(x.get("elsewhere", 0)),
                tuple(cohort_names.get(x.get("mentor_id", 0), ())),
            )
            for x in run.mentor_loads or []
        ),
        key=lambda load: (-load.total, load.mentor.name if load.mentor else ""),
    )
    page.unmatched = [
        UnmatchedView(
            people.get(u.get("leader_id")),
            matching_runs.describe(u.get("reason", "")),
            int(u.get("unfilled", 1)),
            full_elsewhere_note(u.get("reason", ""), page.loads),
        )
        for u in run.unmatched or []
    ]
    page.stats = _stats(run)
    page.message = matching_runs.describe(run.message or "")
    if run.status == "failed":
        page.message = "The matching could not run: " + page.message
    page.rules_changed = run.rules != matching_problem.cohort_rules(cohort)
    page.published = is_published(run)
    page.publishable = (
        run.status in SUCCESSFUL
        and not page.published
        and (
            (run.kind == "full" and cohort.status == "matched")
            or (run.kind == "repair" and cohort.status == "published")
        )
    )
    return page
