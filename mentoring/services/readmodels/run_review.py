"""What a manager reviews after a matching run: pairs with reasons, unmatched leaders, loads, runs, flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, defer, joinedload, load_only

from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    FitCheck,
    Goal,
    LeaderRequest,
    Match,
    MatchRun,
    MentorProfile,
    MentorSkill,
    PairRule,
    Person,
    RunPair,
    Skill,
)
from mentoring.models.profiles import PRIORITIES
from mentoring.services.readmodels.paging import Page, paginate
from mentoring.services.readmodels.review_filters import ReviewFilters, pair_ids_page
from mentoring.services.readmodels.review_loads import (
    LoadView,
    busy_mentors,
    full_elsewhere_note,
    summary_of,
    unmatched_reason,
)
from mentoring.services.translators import matching_problem
from mentoring.services.usecases import matching_runs
from mentoring.services.usecases.cohorts import get_cohort
from mentoring.services.usecases.people_admin import like_pattern

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
    filters: ReviewFilters | None = None
    pair_page: Page = field(default_factory=Page)
    unmatched_page: Page = field(default_factory=Page)
    unmatched_count: int = 0
    load_counts: dict[str, int] = field(default_factory=dict)
    rules_count: int = 0


def latest_run(cohort_id: int) -> MatchRun | None:
    """The cohort's most recent run."""
    query = select(MatchRun).where(MatchRun.cohort_id == cohort_id).order_by(MatchRun.id.desc()).limit(1)
    return db.session.execute(query).scalar_one_or_none()


RUNS_SHOWN = 20


def runs_of(cohort_id: int) -> list[MatchRun]:
    """Every run of the cohort, newest first."""
    query = select(MatchRun).where(MatchRun.cohort_id == cohort_id).order_by(MatchRun.id.desc())
    return list(db.session.execute(query).scalars())


