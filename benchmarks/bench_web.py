"""Pages and jobs at company scale (`make bench-web`): a cohort of N leaders and 1.5 N mentors.

The cohort is loaded straight into the tables (bulk INSERTs of `matching.generate` data), then the
test client requests every manager, leader and mentor page a few times and prints, per page, the HTML
size, the number of SQL statements and the median time; it also times building the problem from the
database, `flask match` end to end, the publish POST, and the health summary job (the health pages
after it read what it stored). Budgets: every page under 300 KB and 300 ms (median); problem under
3 s; match under 30 s; publish under 5 s; the health summary job under 30 s.

    .venv/bin/python benchmarks/bench_web.py [--leaders 10000] [--repeat 5]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test_scale --reset]
        [--only problem,match,publish] [--profile DIR]

`--only` times just the named parts (pages, problem, match, publish, deliver; publishing needs the match,
so it runs it, and delivering needs the publish); `--profile DIR` also writes a cProfile of the problem
build and of the publish use case there.

`--pages participants,review` times only the pages whose path holds one of those words, and stops after
the first stage (open cohort, matched, published) in which every word has matched a page: quicker to iterate.

SQLite runs in a new temporary file. A --database-url is used as it is; --reset empties it first
(DROP SCHEMA public on PostgreSQL): never point it at a database you want to keep.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE_KB, PAGE_MS = 300, 300
PROBLEM_S, MATCH_S, PUBLISH_S = 3.0, 30.0, 5.0
HEALTH_JOB_S = 30.0  # a job, not a request: it must only finish well inside the queue's patience
DELIVER_S = 60.0  # every email of a 10,000-pair publish, delivered by the consumer (a job, never a request)
PARTS = ("pages", "problem", "match", "publish", "deliver")
PASSWORD = "a long benchmark pass phrase"  # noqa: S105 - generated people's password, benchmark only


def _reset(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class Counter:
    """Counts the SQL statements sent while it is on."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count, self.on = 0, False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        if self.on:
            self.count += 1

    def measure(self, action: Callable[[], Any]) -> tuple[Any, int, float]:
        """Run `action`; its result, the statements it sent and its wall time in seconds."""
        self.count, self.on = 0, True
        start = time.perf_counter()
        try:
            result = action()
        finally:
            self.on = False
        return result, self.count, time.perf_counter() - start


