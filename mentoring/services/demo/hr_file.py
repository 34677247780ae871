"""The demo organisation as an HR file: docs/examples/people.csv, loaded through the same import as a real one.

`render` writes the file from the seeded organisation; a test keeps the checked-in copy equal to it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from mentoring.services.demo.people import DemoOrganisation, DemoPerson

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "people.csv"
HEADER = (
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


def _manager_id(person: DemoPerson, by_key: dict[str, DemoPerson]) -> str:
    if not person.manager:
        return ""
    if person.manager.startswith("ext:"):
        return person.manager.removeprefix("ext:")
    return by_key[person.manager].external_id


def render(org: DemoOrganisation) -> str:
    """The organisation as CSV text, one row a person, in the order they were created."""
    by_key = {person.key: person for person in org.people}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for p in org.people:
        row = (p.external_id, p.name, p.email, p.department, p.grade, _manager_id(p, by_key), p.location, p.timezone)
        writer.writerow((*row, ";".join(p.languages), "active"))
    return out.getvalue()


def demo_file(org: DemoOrganisation) -> bytes:
    """The example file when it ships with the code (a checkout), else the same text rendered afresh."""
    return EXAMPLE.read_bytes() if EXAMPLE.is_file() else render(org).encode()
