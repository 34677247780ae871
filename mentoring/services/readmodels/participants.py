"""Who takes part in a cohort, and what each person is still missing before they can be matched well.

Filters, counts and paging run in SQL: a page reads its own rows and a few aggregates, however large
the cohort. What a person misses is one SQL condition per gap (for filters and counts) and the same
rule in Python for the rows on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, exists, false, func, not_, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from mentoring.extensions import db
from mentoring.models import Goal, LeaderRequest, MentorEnrolment, MentorProfile, MentorSkill, Person
from mentoring.services.readmodels.paging import PER_PAGE, Page, page_number
from mentoring.services.usecases.cohorts import get_cohort
from mentoring.services.usecases.people_admin import like_pattern

ROLE_CHOICES = ("mentor", "leader")
MISSING_CHOICES = (
    ("anything", "Anything"),
    ("blocked", "Left out of the matching"),
    ("goals", "Learning goals (leaders)"),
    ("profile", "A mentor profile"),
    ("skills", "Skills (mentors)"),
    ("bio", "A short bio (mentors)"),
    ("language", "A language"),
    ("timezone", "A time zone"),
    ("department", "A department"),
    ("grade", "A grade"),
    ("format", "A meeting format"),
)


@dataclass(frozen=True)
class Gap:
    """Something a participant is missing; `blocking` means the matching leaves them out."""

    text: str
    blocking: bool = False


@dataclass(frozen=True)
class Participant:
    """One row of the participants table."""

    person: Person
    role: str
    summary: str
    gaps: list[Gap]

    @property
    def blocked(self) -> bool:
        """The matching will leave this person out."""
        return any(gap.blocking for gap in self.gaps)


@dataclass
class ParticipantTable:
    """The participants page: one page of filtered rows, counts over the whole cohort, and the filter choices."""

    rows: list[Participant]
    counts: dict[str, int] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)
    page: Page = field(default_factory=Page)


@dataclass(frozen=True)
class Filters:
    """What the manager narrowed the table to."""

    role: str | None = None
    department: str | None = None
    missing: str | None = None
    text: str = ""


# ---------------------------------------------------------------- gaps as SQL conditions


def _empty_list(column: ColumnElement) -> ColumnElement:
    return or_(column.is_(None), cast(column, String).in_(["[]", "null", ""]))


def _blank(column: ColumnElement) -> ColumnElement:
    return or_(column.is_(None), func.trim(column) == "")


def _has_goals() -> ColumnElement:
    return exists().where(Goal.request_id == LeaderRequest.id)


def _has_skills() -> ColumnElement:
    return exists().where(MentorSkill.profile_id == MentorProfile.id)


def _person_gap(kind: str, role: str) -> ColumnElement | None:
    if kind == "language":
        return _empty_list(Person.languages)
    if kind == "timezone":
        return _blank(Person.timezone)
    if kind == "department":
        return _blank(Person.department)
    if kind == "grade":
        return Person.grade.is_(None)
    if kind == "format":
        no_format = _empty_list(Person.formats)
        return and_(no_format, _empty_list(LeaderRequest.formats)) if role == "leader" else no_format
    return None


def _gap_condition(kind: str, role: str) -> ColumnElement:
    """Rows of `role` missing `kind` ("anything" and "blocked" combine the others)."""
    if kind == "blocked":
        disabled = Person.is_active.is_(False)
        return or_(disabled, MentorProfile.id.is_(None)) if role == "mentor" else disabled
    if kind == "anything":
        kinds = ["blocked", "language", "timezone", "department", "grade", "format"]
        kinds += ["goals"] if role == "leader" else ["skills", "bio"]
        return or_(*(_gap_condition(k, role) for k in kinds))
    if role == "leader" and kind == "goals":
        return not_(_has_goals())
    if role == "mentor" and kind == "profile":
        return MentorProfile.id.is_(None)
    if role == "mentor" and kind == "skills":
        return and_(MentorProfile.id.is_not(None), not_(_has_skills()))
    if role == "mentor" and kind == "bio":
        return and_(MentorProfile.id.is_not(None), _blank(MentorProfile.bio))
    return _person_gap(kind, role) if _person_gap(kind, role) is not None else false()


# ---------------------------------------------------------------- which people, then their rows


def _membership(role: str, cohort_id: int, filters: Filters) -> ColumnElement:
    """One EXISTS, correlated to Person: they take part in the cohort in `role` (and miss what is asked)."""
    if role == "leader":
        inner = select(LeaderRequest.id).where(LeaderRequest.person_id == Person.id)
        inner = inner.where(LeaderRequest.cohort_id == cohort_id)
    else:
        inner = select(MentorEnrolment.id).outerjoin(
            MentorProfile, MentorProfile.person_id == MentorEnrolment.person_id
        )
        inner = inner.where(MentorEnrolment.person_id == Person.id, MentorEnrolment.cohort_id == cohort_id)
    if filters.missing:
        inner = inner.where(_gap_condition(filters.missing, role))
    return inner.exists()


def _selected(role: str, cohort_id: int, filters: Filters) -> list[ColumnElement]:
    """The WHERE of one role's part of the table: membership, department and text, all on Person."""
    conditions = [_membership(role, cohort_id, filters)]
    if filters.department:
        conditions.append(func.lower(Person.department) == filters.department.lower())
    if filters.text:
        pattern = like_pattern(filters.text)
        conditions.append(
            or_(func.lower(Person.name).like(pattern, escape="\\"), func.lower(Person.email).like(pattern, escape="\\"))
        )
    return conditions