def run_lines(run: MatchRun) -> tuple[list[tuple[str, str, float, bool]], list[tuple[str, str]]]:
    """Every pair of the run as (leader, mentor, score, pinned) by leader name, and (leader, reason) of the unmatched.

    What the command line prints: names and numbers only, in two queries.
    """
    leader, mentor = aliased(Person), aliased(Person)
    query = (
        select(leader.name, mentor.name, RunPair.score, RunPair.pinned)
        .join(leader, leader.id == RunPair.leader_id)
        .join(mentor, mentor.id == RunPair.mentor_id)
        .where(RunPair.run_id == run.id)
        .order_by(func.lower(leader.name), func.lower(mentor.name), RunPair.id)
    )
    pairs = [tuple(row) for row in db.session.execute(query)]
    items = {int(u["leader_id"]): u for u in run.unmatched or [] if u.get("leader_id")}
    names = matching_runs.people_names([*items, *(i for u in items.values() for i in u.get("mentor_ids", []))])
    unmatched = sorted((names.get(str(pid), "(left)"), unmatched_reason(u, names)) for pid, u in items.items())
    return pairs, unmatched  # type: ignore[return-value]


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
    """How each pair's mentor meets the leader's goals: two column queries for the page's pairs."""
    goals: dict[int, list[tuple[str, int, int, int]]] = {}
    query = (
        select(LeaderRequest.person_id, Skill.name, Goal.priority, Goal.target_level, Goal.skill_id)
        .join(Goal, Goal.request_id == LeaderRequest.id)
        .join(Skill, Skill.id == Goal.skill_id)
        .where(LeaderRequest.cohort_id == cohort_id, LeaderRequest.person_id.in_({p.leader_id for p in pairs}))
        .order_by(LeaderRequest.person_id, Goal.priority.desc(), Goal.skill_id)
    )
    for person_id, name, priority, target, skill_id in db.session.execute(query):
        goals.setdefault(person_id, []).append((name, priority, target, skill_id))
    levels: dict[int, dict[int, int]] = {}
    skills = (
        select(MentorProfile.person_id, MentorSkill.skill_id, MentorSkill.proficiency)
        .join(MentorSkill, MentorSkill.profile_id == MentorProfile.id)
        .where(MentorProfile.person_id.in_({p.mentor_id for p in pairs}))
    )
    for person_id, skill_id, proficiency in db.session.execute(skills):
        levels.setdefault(person_id, {})[skill_id] = proficiency
    return {
        (p.leader_id, p.mentor_id): [
            GoalLine(
                name, PRIORITIES.get(priority, str(priority)), target, levels.get(p.mentor_id, {}).get(skill_id, 0)
            )
            for name, priority, target, skill_id in goals.get(p.leader_id, [])
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


def _pairs_page(cohort_id: int, run: MatchRun, filters: ReviewFilters, page: int, per_page: int) -> Page:
    found = pair_ids_page(cohort_id, run.id, filters, page, per_page)
    leader, mentor = aliased(Person), aliased(Person)
    query = (
        select(RunPair, leader, mentor)
        .join(leader, leader.id == RunPair.leader_id)
        .join(mentor, mentor.id == RunPair.mentor_id)
        .where(RunPair.id.in_(found.items))
    )
    by_id = {row[0].id: tuple(row) for row in db.session.execute(query)} if found.items else {}
    found.items = [by_id[i] for i in found.items if i in by_id]
    pairs = [row[0] for row in found.items]
    goal_lines = _goal_lines(cohort_id, pairs)
    rules: dict[tuple[int, int], PairRule] = {}
    if pairs:
        rule_query = select(PairRule).where(
            PairRule.cohort_id == cohort_id, PairRule.leader_id.in_({p.leader_id for p in pairs})
        )
        rules = {(r.leader_id, r.mentor_id): r for r in db.session.execute(rule_query).scalars()}
    found.items = [
        ProposedPair(
            who_leads,
            who_mentors,
            p.score,
            p.pinned,
            reason_lines(p.reasons),
            goal_lines.get((p.leader_id, p.mentor_id), []),
            rules.get((p.leader_id, p.mentor_id)),
        )
        for p, who_leads, who_mentors in found.items
    ]
    return found


def _unmatched_page(run: MatchRun, filters: ReviewFilters, page: int, per_page: int, blocked: list[LoadView]) -> Page:
    items = {int(u["leader_id"]): u for u in run.unmatched or [] if u.get("leader_id")}
    if not items:
        return Page([], 1, per_page, 0)
    query = select(Person).where(Person.id.in_(list(items))).order_by(func.lower(Person.name), Person.id)
    if filters.department:
        query = query.where(func.lower(Person.department) == filters.department.lower())
    if filters.text:
        query = query.where(func.lower(Person.name).like(like_pattern(filters.text), escape="\\"))
    found = paginate(query, page, per_page)
    named = matching_runs.people_names(i for person in found.items for i in items[person.id].get("mentor_ids", []))
    found.items = [
        UnmatchedView(
            person,
            unmatched_reason(items[person.id], named),
            int(items[person.id].get("unfilled", 1)),
            full_elsewhere_note(items[person.id], blocked),
        )
        for person in found.items
    ]
    return found


RULES_SHOWN = 50


def review(cohort_id: int, filters: ReviewFilters | None = None, page: int = 1, per_page: int = 50) -> Review:
    """The review page of a cohort: one page of its latest run's pairs, filtered, and the run's figures."""
    cohort = get_cohort(cohort_id)
    filters = filters or ReviewFilters()
    # The run's whole-cohort lists (unmatched, loads) stay unread unless the unmatched table needs them.
    run = db.session.execute(
        select(MatchRun)
        .where(MatchRun.cohort_id == cohort.id)
        .order_by(MatchRun.id.desc())
        .limit(1)
        .options(defer(MatchRun.unmatched), defer(MatchRun.mentor_loads))
    ).scalar_one_or_none()
    rules_query = (
        select(PairRule)
        .where(PairRule.cohort_id == cohort.id)
        .order_by(PairRule.kind.desc(), PairRule.id)
        .options(joinedload(PairRule.leader), joinedload(PairRule.mentor))
    )
    runs_query = (
        select(MatchRun)
        .where(MatchRun.cohort_id == cohort.id)
        .order_by(MatchRun.id.desc())
        .limit(RUNS_SHOWN)
        .options(
            # The list shows a run's headline only: its big JSON columns (loads, unmatched) stay unread.
            load_only(
                MatchRun.id,
                MatchRun.cohort_id,
                MatchRun.kind,
                MatchRun.started_at,
                MatchRun.run_by_id,
                MatchRun.status,
                MatchRun.matched,
                MatchRun.total_score,
            ),
            joinedload(MatchRun.run_by),
        )
    )
    view = Review(
        cohort=cohort,
        run=run,
        runs=list(db.session.execute(runs_query).scalars()),
        rules=paginate(rules_query, 1, RULES_SHOWN).items,
        running=matching_runs.run_in_progress(cohort),
        filters=filters,
    )
    view.rules_count = db.session.execute(
        select(func.count(PairRule.id)).where(PairRule.cohort_id == cohort.id)
    ).scalar_one()
    if run is None:
        return view
    summary = summary_of(run)
    view.loads, blocked, view.load_counts = busy_mentors(run, cohort.id, summary)
    if filters.show == "unmatched":
        view.unmatched_page = _unmatched_page(run, filters, page, per_page, blocked)
    else:
        view.pair_page = _pairs_page(cohort.id, run, filters, page, per_page)
    view.pairs = view.pair_page.items
    view.unmatched = view.unmatched_page.items
    view.unmatched_count = int(summary["unmatched"])
    view.stats = _stats(run)
    view.message = matching_runs.run_message(run)
    if run.status == "failed":
        view.message = "The matching could not run: " + view.message
    view.rules_changed = run.rules != matching_problem.cohort_rules(cohort)
    view.published = is_published(run)
    view.publishable = (
        run.status in SUCCESSFUL
        and not view.published
        and (
            (run.kind == "full" and cohort.status == "matched")
            or (run.kind == "repair" and cohort.status == "published")
        )
    )
    return view
