"""The HR import service: row-level problems write nothing; a preview, then one commit; re-import changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mentoring.models import AuditEvent, Person
from mentoring.services.translators import people_csv
from mentoring.services.usecases import people_import

HEADER = "employee_id,name,email,department,grade,manager_employee_id,location,time_zone,languages,status\n"
ORG = HEADER + (
    "E1,Cleo Chief,cleo@corp.example,Board,15,,London,Europe/London,en,active\n"
    "E2,Dan Director,dan@corp.example,Sales,10,E1,Paris,Europe/Paris,fr;en,\n"
    "E3,Ivy Intern,ivy@corp.example,Sales,1,E2,Paris,Europe/Paris,fr,active\n"
)


def plan(text: str | bytes, **options):
    return people_import.plan_import(text.encode() if isinstance(text, str) else text, **options)


def problems(text: str | bytes, **options) -> list[tuple[int, str, str]]:
    found = plan(text, **options)
    assert not found.ok
    return [(p.row, p.column, p.message) for p in found.problems]


def people_count(db) -> int:
    return db.execute(select(func.count(Person.id))).scalar_one()


def test_a_clean_file_previews_then_imports_with_the_reporting_chain(app, db):
    preview = plan(ORG)
    assert preview.ok and [c.employee_id for c in preview.new] == ["E1", "E2", "E3"]
    assert people_count(db) == 0  # a preview writes nothing

    result = people_import.apply_plan(preview, None, "test")

    assert (result.new, result.updated, result.unchanged) == (3, 0, 0)
    people = {p.external_id: p for p in db.execute(select(Person)).scalars()}
    assert people["E3"].manager_id == people["E2"].id and people["E2"].manager_id == people["E1"].id
    assert people["E2"].languages == ["fr", "en"] and people["E2"].grade == 10
    assert people["E3"].password_hash is None and people["E3"].is_active
    assert "grade" in people["E3"].hr_fields and people["E3"].hr_updated_at is not None
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "people.imported")).scalar_one()
    assert "3 new" in event.detail


def test_importing_the_same_file_again_changes_nothing(app, db):
    people_import.apply_plan(plan(ORG), None, "test")
    again = plan(ORG)
    assert again.changes_nothing and again.unchanged == 3


def test_an_update_lists_the_changed_fields(app, db):
    people_import.apply_plan(plan(ORG), None, "test")
    changed = ORG.replace("E3,Ivy Intern,ivy@corp.example,Sales,1,E2", "E3,Ivy Intern,ivy@corp.example,Legal,2,E1")
    preview = plan(changed)
    (update,) = preview.updated
    fields = {c.column: (c.before, c.after) for c in update.fields}
    assert fields == {"department": ("Sales", "Legal"), "grade": ("1", "2"), "manager_employee_id": ("E2", "E1")}
    people_import.apply_plan(preview, None, "test")
    ivy = db.execute(select(Person).where(Person.external_id == "E3")).scalar_one()
    chief = db.execute(select(Person).where(Person.external_id == "E1")).scalar_one()
    assert (ivy.department, ivy.grade, ivy.manager_id) == ("Legal", 2, chief.id)


def test_an_account_with_the_same_email_is_linked_not_duplicated(app, db, make_person):
    dan = make_person(name="Dan D", email="dan@corp.example", department="Old")
    people_import.apply_plan(plan(ORG), None, "test")
    assert people_count(db) == 3
    db.refresh(dan)
    assert (dan.external_id, dan.department, dan.name) == ("E2", "Sales", "Dan Director")


def test_semicolons_bom_and_header_case_are_understood(app, db):
    text = '\ufeffEmployee_ID;EMAIL;Languages;Time Zone\nX1;x1@corp.example;"en;de";Europe/Berlin\n'
    preview = plan(text)
    assert preview.ok, preview.problems
    people_import.apply_plan(preview, None, "test")
    person = db.execute(select(Person)).scalar_one()
    assert (person.languages, person.timezone, person.name) == (["en", "de"], "Europe/Berlin", "X1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER + "E1,A,a@corp.example,X,16,,,,,\n", (2, "grade", "out of range")),
        (HEADER + "E1,A,a@corp.example,X,3,,,Mars/Base,,\n", (2, "time_zone", "not a time zone")),
        (HEADER + "E1,A,not-an-email,X,3,,,,,\n", (2, "email", "not an email")),
        (HEADER + "E1,A,a@corp.example,X,3,E9,,,,\n", (2, "manager_employee_id", "Nobody has this employee id")),
        (HEADER + "E1,A,a@corp.example,X,3,,,,,\nE1,B,b@corp.example,X,3,,,,,\n", (3, "employee_id", "row 2")),
        (HEADER + "E1,A,a@corp.example,X,3,,,,,\nE2,B,a@corp.example,X,3,,,,,\n", (3, "email", "row 2")),
        (HEADER + "E1,A,a@corp.example,X,3,,,,,,extra\n", (2, "", "header names 10 columns")),
        (HEADER + 'E1,=HYPERLINK("x"),a@corp.example,X,3,,,,,\n', (2, "name", "formula")),
        (HEADER + "E1,A,a@corp.example,X,3,,,,,gone\n", (2, "status", "active or leaver")),
        (HEADER + "E1,A,a@corp.example,X,3,,,,english!,\n", (2, "languages", "language code")),
        ("", (0, "", "empty")),
        ("name,grade\nA,3\n", (1, "employee_id", "missing")),
        ("colour,size\nred,3\n", (1, "", "first row must name the columns")),
        (HEADER, (0, "", "no people")),
    ],
)
def test_each_problem_names_the_row_column_and_what_to_do(app, db, text, expected):
    row, column, words = expected
    found = problems(text)
    assert any(r == row and c == column and words in m for r, c, m in found), found
    assert people_count(db) == 0


def test_a_loop_of_managers_names_its_rows(app, db):
    text = HEADER + "E1,A,a@corp.example,X,3,E3,,,,\nE2,B,b@corp.example,X,3,E1,,,,\nE3,C,c@corp.example,X,3,E2,,,,\n"
    ((row, column, message),) = problems(text)
    assert (row, column) == (2, "manager_employee_id")
    assert "row 2 (E1) reports to row 3 (E2)" not in message  # E1 reports to E3
    assert "row 2 (E1) reports to row 4 (E3) reports to row 3 (E2) reports to row 2 (E1)" in message


def test_a_loop_through_someone_already_imported_is_found(app, db):
    people_import.apply_plan(plan(HEADER + "E1,A,a@corp.example,X,3,,,,,\nE2,B,b@corp.example,X,3,E1,,,,\n"), None, "t")
    ((row, _column, message),) = problems(HEADER + "E1,A,a@corp.example,X,3,E2,,,,\n")
    assert row == 2 and "e2 (already imported)" in message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04binary", "spreadsheet"),
        (b"employee_id,email\nE1,a@corp.example\x00\n", "NUL"),
        ("employee_id,name,email\nE1,Zoë,a@corp.example\n".encode("cp1252"), "not UTF-8"),
        (b"\xff\xfe\x00\x00", "NUL"),
    ],
)
def test_files_that_are_not_csv_text_are_refused(app, db, data, words):
    assert any(words in message for _r, _c, message in problems(data))


def test_too_many_rows_is_refused_not_imported(make_app, db):
    local = make_app(IMPORT_MAX_ROWS=5)
    with local.app_context():
        text = "employee_id,email\n" + "".join(f"E{i},p{i}@corp.example\n" for i in range(6))
        found = people_import.plan_import(text.encode())
        assert not found.ok and "more than 5 people" in found.problems[0].message


def test_sniffing_picks_the_separator_of_the_header():
    assert people_csv.sniff_delimiter("employee_id;name;email") == ";"
    assert people_csv.sniff_delimiter("employee_id,name,email") == ","


def test_a_leaver_is_disabled_their_pair_ends_and_people_are_told(app, db, make_pair, add_meeting, make_manager):
    from datetime import UTC, datetime, timedelta

    from mentoring.models import LoginSession, Match, Meeting, Notification

    manager = make_manager(email="boss@corp.example")
    match = make_pair(leader={"email": "lea@corp.example"}, mentor={"email": "max@corp.example"})
    soon = datetime.now(UTC) + timedelta(days=3)
    proposed = add_meeting(match, soon, status="proposed", answer_hours=None)
    held = add_meeting(match, soon - timedelta(days=20), status="held")
    db.add(LoginSession(token_hash="x" * 64, person_id=match.mentor_id))
    db.commit()
    text = "employee_id,email,status\nL1,lea@corp.example,active\nM1,max@corp.example,leaver\nB1,boss@corp.example,\n"

    preview = plan(text)
    assert [c.employee_id for c in preview.leavers] == ["M1"]
    result = people_import.apply_plan(preview, manager, "test")

    assert result.leavers == 1 and result.pairs_ended == 1
    mentor = db.get(Person, match.mentor_id)
    db.refresh(mentor)
    assert not mentor.is_active and mentor.left_at is not None  # the row stays
    assert db.get(Match, match.id).status == "ended"
    assert db.get(Meeting, proposed.id).status == "cancelled" and db.get(Meeting, held.id).status == "held"
    assert db.execute(select(LoginSession.revoked_at)).scalar_one() is not None
    told = {n.to_address: n.body for n in db.execute(select(Notification)).scalars()}
    assert set(told) == {"lea@corp.example", "boss@corp.example"}
    assert "has left the organisation" in told["lea@corp.example"]


def test_people_missing_from_a_full_export_become_leavers_only_when_asked(app, db):
    people_import.apply_plan(plan(ORG), None, "test")
    shorter = ORG.rsplit("E3,", 1)[0]
    assert plan(shorter).changes_nothing
    full = plan(shorter, leavers_absent=True)
    assert [c.employee_id for c in full.leavers] == ["E3"]
    people_import.apply_plan(full, None, "test")
    assert not db.execute(select(Person.is_active).where(Person.external_id == "E3")).scalar_one()
    # Back in a later file: the account is enabled again.
    back = plan(ORG)
    assert [f.column for f in back.updated[0].fields] == ["status"]
    people_import.apply_plan(back, None, "test")
    assert db.execute(select(Person.is_active).where(Person.external_id == "E3")).scalar_one()


def test_a_manager_cannot_import_themself_out(app, db, make_manager):
    manager = make_manager(email="boss@corp.example", external_id="B1")
    found = people_import.plan_import(ORG.encode(), leavers_absent=True, actor=manager)
    assert not found.ok and "disable your own account" in found.problems[0].message


def test_the_command_dry_runs_imports_and_exits_2_on_problems(app, db, tmp_path):
    runner = app.test_cli_runner()
    good, bad = tmp_path / "org.csv", tmp_path / "bad.csv"
    good.write_text(ORG)
    bad.write_text(HEADER + "E1,A,a@corp.example,X,99,,,,,\n")

    refused = runner.invoke(args=["import-people", str(bad)])
    dry = runner.invoke(args=["import-people", str(good), "--dry-run"])
    assert people_count(db) == 0
    done = runner.invoke(args=["import-people", str(good)])
    again = runner.invoke(args=["import-people", str(good)])

    assert refused.exit_code == 2 and "Row 2, grade '99': The grade 99 is out of range" in refused.output
    assert dry.exit_code == 0 and "3 new" in dry.output and "nothing was written" in dry.output
    assert done.exit_code == 0 and "Imported: 3 new" in done.output
    assert again.exit_code == 0 and "already up to date" in again.output
    assert people_count(db) == 3


# ---------------------------------------------------------------- the manager's pages


def upload(client, data: bytes, leavers_absent: bool = False, name: str = "org.csv"):
    from io import BytesIO

    body = {"file": (BytesIO(data), name)}
    if leavers_absent:
        body["leavers_absent"] = "y"
    return client.post("/programme/people/import", data=body, content_type="multipart/form-data")


def test_upload_preview_commit_through_the_pages(app, db, make_manager, login_as):
    from mentoring.models import PeopleUpload

    client = login_as(make_manager(email="boss@corp.example"))
    assert client.get("/programme/people/import").status_code == 200

    uploaded = upload(client, ORG.encode())
    assert uploaded.status_code == 302
    preview = client.get(uploaded.location)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Cleo Chief" in page and people_count(db) == 1
    kept = db.execute(select(PeopleUpload)).scalar_one()
    from tests.mentoring.world import page_form

    digest = page_form(page, "digest")["digest"]
    done = client.post(f"/programme/people/import/{kept.id}/commit", data={"digest": digest})

    assert done.status_code == 302 and people_count(db) == 4
    assert "Imported: 3 new" in client.get(done.location).get_data(as_text=True)
    assert db.execute(select(PeopleUpload)).first() is None  # the kept file goes once imported
    again = client.post(f"/programme/people/import/{kept.id}/commit", data={"digest": digest})
    assert again.status_code == 404


def test_a_large_file_is_imported_by_a_job_and_the_audit_log_tells_how_it_went(app, db, make_manager, login_as):
    from mentoring.models import AuditEvent
    from mentoring.services.usecases import people_import
    from tests.mentoring.world import page_form

    # Given a file of 5,000 people (over the size imported inside the request)
    client = login_as(make_manager(email="boss@corp.example"))
    rows = "".join(f"E{i},Person {i},p{i}@corp.example,Sales,3,,,,,\n" for i in range(5_000))
    data = (HEADER + rows).encode()
    assert len(data) > people_import.INLINE_BYTES
    preview_url = upload(client, data).location
    digest = page_form(client.get(preview_url).get_data(as_text=True), "digest")["digest"]
    upload_id = preview_url.rsplit("/", 1)[1]
    # When the manager commits it, the page answers that the import runs in the background (the job runs inline
    # under the test config), and the people and the audit line are there
    done = client.post(f"/programme/people/import/{upload_id}/commit", data={"digest": digest})
    assert done.status_code == 302 and "imported in the background" in client.get(done.location).get_data(as_text=True)
    assert people_count(db) == 5_001
    assert db.execute(select(AuditEvent.action).where(AuditEvent.action == "people.imported")).scalar_one()
    # And a job that cannot import (the kept file is gone) says so in the audit log, writing nothing
    message = people_import.commit_upload_job(upload_id, digest, None)
    failed = db.execute(select(AuditEvent.detail).where(AuditEvent.action == "people.import_failed")).scalars().all()
    assert failed == [message] and people_count(db) == 5_001


def test_the_commit_refuses_when_people_changed_since_the_preview(app, db, make_manager, make_person, login_as):
    client = login_as(make_manager(email="boss@corp.example"))
    preview_url = upload(client, ORG.encode()).location
    from tests.mentoring.world import page_form

    digest = page_form(client.get(preview_url).get_data(as_text=True), "digest")["digest"]
    make_person(email="ivy@corp.example", name="Ivy Registered")  # she signed up in between
    upload_id = preview_url.rsplit("/", 1)[1]
    refused = client.post(f"/programme/people/import/{upload_id}/commit", data={"digest": digest})
    assert refused.status_code == 302 and people_count(db) == 2
    assert "changed since this preview" in client.get(refused.location).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty"),
        (bytes(range(256)) * 40, "NUL"),
        (("employee_id,email\nE1,a@corp.example\n" + "E2,\u00e9@corp.example\n").encode("latin-1"), "not UTF-8"),
        (HEADER.encode() + b"E1,=cmd|' /C calc'!A0,a@corp.example,X,3,,,,,\n", "formula"),
        (b"employee_id,email\n" + b"".join(b"E%d,p%d@corp.example\n" % (i, i) for i in range(100_001)), "more than"),
    ],
)
def test_bad_uploads_get_their_problems_never_a_500(app, db, make_manager, login_as, data, words):
    client = login_as(make_manager(email="boss@corp.example"))
    response = upload(client, data)
    assert response.status_code == 200
    assert words in response.get_data(as_text=True)
    assert people_count(db) == 1


def test_a_file_over_the_size_limit_gets_a_friendly_413(app, db, make_manager, login_as):
    client = login_as(make_manager(email="boss@corp.example"))
    response = upload(client, b"x" * (app.config["IMPORT_MAX_BYTES"] + 1))
    assert response.status_code == 413
    assert "larger than 20 MB" in response.get_data(as_text=True)
    # Other forms keep the site's ordinary limit.
    assert client.post("/programme/skills/new", data={"name": "x" * (2 * 1024 * 1024)}).status_code == 413


def test_only_managers_may_import(app, db, make_person, login_as):
    client = login_as(make_person())
    assert client.get("/programme/people/import").status_code == 403
    assert upload(client, ORG.encode()).status_code == 403


def test_two_commits_of_one_file_at_once_import_it_once(app, db, make_manager):
    from mentoring.extensions import db as database
    from tests.mentoring.test_races import race, rows

    manager_id = make_manager(email="boss@corp.example").id
    manager = database.session.get(Person, manager_id)
    kept = people_import.stage_upload(manager, "org.csv", ORG.encode(), False)
    upload_id, digest = kept.id, people_import.preview_upload(kept.id, manager)[1].digest

    def commit() -> None:
        people_import.commit_upload(database.session.get(Person, manager_id), upload_id, digest)

    outcomes = race(app, commit, threads=3)

    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "ok" or "no longer kept" in o or "changed since" in o for o in outcomes), outcomes
    assert rows(Person) == 4