def _count(conditions: list[ColumnElement]) -> int:
    return db.session.execute(select(func.count(Person.id)).where(*conditions)).scalar_one()


def _page_ids(conditions: list[ColumnElement], offset: int, limit: int | None) -> list[int]:
    """The ids of one page (every match when `limit` is None), by name: Person is the only table here, so
    ix_person_name_lower serves the order."""
    query = select(Person.id).where(*conditions).order_by(func.lower(Person.name), Person.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.execute(query).scalars())


def _rows(role: str, cohort_id: int, ids: list[int]) -> list[Participant]:
    """The page's people of one role with what the table shows, in one query, in the order of `ids`."""
    if not ids:
        return []
    if role == "leader":
        goal_count = select(func.count(Goal.id)).where(Goal.request_id == LeaderRequest.id).scalar_subquery()
        query = (
            select(Person, LeaderRequest.formats, LeaderRequest.mentors_wanted, goal_count)
            .join(LeaderRequest, LeaderRequest.person_id == Person.id)
            .where(LeaderRequest.cohort_id == cohort_id, Person.id.in_(ids))
        )
        found = {row[0].id: _leader_row(*row) for row in db.session.execute(query)}
    else:
        skill_count = (
            select(func.count(MentorSkill.id)).where(MentorSkill.profile_id == MentorProfile.id).scalar_subquery()
        )
        query = (
            select(Person, MentorProfile, skill_count)
            .join(MentorEnrolment, MentorEnrolment.person_id == Person.id)
            .outerjoin(MentorProfile, MentorProfile.person_id == Person.id)
            .where(MentorEnrolment.cohort_id == cohort_id, Person.id.in_(ids))
        )
        found = {row[0].id: _mentor_row(*row) for row in db.session.execute(query)}
    return [found[i] for i in ids if i in found]


# ---------------------------------------------------------------- rows and their gaps


def _person_gaps(person: Person, formats: list[str]) -> list[Gap]:
    gaps = []
    if not person.is_active:
        gaps.append(Gap("Account disabled: left out of the matching.", blocking=True))
    if not person.languages:
        gaps.append(Gap("No language given: the common-language rule cannot be checked."))
    if not (person.timezone or "").strip():
        gaps.append(Gap("No time zone: working-hour overlap is not counted."))
    if not (person.department or "").strip():
        gaps.append(Gap("No department: the same-department rule cannot be checked."))
    if person.grade is None:
        gaps.append(Gap("No grade: the seniority gap cannot be checked."))
    if not formats:
        gaps.append(Gap("No meeting format (remote or in person) chosen."))
    return gaps


def _leader_row(person: Person, formats: list[str] | None, wanted: int | None, goals: int) -> Participant:
    gaps = []
    if not goals:
        gaps.append(Gap("No learning goals: only language, time zone and format can guide the matching."))
    gaps += _person_gaps(person, person.formats or formats or [])
    wanted = wanted or 1
    summary = f"{goals} goal{'s' if goals != 1 else ''}"
    summary += f", wants {wanted} mentors" if wanted > 1 else ""
    return Participant(person, "leader", summary, gaps)


def _mentor_row(person: Person, profile: MentorProfile | None, skills: int) -> Participant:
    gaps = []
    if profile is None:
        gaps.append(Gap("No mentor profile yet: left out of the matching.", blocking=True))
        summary = "no profile"
    else:
        if not skills:
            gaps.append(Gap("No skills listed: can only be matched on language, time zone and format."))
        if not profile.bio.strip():
            gaps.append(Gap("No short bio: leaders will know little about them."))
        summary = f"{skills} skill{'s' if skills != 1 else ''}, takes {profile.capacity}"
    gaps += _person_gaps(person, person.formats or [])
    return Participant(person, "mentor", summary, gaps)


