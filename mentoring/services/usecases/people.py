"""A person's own details ("about you"): what mentors and leaders both tell the programme.

The functions here check and apply the details to a Person inside the caller's transaction;
the use cases in `mentoring.services.usecases.profiles` commit them together with the rest of a form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import func, or_, select

from mentoring.extensions import db
from mentoring.models import Person, normalise_email
from mentoring.models.people import (
    DEPARTMENT_MAX,
    EMAIL_MAX,
    EXTERNAL_ID_MAX,
    FORMATS,
    LANGUAGE_MAX,
    LOCATION_MAX,
    NAME_MAX,
)
from mentoring.services import InvalidField

GRADE_MIN = 1
GRADE_MAX = 15
LANGUAGES_MAX = 10
FORMAT_LABELS = {"remote": "Remote (video call)", "in-person": "In person"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


# The HR import's columns -> the "about you" fields they fill; those fields are read-only for the person.
HR_FIELDS = {
    "name": "name",
    "department": "department",
    "grade": "grade",
    "manager_employee_id": "manager",
    "employee_id": "external_id",
    "location": "location",
    "time_zone": "timezone",
    "languages": "languages",
}


def hr_locked_fields(person: Person) -> set[str]:
    """The "about you" fields whose values come from HR records, so the person cannot change them."""
    return {HR_FIELDS[column] for column in person.hr_fields or [] if column in HR_FIELDS}


@dataclass(frozen=True)
class Details:
    """What a person says about themselves; `manager` is an email or employee id, as typed."""

    name: str
    department: str
    grade: int | None
    timezone: str
    languages: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    location: str = ""
    manager: str = ""
    external_id: str = ""


def details_of(person: Person) -> Details:
    """The person's current details, as the "about you" form shows them."""
    manager = person.manager.email if person.manager is not None else person.manager_external_id or ""
    return Details(
        name=person.name,
        department=person.department or "",
        grade=person.grade,
        timezone=person.timezone or "",
        languages=list(person.languages or []),
        formats=[value for value in FORMATS if value in (person.formats or [])],
        location=person.location or "",
        manager=manager,
        external_id=person.external_id or "",
    )


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def known_timezones() -> frozenset[str]:
    """The IANA time-zone names this system knows (zoneinfo)."""
    return _timezones()


