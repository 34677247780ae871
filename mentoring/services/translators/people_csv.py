"""The HR file: bytes -> typed rows, or the list of problems a manager must fix (nothing from the database).

UTF-8 with or without a byte-order mark; comma or semicolon, sniffed from the header line; header names in any
case. Every problem names the row (as a spreadsheet numbers it, the header being row 1), the column, the value
and what to do, so a manager can fix the file without reading code.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from mentoring.models.people import (
    DEPARTMENT_MAX,
    EMAIL_MAX,
    EXTERNAL_ID_MAX,
    LANGUAGE_MAX,
    LOCATION_MAX,
    NAME_MAX,
    normalise_email,
)
from mentoring.services.usecases.people import GRADE_MAX, GRADE_MIN, LANGUAGES_MAX, known_timezones

COLUMNS = (
    "employee_id",
    "name",
    "email",
    "department",
    "grade",
    "manager_employee_id",
    "location",
    "time_zone",
    "languages",
    "status",
)
REQUIRED = ("employee_id", "email")
ALIASES = {"timezone": "time_zone", "manager_id": "manager_employee_id", "language": "languages"}
TEXT_LIMITS = {
    "employee_id": EXTERNAL_ID_MAX,
    "name": NAME_MAX,
    "email": EMAIL_MAX,
    "department": DEPARTMENT_MAX,
    "manager_employee_id": EXTERNAL_ID_MAX,
    "location": LOCATION_MAX,
}
PROBLEMS_KEPT = 1000
_BOM = b"\xef\xbb\xbf"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_LANGUAGE_SPLIT = re.compile(r"[;,|\s]+")
_PLAIN_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


@lru_cache(maxsize=256)
def _domain_ok(domain: str) -> bool:
    """Whether email_validator takes this domain (checked once per domain: a company has few)."""
    try:
        validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def email_ok(email: str) -> bool:
    """Whether email_validator (as the registration form uses it) takes this address; a plain one is quick."""
    local, _, domain = email.rpartition("@")
    if local and len(local) <= 64 and _PLAIN_LOCAL.match(local):
        return _domain_ok(domain)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


class Status(StrEnum):
    """What HR says about a person: still employed, or left."""

    ACTIVE = "active"
    LEAVER = "leaver"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: row 0 is the file as a whole, row 1 the header line."""

    row: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class HrRow:
    """One person as the HR file gives them; `given` names the columns this row gives a value for."""

    row: int
    employee_id: str
    email: str
    given: frozenset[str]
    name: str | None = None
    department: str | None = None
    grade: int | None = None
    manager_employee_id: str | None = None
    location: str | None = None
    time_zone: str | None = None
    languages: tuple[str, ...] = ()
    status: Status = Status.ACTIVE


@dataclass
class HrFile:
    """The parsed file: its columns, the separator found, the rows, and every problem (empty when usable)."""

    columns: tuple[str, ...] = ()
    delimiter: str = ","
    rows: list[HrRow] | None = None
    problems: list[Problem] | None = None
    problem_count: int = 0

    def add(self, problem: Problem) -> None:
        """Record a problem (only the first PROBLEMS_KEPT are kept; all are counted)."""
        if self.problems is None:
            self.problems = []
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(problem)


def _shown(value: str, limit: int = 60) -> str:
    """A cell's value as a problem shows it: one line, control characters visible, long values cut."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0xD800 else "?", value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decode(data: bytes, found: HrFile) -> str | None:
    """The file's text, or None after recording why it is not a CSV text file."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        found.add(Problem(0, "", "", "The file is empty. Export the people from your HR system as CSV and try again."))
        return None
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        found.add(
            Problem(
                0,
                "",
                "",
                "This is a spreadsheet (Excel) file, not CSV. In your spreadsheet choose "
                "Save as → CSV UTF-8, and upload that file.",
            )
        )
        return None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        found.add(
            Problem(
                line,
                "",
                "",
                "This is not a CSV text file: it contains NUL bytes (binary data). "
                "Export the people as CSV UTF-8 and upload that file.",
            )
        )
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        found.add(
            Problem(
                line,
                "",
                f"byte 0x{data[exc.start]:02x}",
                "This row is not UTF-8 text (the file may mix "
                "encodings, or be saved as Windows or Mac text). Save the file as CSV UTF-8 and upload it again.",
            )
        )
        return None


