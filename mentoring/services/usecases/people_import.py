"""The HR import: check a file against the people already here, preview what would change, commit it at once.

Set-based: the people already here are read in one query, new people inserted and changed people updated in
bulk, so a 20,000-row file checks and imports in seconds. Nothing is written unless every row is right.
People are matched by employee id; an account without one but with the same email is linked, not duplicated.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, select, update

from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import PeopleUpload, Person
from mentoring.models.imports import IMPORT_ID_MAX
from mentoring.services import Conflict, NotFound, unit_of_work
from mentoring.services.infra import audit, mail
from mentoring.services.translators import people_csv
from mentoring.services.translators.people_csv import HrRow, Problem, Status
from mentoring.services.usecases import health_summary
from mentoring.services.usecases import leavers as leavers_service
from mentoring.services.usecases.people_import_checks import Existing, check_against_site, load_existing

UPLOAD_KEPT = timedelta(days=1)
SHOWN = 200  # people listed per part of the preview; the counts are always complete
# CSV column -> Person attribute, for the fields HR gives.
ATTRIBUTES = {
    "name": "name",
    "email": "email",
    "employee_id": "external_id",
    "department": "department",
    "grade": "grade",
    "location": "location",
    "time_zone": "timezone",
    "languages": "languages",
}
IMPORT_TASK = "people.import"
INLINE_BYTES = 200 * 1024  # about 2,000 people: larger files are imported by a job, so the page answers at once
CHANGED_BY_SOMEONE = "People on the site changed since this preview. Look at the new preview, then commit again."


@dataclass(frozen=True)
class FieldChange:
    """One field of one person: its value before and after, as the preview shows them."""

    column: str
    before: str
    after: str


@dataclass(frozen=True)
class PersonChange:
    """A person the import changes (or adds, or records as left), with what changes."""

    employee_id: str
    name: str
    row: int | None
    person_id: int | None = None
    fields: tuple[FieldChange, ...] = ()


@dataclass
class ImportPlan:
    """What importing a file would do, or the problems that stop it."""

    columns: tuple[str, ...] = ()
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    new: list[PersonChange] = field(default_factory=list)
    updated: list[PersonChange] = field(default_factory=list)
    unchanged: int = 0
    leavers: list[PersonChange] = field(default_factory=list)
    digest: str = ""
    sha256: str = ""
    # For the commit: inserts, updates by primary key, and who leaves.
    inserts: list[dict[str, Any]] = field(default_factory=list, repr=False)
    updates: list[dict[str, Any]] = field(default_factory=list, repr=False)
    leaver_ids: list[int] = field(default_factory=list, repr=False)
    managers: dict[str, str | None] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the file can be imported."""
        return self.problem_count == 0

    @property
    def changes_nothing(self) -> bool:
        """Whether committing would change no one (the same file again)."""
        return self.ok and not (self.new or self.updated or self.leavers)


@dataclass(frozen=True)
class ImportResult:
    """What a commit did."""

    new: int
    updated: int
    unchanged: int
    leavers: int
    pairs_ended: int = 0
    emails: int = 0


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(value)
    return str(value)


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").replace("-", ".").split(".") if part)


def _values(row: HrRow) -> dict[str, Any]:
    """Person attribute -> value for the columns this row gives."""
    found = {
        "name": row.name,
        "email": row.email,
        "external_id": row.employee_id,
        "department": row.department,
        "grade": row.grade,
        "location": row.location,
        "timezone": row.time_zone,
        "languages": list(row.languages),
    }
    return {ATTRIBUTES[c]: found[ATTRIBUTES[c]] for c in ATTRIBUTES if c in row.given}


def _new_person(row: HrRow, now: datetime) -> dict[str, Any]:
    values = dict.fromkeys(("department", "grade", "location", "timezone"))
    values.update(_values(row))
    left = row.status is Status.LEAVER
    values.update(
        name=values.get("name") or _name_from_email(row.email) or row.employee_id,
        email=row.email,
        external_id=row.employee_id,
        languages=values.get("languages") or [],
        formats=[],
        password_hash=None,
        is_active=not left,
        left_at=now if left else None,
        hr_fields=sorted(row.given | {"employee_id", "email"}),
        hr_updated_at=now,
    )
    return values