def _flagged(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counts(cohort_id: int) -> dict[str, int]:
    """Counts over the whole cohort: one aggregate query per role, each a single pass over its rows."""
    active = Person.is_active.is_(True)
    at_least_one = case((LeaderRequest.mentors_wanted > 1, LeaderRequest.mentors_wanted), else_=1)
    leaders = (
        select(
            func.count(),
            _flagged(_gap_condition("anything", "leader")),
            _flagged(_gap_condition("blocked", "leader")),
            func.coalesce(func.sum(case((active, at_least_one), else_=0)), 0),
        )
        .select_from(Person)
        .join(LeaderRequest, LeaderRequest.person_id == Person.id)
        .where(LeaderRequest.cohort_id == cohort_id)
    )
    mentors = (
        select(
            func.count(),
            _flagged(_gap_condition("anything", "mentor")),
            _flagged(_gap_condition("blocked", "mentor")),
            func.coalesce(
                func.sum(case((and_(active, MentorProfile.id.is_not(None)), MentorProfile.capacity), else_=0)), 0
            ),
        )
        .select_from(Person)
        .join(MentorEnrolment, MentorEnrolment.person_id == Person.id)
        .outerjoin(MentorProfile, MentorProfile.person_id == Person.id)
        .where(MentorEnrolment.cohort_id == cohort_id)
    )
    lead, lead_missing, lead_blocked, wanted = db.session.execute(leaders).one()
    ment, ment_missing, ment_blocked, places = db.session.execute(mentors).one()
    return {
        "leaders": lead,
        "mentors": ment,
        "places": int(places),
        "wanted": int(wanted),
        "missing": int(lead_missing) + int(ment_missing),
        "blocked": int(lead_blocked) + int(ment_blocked),
    }


def departments(cohort_id: int) -> list[str]:
    """The departments of the cohort's participants, for the filter."""
    # Each of the few distinct departments (read from ix_person_department) is kept when one person of it
    # takes part: a probe per department that stops at the first participant, not a pass over the cohort.
    member = aliased(Person)
    named = select(Person.department).where(Person.department.is_not(None)).distinct().subquery()
    takes_part = or_(
        exists().where(LeaderRequest.person_id == member.id, LeaderRequest.cohort_id == cohort_id),
        exists().where(MentorEnrolment.person_id == member.id, MentorEnrolment.cohort_id == cohort_id),
    )
    query = select(named.c.department).where(exists().where(member.department == named.c.department, takes_part))
    found = db.session.execute(query).scalars()
    return sorted((d for d in found if d), key=str.lower)


def participants(
    cohort_id: int,
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    known_departments: list[str] | None = None,
) -> ParticipantTable:
    """One page of the cohort's leaders then mentors, by name, with what each is missing; counts cover everyone."""
    cohort = get_cohort(cohort_id)
    filters = filters or Filters()
    counts = _counts(cohort.id)
    narrowed = bool(filters.department or filters.missing or filters.text)
    parts = []
    for role, everyone in (("leader", counts["leaders"]), ("mentor", counts["mentors"])):
        if filters.role in ROLE_CHOICES and filters.role != role:
            continue
        conditions = _selected(role, cohort.id, filters)
        # Unfiltered, a role's size is already counted; a filter costs one COUNT over the cohort. A name search
        # (a LIKE no index serves) reads the matching ids once, in page order, and counts and pages those.
        found = _page_ids(conditions, 0, None) if filters.text else None
        size = len(found) if found is not None else _count(conditions) if narrowed else everyone
        parts.append((role, conditions, size, found))
    total = sum(size for _, _, size, _ in parts)
    page = min(page_number(page), max(1, -(-total // per_page)))
    offset, rows = (page - 1) * per_page, []
    for role, conditions, size, found in parts:
        if offset >= size:
            offset -= size
            continue
        wanted = per_page - len(rows)
        ids = found[offset : offset + wanted] if found is not None else _page_ids(conditions, offset, wanted)
        rows += _rows(role, cohort.id, ids)
        offset = 0
        if len(rows) >= per_page:
            break
    counts["shown"] = total
    found_departments = known_departments if known_departments is not None else departments(cohort.id)
    return ParticipantTable(rows, counts, found_departments, Page(rows, page, per_page, total))