def sniff_delimiter(header_line: str) -> str:
    """Semicolon when the header line has more semicolons than commas, else comma."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header(cells: list[str], found: HrFile) -> tuple[str, ...] | None:
    """The known column names of the header row, or None after recording what is wrong with it."""
    names = [ALIASES.get(n, n) for n in ("_".join(c.strip().lower().replace("-", " ").split()) for c in cells)]
    while names and not names[-1]:
        names.pop()  # a trailing separator on the header line, as some spreadsheets write it
    if not any(name in COLUMNS for name in names):
        found.add(
            Problem(
                1,
                "",
                _shown(",".join(cells)),
                "The first row must name the columns, such as "
                "employee_id,name,email,department,grade. This first row names none of them: is it the right file?",
            )
        )
        return None
    seen: set[str] = set()
    for index, name in enumerate(names, start=1):
        if name not in COLUMNS:
            found.add(
                Problem(
                    1,
                    name or f"column {index}",
                    _shown(cells[index - 1]),
                    f"Column {index} is not one this "
                    f"import knows. Rename or remove it. The columns are: {', '.join(COLUMNS)}.",
                )
            )
        elif name in seen:
            found.add(Problem(1, name, name, f"The column {name} appears twice. Keep one."))
        seen.add(name)
    for name in REQUIRED:
        if name not in seen:
            found.add(Problem(1, name, "", f"The column {name} is missing. Every person needs an {name}."))
    return None if found.problem_count else tuple(names)


class _RowReader:
    """Checks one row's cells and builds the HrRow; problems go to the file."""

    def __init__(self, found: HrFile, row: int) -> None:
        self.found, self.row, self.ok = found, row, True

    def problem(self, column: str, value: str, message: str) -> None:
        self.found.add(Problem(self.row, column, _shown(value), message))
        self.ok = False

    def text(self, column: str, value: str) -> str | None:
        value = value.strip()
        if not value:
            return None
        if _CONTROL.search(value):
            self.problem(column, value, "This cell holds an invisible control character. Retype it.")
        elif value.startswith("="):
            self.problem(column, value, "This cell is a spreadsheet formula, not a value. Export the values.")
        elif len(value) > TEXT_LIMITS.get(column, EXTERNAL_ID_MAX):
            self.problem(column, value, f"This is longer than {TEXT_LIMITS.get(column)} characters. Shorten it.")
        return value

    def email(self, value: str) -> str:
        email = normalise_email(value)
        if not email:
            self.problem("email", value, "The email is missing. Every person needs their work email.")
            return ""
        if len(email) > EMAIL_MAX or not email_ok(email):
            self.problem("email", value, "This is not an email address. Write it as name@company.com.")
        return email

    def grade(self, value: str) -> int | None:
        value = value.strip()
        if not value:
            return None
        try:
            grade = int(value)
        except ValueError:
            self.problem("grade", value, f"The grade must be a whole number from {GRADE_MIN} to {GRADE_MAX}.")
            return None
        if not GRADE_MIN <= grade <= GRADE_MAX:
            self.problem("grade", value, f"The grade {grade} is out of range: use {GRADE_MIN} to {GRADE_MAX}.")
            return None
        return grade

    def time_zone(self, value: str) -> str | None:
        zone = value.strip()
        if zone and zone not in known_timezones():
            self.problem(
                "time_zone",
                value,
                "This is not a time zone we know. Use a name such as Europe/London or America/New_York.",
            )
            return None
        return zone or None

    def languages(self, value: str) -> tuple[str, ...]:
        codes: list[str] = []
        for raw in _LANGUAGE_SPLIT.split(value.strip()):
            code = raw.lower()
            if code and (not _LANGUAGE.match(code) or len(code) > LANGUAGE_MAX):
                self.problem(
                    "languages",
                    value,
                    f"{raw!r} is not a language code. Use codes such as en, fr or pt-BR, separated by ;",
                )
                return ()
            if code and code not in codes:
                codes.append(code)
        if len(codes) > LANGUAGES_MAX:
            self.problem("languages", value, f"List at most {LANGUAGES_MAX} languages.")
            return ()
        return tuple(codes)

    def status(self, value: str) -> Status:
        text = value.strip().lower()
        if text in ("", "active"):
            return Status.ACTIVE
        if text in ("leaver", "left"):
            return Status.LEAVER
        self.problem("status", value, "The status must be active or leaver (empty means active).")
        return Status.ACTIVE


