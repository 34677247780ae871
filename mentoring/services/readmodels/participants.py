"""Who takes part in a cohort, and what each person is still missing before they can be matched well."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mentoring.extensions import db
from mentoring.models import LeaderRequest, MentorEnrolment, MentorProfile, Person
from mentoring.services.usecases.cohorts import get_cohort

ROLE_CHOICES = ("mentor", "leader")


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
    """The participants page: the filtered rows, counts over the whole cohort, and the filter choices."""

    rows: list[Participant]
    counts: dict[str, int] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)
    everyone: list[Participant] = field(default_factory=list)

    def filtered(
        self, role: str | None = None, department: str | None = None, missing_only: bool = False
    ) -> ParticipantTable:
        """The same table showing only the rows that pass the filters; counts still cover everyone."""
        rows = [
            row
            for row in self.everyone
            if (role not in ROLE_CHOICES or row.role == role)
            and (not department or (row.person.department or "").lower() == department.lower())
            and (not missing_only or row.gaps)
        ]
        return ParticipantTable(rows, {**self.counts, "shown": len(rows)}, self.departments, self.everyone)


def _person_gaps(person: Person, formats: list[str]) -> list[Gap]:
    gaps = []
    if not person.is_active:
        gaps.append(Gap("Account disabled: left out of the matching.", blocking=True))
    if not person.languages:
        gaps.append(Gap("No language given: the common-language rule cannot be checked."))
    if not person.timezone:
        gaps.append(Gap("No time zone: working-hour overlap is not counted."))
    if not person.department:
        gaps.append(Gap("No department: the same-department rule cannot be checked."))
    if person.grade is None:
        gaps.append(Gap("No grade: the seniority gap cannot be checked."))
    if not formats:
        gaps.append(Gap("No meeting format (remote or in person) chosen."))
    return gaps


def _leader_row(request: LeaderRequest) -> Participant:
    person = request.person
    gaps = []
    if not request.goals:
        gaps.append(Gap("No learning goals: only language, time zone and format can guide the matching."))
    gaps += _person_gaps(person, person.formats or request.formats or [])
    wanted = request.mentors_wanted or 1
    summary = f"{len(request.goals)} goal{'s' if len(request.goals) != 1 else ''}"
    summary += f", wants {wanted} mentors" if wanted > 1 else ""
    return Participant(person, "leader", summary, gaps)


def _mentor_row(person: Person, profile: MentorProfile | None) -> Participant:
    gaps = []
    if profile is None:
        gaps.append(Gap("No mentor profile yet: left out of the matching.", blocking=True))
        summary = "no profile"
    else:
        if not profile.skills:
            gaps.append(Gap("No skills listed: can only be matched on language, time zone and format."))
        if not profile.bio.strip():
            gaps.append(Gap("No short bio: leaders will know little about them."))
        summary = f"{len(profile.skills)} skill{'s' if len(profile.skills) != 1 else ''}, takes {profile.capacity}"
    gaps += _person_gaps(person, person.formats or [])
    return Participant(person, "mentor", summary, gaps)


def participants(
    cohort_id: int, role: str | None = None, department: str | None = None, missing_only: bool = False
) -> ParticipantTable:
    """The cohort's mentors and leaders with what each is missing, filtered; counts cover everyone."""
    cohort = get_cohort(cohort_id)
    # Load goals, people and skills with the rows: one query per kind, not one per participant.
    requests = list(
        db.session.execute(
            select(LeaderRequest)
            .where(LeaderRequest.cohort_id == cohort.id)
            .options(selectinload(LeaderRequest.goals), joinedload(LeaderRequest.person))
        ).scalars()
    )
    mentors = db.session.execute(
        select(Person, MentorProfile)
        .join(MentorEnrolment, MentorEnrolment.person_id == Person.id)
        .outerjoin(MentorProfile, MentorProfile.person_id == Person.id)
        .options(selectinload(MentorProfile.skills))
        .where(MentorEnrolment.cohort_id == cohort.id)
    ).all()
    leader_rows = [_leader_row(r) for r in requests]
    mentor_rows = [_mentor_row(person, profile) for person, profile in mentors]
    everyone = sorted(mentor_rows + leader_rows, key=lambda row: (row.role, row.person.name.lower(), row.person.id))
    counts = {
        "mentors": len(mentor_rows),
        "leaders": len(leader_rows),
        "places": sum(profile.capacity for person, profile in mentors if profile is not None and person.is_active),
        "wanted": sum(max(1, r.mentors_wanted or 1) for r in requests if r.person.is_active),
        "missing": sum(1 for row in everyone if row.gaps),
        "blocked": sum(1 for row in everyone if row.blocked),
    }
    departments = sorted({row.person.department for row in everyone if row.person.department}, key=str.lower)
    return ParticipantTable([], counts, departments, everyone).filtered(role, department, missing_only)
