"""The HR file against the people already here: accounts matched or linked, managers known, no loop of managers.

Everyone is read in one query into plain records; the checks are dictionary look-ups, so they stay fast at
company scale. Every refusal is a `Problem` naming the row, the column and the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Person
from mentoring.services.translators.people_csv import HrRow, Problem, Status


@dataclass(frozen=True)
class Existing:
    """A person already on the site, as the import compares them (no ORM object: thousands are read at once)."""

    id: int
    external_id: str | None
    email: str
    name: str
    department: str | None
    grade: int | None
    location: str | None
    timezone: str | None
    languages: list[str]
    is_active: bool
    is_manager: bool
    left_at: datetime | None
    hr_fields: list[str]
    manager_key: str | None  # the manager's employee id, lower-case (or "#<id>" for a manager without one)
    manager_label: str | None  # the manager as the preview shows them


@dataclass
class Checked:
    """The outcome of the checks: problems, or each row's account and manager, and who is absent."""

    problems: list[Problem] = field(default_factory=list)
    matched: dict[int, Existing] = field(default_factory=dict)  # row number -> the account it updates
    managers: dict[int, str | None] = field(default_factory=dict)  # row number -> manager's employee id
    absent: list[Existing] = field(default_factory=list)


def load_existing() -> list[Existing]:
    """Every person on the site, in one query."""
    rows = db.session.execute(
        select(
            Person.id,
            Person.external_id,
            Person.email,
            Person.name,
            Person.department,
            Person.grade,
            Person.location,
            Person.timezone,
            Person.languages,
            Person.is_active,
            Person.is_manager,
            Person.left_at,
            Person.hr_fields,
            Person.manager_id,
            Person.manager_external_id,
        ).order_by(Person.id)
    ).all()
    by_id = {row.id: row for row in rows}
    people = []
    for row in rows:
        boss = by_id.get(row.manager_id) if row.manager_id is not None else None
        if boss is not None:
            key = boss.external_id.lower() if boss.external_id else f"#{boss.id}"
            label = boss.external_id or boss.email
        else:
            key = row.manager_external_id.lower() if row.manager_external_id else None
            label = row.manager_external_id
        people.append(
            Existing(
                id=row.id,
                external_id=row.external_id,
                email=row.email,
                name=row.name,
                department=row.department,
                grade=row.grade,
                location=row.location,
                timezone=row.timezone,
                languages=list(row.languages or []),
                is_active=row.is_active,
                is_manager=row.is_manager,
                left_at=row.left_at,
                hr_fields=list(row.hr_fields or []),
                manager_key=key,
                manager_label=label,
            )
        )
    return people


def _match_accounts(rows: list[HrRow], existing: list[Existing], checked: Checked) -> None:
    """Each row's account: by employee id, else an account with the row's email and no employee id (linked)."""
    by_eid = {p.external_id.lower(): p for p in existing if p.external_id}
    by_email = {p.email: p for p in existing}
    for row in rows:
        person = by_eid.get(row.employee_id.lower())
        holder = by_email.get(row.email)
        if person is None and holder is not None and holder.external_id:
            checked.problems.append(
                Problem(
                    row.row,
                    "email",
                    row.email,
                    f"This email is the login of {holder.name}, who has employee "
                    f"id {holder.external_id}. Check the email or the employee id.",
                )
            )
            continue
        if person is not None and holder is not None and holder.id != person.id:
            checked.problems.append(
                Problem(
                    row.row,
                    "email",
                    row.email,
                    f"This email is already the login of another account "
                    f"({holder.name}). Two people cannot share an email.",
                )
            )
            continue
        person = person or holder
        if person is not None:
            checked.matched[row.row] = person