def _row(cells: list[str], columns: tuple[str, ...], row: int, found: HrFile) -> HrRow | None:
    reader = _RowReader(found, row)
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        reader.problem(
            "",
            ",".join(cells[len(columns) :]),
            f"This row has {len(cells)} cells but the header names "
            f"{len(columns)} columns. Check for a separator inside a value: quote that value.",
        )
        return None
    values = dict(zip(columns, cells, strict=False))
    cell = lambda name: values.get(name, "")  # noqa: E731 - a short local reader
    employee_id = reader.text("employee_id", cell("employee_id")) or ""
    if not employee_id:
        reader.problem("employee_id", "", "The employee id is missing. Every person needs one.")
    given = {name for name in columns if values.get(name, "").strip()}
    if "manager_employee_id" in columns:
        given.add("manager_employee_id")  # an empty cell says: this person reports to nobody
    result = HrRow(
        row=row,
        employee_id=employee_id,
        email=reader.email(cell("email")),
        given=frozenset(given - {"status"}),
        name=reader.text("name", cell("name")),
        department=reader.text("department", cell("department")),
        grade=reader.grade(cell("grade")),
        manager_employee_id=reader.text("manager_employee_id", cell("manager_employee_id")),
        location=reader.text("location", cell("location")),
        time_zone=reader.time_zone(cell("time_zone")),
        languages=reader.languages(cell("languages")),
        status=reader.status(cell("status")),
    )
    return result if reader.ok else None


def _duplicates(rows: list[HrRow], found: HrFile) -> None:
    """Each employee id and each email at most once in the file (ids compared without case)."""
    first_id: dict[str, int] = {}
    first_email: dict[str, int] = {}
    for row in rows:
        key = row.employee_id.lower()
        if key in first_id:
            found.add(
                Problem(
                    row.row,
                    "employee_id",
                    _shown(row.employee_id),
                    f"This employee id is also on row {first_id[key]}. Each person must appear once.",
                )
            )
        first_id.setdefault(key, row.row)
        if row.email in first_email:
            found.add(
                Problem(
                    row.row,
                    "email",
                    _shown(row.email),
                    f"This email is also on row {first_email[row.email]}. Each person needs their own email.",
                )
            )
        first_email.setdefault(row.email, row.row)


def parse(data: bytes, max_rows: int) -> HrFile:
    """Read the HR file; `problems` lists everything wrong (then `rows` is None), else `rows` has everyone."""
    found = HrFile()
    text = _decode(data, found)
    if text is None:
        return found
    found.delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=found.delimiter)
    rows: list[HrRow] = []
    try:
        header = next(reader, [])
        columns = _header(header, found)
        if columns is None:
            return found
        found.columns = columns
        for index, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, as spreadsheets leave at the end
            if len(rows) >= max_rows:
                found.add(
                    Problem(
                        index,
                        "",
                        "",
                        f"The file has more than {max_rows:,} people, the most one import "
                        "takes. Split it, or ask your administrator to raise IMPORT_MAX_ROWS.",
                    )
                )
                return found
            row = _row(cells, columns, index, found)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        found.add(Problem(reader.line_num, "", "", f"This row cannot be read as CSV ({exc}). Check its quotes."))
        return found
    if not rows and not found.problem_count:
        found.add(Problem(0, "", "", "The file has a header row but no people in it."))
    _duplicates(rows, found)
    if not found.problem_count:
        found.rows = rows
    return found
