"""Benchmark of the HR import: a generated organisation of N people, checked and imported into an empty database,
then the same file checked again (a re-import that changes nothing), on SQLite and, when given, PostgreSQL.

    .venv/bin/python benchmarks/bench_import.py [--rows 20000] [--postgres postgresql+psycopg://user@host/db]

The PostgreSQL database given is emptied (its public schema is dropped): give a scratch one.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEPARTMENTS = ("Finance", "Marketing", "Sales", "Engineering", "Operations", "People", "Legal", "Product")
SITES = (("London", "Europe/London", "en"), ("Paris", "Europe/Paris", "fr;en"), ("New York", "America/New_York", "en"))


def organisation(rows: int, seed: int = 7) -> bytes:
    """A CSV of `rows` people: one chief executive, everyone else reporting to someone earlier in the file."""
    rng = random.Random(seed)
    lines = ["employee_id,name,email,department,grade,manager_employee_id,location,time_zone,languages,status"]
    for index in range(rows):
        manager = "" if index == 0 else f"E{rng.randrange(max(1, index // 8), index) if index > 8 else 0:06d}"
        site, zone, languages = rng.choice(SITES)
        grade = 15 if index == 0 else rng.randint(1, 14)
        lines.append(
            f"E{index:06d},Person {index},person{index}@corp.example,{rng.choice(DEPARTMENTS)},{grade},"
            f'{manager},{site},{zone},"{languages}",active'
        )
    return ("\n".join(lines) + "\n").encode()


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def measure(url: str, data: bytes) -> dict[str, float]:
    """Seconds to check the file, import it, and check it again afterwards, on the database at `url`."""
    from flask_migrate import upgrade

    from mentoring import create_app
    from mentoring.extensions import db
    from mentoring.services.usecases import people_import

    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url, "IMPORT_MAX_ROWS": 10**6})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        plan = people_import.plan_import(data)
        checked = time.perf_counter()
        assert plan.ok, plan.problems[:3]
        people_import.apply_plan(plan, None, "benchmark")
        imported = time.perf_counter()
        again = people_import.plan_import(data)
        rechecked = time.perf_counter()
        assert again.changes_nothing
        db.session.remove()
        db.engine.dispose()
    return {"validate": checked - started, "import": imported - checked, "re-check": rechecked - imported}


def main() -> None:
    """Print the seconds of each step per database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", help="a scratch PostgreSQL database URL (its schema is dropped)")
    args = parser.parse_args()
    data = organisation(args.rows)
    print(f"{args.rows:,} rows, {len(data) / 1024 / 1024:.1f} MB")
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if args.postgres:
            _reset_postgres(args.postgres)
            targets.append(("PostgreSQL", args.postgres))
        for name, url in targets:
            seconds = measure(url, data)
            print(f"{name:<11} " + "  ".join(f"{step} {value:.2f} s" for step, value in seconds.items()))


if __name__ == "__main__":
    main()