class Bench:
    """The app, its cohort and the rows of the results table."""

    def __init__(self, app: Any, repeat: int, pages: tuple[str, ...] = ()) -> None:
        from mentoring.extensions import db

        self.app, self.repeat, self.rows, self.jobs = app, repeat, [], []
        self.counter = Counter(db.engine)
        self.pages, self.seen = pages, set()

    def done(self) -> bool:
        """With --pages: every chosen word has matched a page, so later stages can be skipped."""
        return bool(self.pages) and self.seen >= set(self.pages)

    def client(self, email: str) -> Any:
        """A test client signed in as `email` through the login form."""
        client = self.app.test_client()
        response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"Could not sign in as {email}.")
        client.get("/")
        return client

    def page(self, who: str, client: Any, path: str) -> None:
        """Request `path` `repeat` times: size, statements of the first request, median time."""
        from mentoring.extensions import db

        if self.pages:
            words = {word for word in self.pages if word in path}
            if not words:
                return
            self.seen |= words
        times, size, statements = [], 0, 0
        for attempt in range(self.repeat):
            db.session.remove()
            response, count, seconds = self.counter.measure(lambda: client.get(path))
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code} for the {who}.")
            if attempt == 0:
                size, statements = len(response.data), count
            times.append(seconds)
        median = statistics.median(times)
        ok = size < PAGE_KB * 1000 and median * 1000 < PAGE_MS
        self.rows.append((who, path, size / 1000, statements, median * 1000, ok, times[0] * 1000))
        print(
            f"  {who:8} {path:70} {size / 1000:8.1f} KB {statements:5d} q {median * 1000:8.1f} ms"
            f" (first {times[0] * 1000:.0f} ms)",
            flush=True,
        )

    def job(self, name: str, seconds: float, budget: float, statements: int, note: str = "") -> None:
        """Record a timed job against its budget."""
        self.jobs.append((name, seconds, budget, statements, note))
        print(f"  {name}: {seconds:.2f} s, {statements} statements {note}", flush=True)


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load, as autovacuum would in production."""
    from sqlalchemy import text

    from mentoring.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def _load(bench: Bench, leaders: int) -> tuple[Any, Any]:
    from mentoring.extensions import db
    from mentoring.models import Person
    from mentoring.services.demo import company
    from mentoring.services.infra.passwords import hash_password

    hashed = hash_password(PASSWORD)
    manager = Person(name="Bench Manager", email="manager@bench.example", password_hash=hashed, is_manager=True)
    db.session.add(manager)
    db.session.commit()
    start = time.perf_counter()
    loaded = company.load_cohort(leaders, leaders * 3 // 2, seed=1, password_hash=hashed)
    print(f"Loaded {leaders} leaders and {leaders * 3 // 2} mentors in {time.perf_counter() - start:.1f} s", flush=True)
    _analyze()
    return manager, loaded


def _open_pages(bench: Bench, manager_client: Any, cohort_id: int, leader_id: int) -> None:
    for path in (
        "/programme/cohorts",
        f"/programme/cohorts/{cohort_id}",
        f"/programme/cohorts/{cohort_id}/participants",
        f"/programme/cohorts/{cohort_id}/participants?page=100",
        f"/programme/cohorts/{cohort_id}/participants?role=mentor&missing=anything&department=Sales",
        f"/programme/cohorts/{cohort_id}/participants?q=leader+42",
        f"/programme/cohorts/{cohort_id}/rules",
        "/programme/people",
        "/programme/people?q=mentor+77&role=mentor",
        "/programme/people?page=250",
        f"/programme/people/{leader_id}",
        "/programme/audit",
        "/programme/skills",
    ):
        bench.page("manager", manager_client, path)


def _profiled(profile_dir: Path | None, name: str, action: Callable[[], Any]) -> Callable[[], Any]:
    """`action`, writing its cProfile to `profile_dir/name.prof` when a directory is given."""
    if profile_dir is None:
        return action

    def run() -> Any:
        import cProfile

        profiler = cProfile.Profile()
        try:
            return profiler.runcall(action)
        finally:
            profile_dir.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(profile_dir / f"{name}.prof"))
            print(f"  (profile written to {profile_dir / f'{name}.prof'})", flush=True)

    return run


def _problem(bench: Bench, cohort_id: int, profile_dir: Path | None = None) -> None:
    from mentoring.extensions import db
    from mentoring.models import Cohort
    from mentoring.services.translators import matching_problem

    db.session.remove()
    cohort = db.session.get(Cohort, cohort_id)
    build = _profiled(profile_dir, "problem", lambda: matching_problem.build_problem(cohort))
    translation, statements, seconds = bench.counter.measure(build)
    problem = translation.problem
    bench.job("problem built", seconds, PROBLEM_S, statements, f"({len(problem.leaders)} x {len(problem.mentors)})")


def _match(bench: Bench, cohort_id: int) -> None:
    from mentoring.extensions import db

    db.session.remove()
    runner = bench.app.test_cli_runner()
    result, statements, seconds = bench.counter.measure(lambda: runner.invoke(args=["match", str(cohort_id)]))
    if result.exit_code != 0:
        raise SystemExit(f"flask match failed: {result.output[-500:]}")
    status = next((line for line in result.output.splitlines() if line.startswith("Solver status")), "")
    matched = next((line for line in result.output.splitlines() if line.startswith("Matched")), "")
    bench.job("flask match end to end", seconds, MATCH_S, statements, f"({status}; {matched})")


def _review_pages(bench: Bench, client: Any, cohort_id: int) -> None:
    base = f"/programme/cohorts/{cohort_id}/review"
    for query in (
        "",
        "?page=50",
        "?show=low",
        "?show=short",
        "?show=pinned",
        "?show=unmatched",
        "?department=Sales&q=leader+1",
        "?leader_q=leader+12&mentor_q=mentor+3",
    ):
        bench.page("manager", client, base + query)


def _publish(
    bench: Bench, manager_id: int, cohort_id: int, profile_dir: Path | None = None, deliver: bool = True
) -> None:
    """Time the publish use case (bulk writes, emails queued), then the delivery of every queued email apart.

    The publish request runs the use case only; the consumer delivers the mail as a job, so the two are shown
    apart.
    """
    from sqlalchemy import func, select

    from mentoring.extensions import db
    from mentoring.models import Match, Notification, Person
    from mentoring.services.infra import mail
    from mentoring.services.usecases import publishing

    db.session.remove()
    manager = db.session.get(Person, manager_id)
    action = _profiled(profile_dir, "publish", lambda: publishing.publish(manager, cohort_id, deliver=False))
    result, statements, seconds = bench.counter.measure(action)
    if result.already or not result.created:
        raise SystemExit("publish published nothing")
    matches = db.session.execute(select(func.count(Match.id)).where(Match.cohort_id == cohort_id)).scalar_one()
    emails = db.session.execute(select(func.count(Notification.id))).scalar_one()
    bench.job("publish (use case)", seconds, PUBLISH_S, statements, f"({matches} pairs, {emails} emails queued)")
    if not deliver:
        return
    sent, statements, seconds = bench.counter.measure(mail.deliver_pending)
    bench.job(
        "deliver the queued mail (job)", seconds, DELIVER_S, statements, f"({sent} emails to the outbox, in batches)"
    )


def _health_summaries(bench: Bench, cohort_id: int) -> None:
    """Time the health summary job (what a consumer runs after a change) for the cohort and for all cohorts.

    The health pages below read what it stored: they never compute the cohort themselves.
    """
    from mentoring.models.health import ALL_COHORTS, cohort_scope
    from mentoring.services.usecases import health_summary

    for scope, note in ((cohort_scope(cohort_id), "(the cohort: metrics, pair rows)"), (ALL_COHORTS, "(overview)")):
        _, statements, seconds = bench.counter.measure(lambda scope=scope: health_summary.refresh(scope))
        bench.job(f"health summary job {scope}", seconds, HEALTH_JOB_S, statements, note)


def _published_pages(bench: Bench, manager_client: Any, cohort_id: int) -> None:
    from sqlalchemy import select

    from mentoring.extensions import db
    from mentoring.models import Match, Person
    from mentoring.services.demo import company

    start = time.perf_counter()
    sessions = company.add_sessions(cohort_id)
    print(f"Added {sessions} held sessions in {time.perf_counter() - start:.1f} s", flush=True)
    _analyze()
    _health_summaries(bench, cohort_id)
    match = db.session.execute(
        select(Match.id, Match.leader_id, Match.mentor_id).where(Match.cohort_id == cohort_id).order_by(Match.id)
    ).first()
    for path in (
        f"/programme/cohorts/{cohort_id}",
        f"/programme/cohorts/{cohort_id}/attention",
        "/programme/health/",
        f"/programme/health/{cohort_id}",
        f"/programme/health/{cohort_id}?sort=held&dir=desc&page=20",
        f"/programme/health/{cohort_id}?status=attention",
        f"/programme/health/{cohort_id}/pairs/{match.id}",
        f"/programme/people/{match.mentor_id}",
    ):
        bench.page("manager", manager_client, path)
    leader = db.session.get(Person, match.leader_id).email
    mentor = db.session.get(Person, match.mentor_id).email
    for who, email, paths in (
        (
            "leader",
            leader,
            ("/", "/leader/mentor", "/leader/request", "/sessions/", f"/sessions/pair/{match.id}", "/account/"),
        ),
        ("mentor", mentor, ("/", "/mentor/leaders", "/mentor/profile", "/sessions/", f"/sessions/pair/{match.id}")),
    ):
        client = bench.client(email)
        for path in paths:
            bench.page(who, client, path)


def _report(bench: Bench, label: str) -> int:
    print(f"\n### {label}\n")
    print("| Who | Page | HTML (KB) | Queries | Median (ms) | First (ms) | Within budget |")
    print("|---|---|---:|---:|---:|---:|---|")
    for who, path, kb, statements, ms, ok, first in bench.rows:
        print(f"| {who} | `{path}` | {kb:.1f} | {statements} | {ms:.0f} | {first:.0f} | {'yes' if ok else '**no**'} |")
    print("\n| Job | Seconds | Budget (s) | Statements | Within budget | |")
    print("|---|---:|---:|---:|---|---|")
    for name, seconds, budget, statements, note in bench.jobs:
        within = "yes" if seconds < budget else "**no**"
        print(f"| {name} | {seconds:.2f} | {budget:g} | {statements} | {within} | {note} |")
    over = [row for row in bench.rows if not row[5]] + [job for job in bench.jobs if job[1] >= job[2]]
    return 1 if over else 0


def main(argv: list[str] | None = None) -> int:
    """Load the cohort, time the pages and jobs, print the table; exit 1 if a budget is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--leaders", type=int, default=10_000, help="leaders in the cohort (mentors: 1.5 times as many)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="requests per page (the median is reported)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--reset", action="store_true", help="empty the --database-url database first")
    parser.add_argument(
        "--pages", default="", help="only pages whose path holds one of these words, e.g. review,people"
    )
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts to time, of {', '.join(PARTS)} (default all)"
    )
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile files of problem and publish here")
    args = parser.parse_args(argv)
    if args.leaders < 10:
        parser.error("--leaders must be at least 10.")
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if not only or not only <= set(PARTS):
        parser.error(f"--only takes parts from {', '.join(PARTS)}.")
    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    if args.database_url and args.reset:
        _reset(url)
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from mentoring import create_app
    from mentoring.extensions import db
    from mentoring.models import Person

    app = create_app(
        {
            "CONFIG": "development",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "MAIL_OUTBOX": str(workdir / "outbox"),
            "SERVER_NAME": None,
            # Jobs the benchmark's changes queue wait in its own file; it runs the ones it times itself.
            "HUEY_SQLITE_PATH": str(workdir / "jobs.db"),
            "REDIS_URL": "",
        }
    )
    with app.app_context():
        upgrade()
        if db.session.execute(select(func.count(Person.id))).scalar_one():
            raise SystemExit("The database already has people: pass --reset to empty it first.")
        bench = Bench(app, args.repeat, tuple(w.strip() for w in args.pages.split(",") if w.strip()))
        manager, loaded = _load(bench, args.leaders)
        manager_client = bench.client(manager.email)
        pages = "pages" in only
        if pages:
            _open_pages(bench, manager_client, loaded.cohort_id, loaded.leader_ids[0])
        if "problem" in only:
            _problem(bench, loaded.cohort_id, args.profile)
        if not bench.done() and only & {"match", "publish", "deliver", "pages"}:
            _match(bench, loaded.cohort_id)
            _analyze()
            if pages:
                _review_pages(bench, manager_client, loaded.cohort_id)
        if not bench.done() and only & {"publish", "deliver", "pages"}:
            _publish(bench, manager.id, loaded.cohort_id, args.profile, deliver=bool(only & {"deliver", "pages"}))
            if pages:
                _published_pages(bench, manager_client, loaded.cohort_id)
        label = f"{args.leaders:,} leaders and {args.leaders * 3 // 2:,} mentors on {db.engine.dialect.name}"
        return _report(bench, label)


if __name__ == "__main__":
    sys.exit(main())