def _compare(row: HrRow, person: Existing, manager: str | None, now: datetime) -> PersonChange | None:
    """The change to an existing person, with their full new values kept for the bulk update; None if none."""
    changes: list[FieldChange] = []
    wanted = _values(row)
    for column, attribute in ATTRIBUTES.items():
        if attribute in wanted and wanted[attribute] != getattr(person, attribute):
            changes.append(FieldChange(column, _shown(getattr(person, attribute)), _shown(wanted[attribute])))
    if "manager_employee_id" in row.given and (manager or "").lower() != (person.manager_key or ""):
        changes.append(FieldChange("manager_employee_id", _shown(person.manager_label), _shown(manager)))
    rejoins = row.status is Status.ACTIVE and person.left_at is not None
    if rejoins:
        changes.append(FieldChange("status", "leaver", "active"))
    managed = sorted(row.given | {"employee_id", "email"})
    if managed != sorted(person.hr_fields or []):
        added = sorted(set(managed) - set(person.hr_fields or []) - {c.column for c in changes})
        if added or not changes:
            changes.append(FieldChange("from HR records", ", ".join(person.hr_fields or []) or "–", ", ".join(managed)))
    if not changes:
        return None
    return PersonChange(row.employee_id, row.name or person.name, row.row, person.id, tuple(changes))


def _update_values(row: HrRow, person: Existing, now: datetime) -> dict[str, Any]:
    values = {attribute: getattr(person, attribute) for attribute in ATTRIBUTES.values()}
    values.update(_values(row))
    rejoins = row.status is Status.ACTIVE and person.left_at is not None
    values.update(
        id=person.id,
        is_active=True if rejoins else person.is_active,
        left_at=None if rejoins else person.left_at,
        hr_fields=sorted(row.given | {"employee_id", "email"}),
        hr_updated_at=now,
    )
    return values


