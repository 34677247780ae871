"""Managers looking after accounts: find people, change their roles, disable or enable them."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from mentoring.extensions import db
from mentoring.models import AuditEvent, Person
from mentoring.models.people import ROLES
from mentoring.services import NotFound
from mentoring.services.readmodels.paging import PER_PAGE, Page, paginate
from mentoring.services.usecases import accounts


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, lower-case, with %, _ and \\ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_people(text: str = "", role: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the people whose name, email or department contains `text` (any case), optionally of one role."""
    query = select(Person).order_by(func.lower(Person.name), Person.id)
    text = " ".join((text or "").split())
    if text:
        pattern = like_pattern(text)
        query = query.where(
            or_(
                func.lower(Person.name).like(pattern, escape="\\"),
                func.lower(Person.email).like(pattern, escape="\\"),
                func.lower(Person.department).like(pattern, escape="\\"),
            )
        )
    if role in ROLES:
        query = query.where(getattr(Person, f"is_{role}").is_(True))
    return paginate(query, page, per_page)


def get_person(person_id: int) -> Person:
    """The person with this id, or NotFound."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such person.")
    return person


def change_roles(manager: Person, person_id: int, roles: set[str]) -> Person:
    """Give a person exactly these roles (mentor, leader, manager); audited by the accounts service."""
    person = get_person(person_id)
    accounts.set_roles(manager, person, "mentor" in roles, "leader" in roles, "manager" in roles)
    return person


def change_active(manager: Person, person_id: int, active: bool) -> Person:
    """Disable an account (its sessions end) or enable it again."""
    person = get_person(person_id)
    accounts.set_active(manager, person, active)
    return person


def audit_actions() -> list[str]:
    """The distinct actions in the audit log, for its filter."""
    return list(db.session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars())