def _check_managers(rows: list[HrRow], existing: list[Existing], checked: Checked) -> dict[str, str | None]:
    """Each row's manager must be in the file or already imported; returns employee id -> manager (lower-case)."""
    in_file = {row.employee_id.lower(): row.employee_id for row in rows}
    spelled = {p.external_id.lower(): p.external_id for p in existing if p.external_id}
    spelled.update(in_file)
    above: dict[str, str | None] = {
        p.external_id.lower(): p.manager_key for p in existing if p.external_id and p.external_id.lower() not in in_file
    }
    for row in rows:
        key = row.employee_id.lower()
        manager = row.manager_employee_id
        if "manager_employee_id" not in row.given:
            person = checked.matched.get(row.row)
            above[key] = person.manager_key if person else None
        elif not manager:
            checked.managers[row.row], above[key] = None, None
        elif manager.lower() == key:
            checked.problems.append(
                Problem(
                    row.row,
                    "manager_employee_id",
                    manager,
                    "This person is named as their own manager. "
                    "Give the employee id of the person they report to, or leave it empty.",
                )
            )
        elif manager.lower() not in spelled:
            checked.problems.append(
                Problem(
                    row.row,
                    "manager_employee_id",
                    manager,
                    "Nobody has this employee id, in this file or "
                    "already imported. Check the id, or add the manager to the file.",
                )
            )
        else:
            checked.managers[row.row], above[key] = spelled[manager.lower()], manager.lower()
    return above


def _loops(rows: list[HrRow], above: dict[str, str | None], checked: Checked) -> None:
    """Report each loop of managers that passes through the file, naming its rows."""
    row_of = {row.employee_id.lower(): row for row in rows}
    state: dict[str, int] = {}  # 1: on the path being followed, 2: done
    for start in sorted(above, key=lambda k: row_of[k].row if k in row_of else 0):
        path: list[str] = []
        node: str | None = start
        while node is not None and node in above and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = above[node]
        if node is not None and state.get(node) == 1:
            loop = path[path.index(node) :]
            in_file = sorted((row_of[k] for k in loop if k in row_of), key=lambda r: r.row)
            if in_file:
                first = in_file[0]
                start_at = loop.index(first.employee_id.lower())
                ordered = loop[start_at:] + loop[:start_at] + [loop[start_at]]
                names = [
                    f"row {row_of[k].row} ({row_of[k].employee_id})" if k in row_of else f"{k} (already imported)"
                    for k in ordered
                ]
                checked.problems.append(
                    Problem(
                        first.row,
                        "manager_employee_id",
                        first.manager_employee_id or "",
                        "The managers go "
                        f"round in a loop: {' reports to '.join(names)}. Someone in it must report to a person "
                        "outside the loop.",
                    )
                )
        for key in path:
            state[key] = 2


def check_against_site(
    rows: list[HrRow], existing: list[Existing], leavers_absent: bool, actor: Person | None
) -> Checked:
    """Every check that needs the people already here; `checked.problems` is empty when the file can go in."""
    checked = Checked()
    _match_accounts(rows, existing, checked)
    above = _check_managers(rows, existing, checked)
    if not checked.problems:
        _loops(rows, above, checked)
    in_file = {row.employee_id.lower() for row in rows}
    if leavers_absent:
        checked.absent = [
            p for p in existing if p.external_id and p.external_id.lower() not in in_file and p.left_at is None
        ]
    leaving = {p.id for p in checked.absent}
    leaving |= {checked.matched[r.row].id for r in rows if r.status is Status.LEAVER and r.row in checked.matched}
    if actor is not None and actor.id in leaving:
        checked.problems.append(
            Problem(
                0,
                "status",
                "",
                "This import would record you as a leaver and disable your own account. "
                "Add yourself to the file as active, or ask another programme manager to import it.",
            )
        )
    managers = [p for p in existing if p.is_manager and p.is_active]
    if managers and all(p.id in leaving for p in managers):
        checked.problems.append(
            Problem(0, "status", "", "This import would disable every programme manager. Keep at least one active.")
        )
    return checked