def _digest(plan: ImportPlan) -> str:
    """A fingerprint of exactly what the commit would do, to check nothing moved since the preview."""
    parts = [repr(sorted(plan.columns))]
    parts += [repr((c.employee_id, c.person_id, c.fields)) for c in plan.new + plan.updated + plan.leavers]
    parts += [repr(sorted(plan.managers.items()))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def plan_import(data: bytes, leavers_absent: bool = False, actor: Person | None = None) -> ImportPlan:
    """Check the file row by row against the people already here and work out what importing it would do."""
    parsed = people_csv.parse(data, current_app.config["IMPORT_MAX_ROWS"])
    plan = ImportPlan(columns=parsed.columns, sha256=hashlib.sha256(data).hexdigest())
    if parsed.rows is None:
        plan.problems, plan.problem_count = parsed.problems or [], parsed.problem_count
        return plan
    rows = parsed.rows
    plan.rows = len(rows)
    existing = load_existing()
    checked = check_against_site(rows, existing, leavers_absent, actor)
    if checked.problems:
        plan.problems, plan.problem_count = checked.problems[: people_csv.PROBLEMS_KEPT], len(checked.problems)
        return plan
    now = utcnow()
    leaver_ids: list[int] = []
    for row in rows:
        person = checked.matched.get(row.row)
        manager = checked.managers.get(row.row)
        if person is None:
            plan.inserts.append(_new_person(row, now))
            plan.new.append(PersonChange(row.employee_id, row.name or _name_from_email(row.email), row.row))
        else:
            change = _compare(row, person, manager, now)
            if change is None:
                plan.unchanged += 1
            else:
                plan.updated.append(change)
                plan.updates.append(_update_values(row, person, now))
            if row.status is Status.LEAVER and person.left_at is None:
                leaver_ids.append(person.id)
                plan.leavers.append(PersonChange(row.employee_id, person.name, row.row, person.id))
        if "manager_employee_id" in row.given:
            plan.managers[row.employee_id] = manager
    for person in checked.absent:
        leaver_ids.append(person.id)
        plan.leavers.append(PersonChange(person.external_id or "", person.name, None, person.id))
    plan.leaver_ids = leaver_ids
    plan.digest = _digest(plan)
    return plan


def _assign_managers(plan: ImportPlan) -> int:
    """Point each imported person's manager_id at their manager's row, where it differs; returns how many."""
    holders = {
        eid.lower(): (pid, eid, manager_id)
        for pid, eid, manager_id in db.session.execute(
            select(Person.id, Person.external_id, Person.manager_id).where(Person.external_id.is_not(None))
        )
    }
    changes = []
    for employee_id, manager in plan.managers.items():
        pid, _, current = holders[employee_id.lower()]
        wanted = holders[manager.lower()][0] if manager else None
        if wanted != current:
            changes.append({"id": pid, "manager_id": wanted, "manager_external_id": None})
    if changes:
        db.session.execute(update(Person), changes)
    return len(changes)


def apply_plan(plan: ImportPlan, actor: Person | None, source: str) -> ImportResult:
    """Write a checked plan in one transaction (inserts and updates in bulk), then send the leavers' notes."""
    if not plan.ok:
        raise Conflict("The file has problems; nothing was imported.")
    key = secrets.token_hex(8)
    outcome = None
    with unit_of_work(Conflict(CHANGED_BY_SOMEONE)):
        if plan.inserts:
            db.session.execute(insert(Person), plan.inserts)
        if plan.updates:
            db.session.execute(update(Person), plan.updates)
        _assign_managers(plan)
        if plan.leaver_ids:
            outcome = leavers_service.record_leavers(plan.leaver_ids, utcnow(), key)
        audit.record(
            "people.imported",
            actor=actor,
            object_type="file",
            object_id=plan.sha256[:16],
            detail=(
                f"{source}: {plan.rows} rows; {len(plan.new)} new, {len(plan.updated)} updated, "
                f"{plan.unchanged} unchanged, {len(plan.leavers)} leavers"
                + (f"; {outcome.pairs_ended} pairs ended, {outcome.emails} emails" if outcome else "")
            ),
        )
    if plan.updates or plan.leaver_ids:
        # Names, departments and pairs may have changed in bulk: every health summary is due again.
        health_summary.cohorts_changed(None)
    if outcome and outcome.emails:
        mail.deliver_pending()
    return ImportResult(
        new=len(plan.new),
        updated=len(plan.updated),
        unchanged=plan.unchanged,
        leavers=len(plan.leavers),
        pairs_ended=outcome.pairs_ended if outcome else 0,
        emails=outcome.emails if outcome else 0,
    )


# ---------------------------------------------------------------- uploads kept between preview and commit


def stage_upload(actor: Person, filename: str, data: bytes, leavers_absent: bool) -> PeopleUpload:
    """Keep an uploaded file under a new random id, with its checksum; forgets uploads older than a day."""
    with unit_of_work():
        db.session.execute(delete(PeopleUpload).where(PeopleUpload.uploaded_at < utcnow() - UPLOAD_KEPT))
        upload = PeopleUpload(
            id=secrets.token_urlsafe(18),
            uploaded_by_id=actor.id,
            filename=(filename or "")[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            leavers_absent=leavers_absent,
            content=data,
        )
        db.session.add(upload)
    return upload


def load_upload(upload_id: str, lock: bool = False) -> PeopleUpload:
    """The kept upload with this id, its checksum verified; NotFound when it was committed or forgotten.

    `lock` holds its row until the transaction ends, so two commits of one file run one after the other
    (the second then finds it gone).
    """
    upload = None
    if 0 < len(upload_id or "") <= IMPORT_ID_MAX:
        query = select(PeopleUpload).where(PeopleUpload.id == upload_id)
        upload = db.session.execute(locked(query) if lock else query).scalar_one_or_none()
    if upload is None or utcnow() - upload.uploaded_at > UPLOAD_KEPT:
        raise NotFound("This upload is no longer kept (it was imported, or is over a day old). Upload the file again.")
    if hashlib.sha256(upload.content).hexdigest() != upload.sha256:
        raise Conflict("The kept file does not match its checksum. Upload the file again.")
    return upload


def preview_upload(upload_id: str, actor: Person) -> tuple[PeopleUpload, ImportPlan]:
    """The kept upload and what importing it would do now."""
    upload = load_upload(upload_id)
    return upload, plan_import(upload.content, upload.leavers_absent, actor)


def commit_upload(actor: Person, upload_id: str, digest: str) -> ImportResult:
    """Import exactly the previewed file, if what it would do is still what the preview showed."""
    upload = load_upload(upload_id, lock=True)
    plan = plan_import(upload.content, upload.leavers_absent, actor)
    if not plan.ok or not secrets.compare_digest(plan.digest.encode(), (digest or "").encode("utf-8", "replace")):
        raise Conflict(CHANGED_BY_SOMEONE)
    db.session.execute(delete(PeopleUpload).where(PeopleUpload.id == upload.id))
    return apply_plan(plan, actor, f"upload {upload.filename or 'of a file'}")


def runs_as_job(upload_id: str) -> bool:
    """Whether committing this kept file is work for the job queue (a large file), not for the request."""
    size = db.session.execute(select(PeopleUpload.size).where(PeopleUpload.id == (upload_id or "")[:IMPORT_ID_MAX]))
    return (size.scalar_one_or_none() or 0) > INLINE_BYTES


def commit_upload_job(upload_id: str, digest: str, actor_id: int | None) -> str:
    """The job behind a large import: import the kept file, or say in the audit log why it was not."""
    actor = db.session.get(Person, actor_id) if actor_id is not None else None
    try:
        result = commit_upload(actor, upload_id, digest)
    except (Conflict, NotFound) as exc:
        db.session.rollback()
        audit.record_now(
            "people.import_failed", actor=actor, object_type="upload", object_id=upload_id[:16], detail=str(exc)[:200]
        )
        return str(exc)
    return f"{result.new} new, {result.updated} updated, {result.leavers} leavers"


def discard_upload(upload_id: str) -> None:
    """Forget a kept upload (the manager chose not to import it)."""
    with unit_of_work():
        db.session.execute(delete(PeopleUpload).where(PeopleUpload.id == (upload_id or "")[:32]))