def _text(value: str, field_name: str, limit: int, required: bool, label: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidField(field_name, f"Enter your {label}.")
    if len(text) > limit:
        raise InvalidField(field_name, f"Keep your {label} to {limit} characters or fewer.")
    return text


def _check_grade(grade: int | None) -> int:
    if grade is None:
        raise InvalidField("grade", f"Choose your grade, from {GRADE_MIN} to {GRADE_MAX}.")
    if not GRADE_MIN <= grade <= GRADE_MAX:
        raise InvalidField("grade", f"Your grade is a number from {GRADE_MIN} to {GRADE_MAX}.")
    return grade


def _check_timezone(zone: str) -> str:
    zone = (zone or "").strip()
    if not zone:
        raise InvalidField("timezone", "Enter your time zone, such as Europe/London.")
    if zone not in _timezones():
        raise InvalidField("timezone", "Use a time-zone name such as Europe/London or America/New_York.")
    return zone


def _check_languages(languages: list[str]) -> list[str]:
    codes: list[str] = []
    for raw in languages:
        code = raw.strip().lower()
        if not _LANGUAGE.match(code) or len(code) > LANGUAGE_MAX:
            raise InvalidField("languages", f"{raw!r} is not a language code such as en, fr or pt-BR.")
        if code not in codes:
            codes.append(code)
    if not codes:
        raise InvalidField("languages", "Enter at least one language you can meet in, such as en.")
    if len(codes) > LANGUAGES_MAX:
        raise InvalidField("languages", f"List at most {LANGUAGES_MAX} languages.")
    return codes


def check_formats(formats: list[str], field_name: str = "formats") -> list[str]:
    """The formats in a fixed order; at least one, each remote or in-person."""
    unknown = [value for value in formats if value not in FORMATS]
    if unknown:
        raise InvalidField(field_name, "Choose remote, in person, or both.")
    chosen = [value for value in FORMATS if value in formats]
    if not chosen:
        raise InvalidField(field_name, "Choose at least one way to meet: remote, in person, or both.")
    return chosen


def _resolve_manager(person: Person, text: str) -> tuple[int | None, str | None]:
    """(manager_id, manager_external_id) for what the person typed as their manager."""
    text = (text or "").strip()
    if not text:
        return None, None
    if len(text) > EMAIL_MAX:
        raise InvalidField("manager", f"Keep this to {EMAIL_MAX} characters or fewer.")
    query = (
        select(Person)
        .where(or_(Person.email == normalise_email(text), func.lower(Person.external_id) == text.lower()))
        .order_by(Person.id)
    )
    found = db.session.execute(query).scalars().first()
    if found is not None:
        if found.id == person.id:
            raise InvalidField("manager", "That is you. Enter the person you report to.")
        return found.id, None
    external = normalise_email(text) if "@" in text else text
    if len(external) > EXTERNAL_ID_MAX:
        raise InvalidField(
            "manager",
            f"No account has that email yet, and an employee id has at most {EXTERNAL_ID_MAX} characters. "
            "Check the address, or enter your manager's employee id.",
        )
    return None, external


def _check_external_id(person: Person, text: str) -> str | None:
    external_id = (text or "").strip()
    if not external_id:
        return None
    if len(external_id) > EXTERNAL_ID_MAX:
        raise InvalidField("external_id", f"An employee id has at most {EXTERNAL_ID_MAX} characters.")
    taken = db.session.execute(
        select(Person.id).where(func.lower(Person.external_id) == external_id.lower(), Person.id != person.id)
    ).first()
    if taken is not None:
        raise InvalidField(
            "external_id",
            "Another account already uses this employee id. Check it, or ask a programme manager for help.",
        )
    return external_id


def _reporting_loop(
    person: Person, manager_id: int | None, manager_external_id: str | None, external_id: str | None
) -> bool:
    """Whether, with these details, the person's reporting line would lead back to them.

    Followed as the matching follows it: a manager's person id, or an employee id that a person holds.
    """
    rows = db.session.execute(
        select(Person.id, Person.manager_id, Person.manager_external_id, Person.external_id)
    ).all()
    holder = {held: pid for pid, _, _, held in rows if held and pid != person.id}
    if external_id:
        holder[external_id] = person.id
    above = {pid: (boss_id, boss_external) for pid, boss_id, boss_external, _ in rows}
    above[person.id] = (manager_id, manager_external_id)
    seen: set[int] = set()
    current = person.id
    while current not in seen:
        seen.add(current)
        boss_id, boss_external = above.get(current, (None, None))
        boss = boss_id if boss_id is not None else holder.get(boss_external or "")
        if boss is None:
            return False
        if boss == person.id:
            return True
        current = boss
    return False  # a loop above the person that does not pass through them is not theirs to fix


def apply_details(person: Person, details: Details) -> None:
    """Check the details and set them on `person` (no commit: the calling use case commits).

    Fields from HR records keep their values whatever was sent: only the HR import changes them.
    """
    locked = hr_locked_fields(person)
    if locked:
        current = details_of(person)
        details = replace(details, **{name: getattr(current, name) for name in locked})
    name = _text(details.name, "name", NAME_MAX, True, "name")
    department = _text(details.department, "department", DEPARTMENT_MAX, True, "department")
    location = _text(details.location, "location", LOCATION_MAX, False, "location")
    grade = _check_grade(details.grade)
    zone = _check_timezone(details.timezone)
    languages = _check_languages(details.languages)
    formats = check_formats(details.formats)
    manager_id, manager_external_id = _resolve_manager(person, details.manager)
    external_id = _check_external_id(person, details.external_id)
    if _reporting_loop(person, manager_id, manager_external_id, external_id):
        # The matching follows reporting lines to any depth: a loop would stop the whole cohort's run.
        raise InvalidField(
            "manager", "That person reports to you, directly or further down. Enter the person you report to."
        )

    person.name = name
    person.department = department
    person.location = location or None
    person.grade = grade
    person.timezone = zone
    person.languages = languages
    person.formats = formats
    person.manager_id = manager_id
    person.manager_external_id = manager_external_id
    person.external_id = external_id
