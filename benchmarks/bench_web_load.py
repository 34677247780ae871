"""Load test of the site's busiest pages: gunicorn (production config) on the demo, measured with wrk.

    python benchmarks/bench_web_load.py [--database sqlite|postgresql+psycopg://...] [--connections 10]
        [--duration 30] [--workers 3] [--port 8110] [--pages home,participants,review,health]

Builds a fresh database (a temporary SQLite file, or EMPTIES the given PostgreSQL database's public
schema), loads the demo, runs the matching of the open cohort, starts gunicorn, signs in as the demo
manager and mentor, then runs `wrk` on each page and prints a Markdown table: requests a second,
latency percentiles, and errors (socket errors plus non-2xx/3xx answers). Needs `wrk` on the PATH
(Debian: apt-get install wrk). A benchmark to run by hand, never in the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGETS = {"home": 600.0, "participants": 200.0, "review": 200.0, "health": 100.0}
P99_TARGET_MS = 500.0


@dataclass
class Result:
    """What wrk measured on one page."""

    page: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def _env(database: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MENTORING_CONFIG="production",
        SECRET_KEY=secrets.token_hex(32),
        TRUSTED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database,
        MAIL_OUTBOX=str(instance / "outbox"),
    )
    return env


def _flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "mentoring", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _reset_postgresql(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


PREPARE = """
from sqlalchemy import select
from mentoring import create_app
from mentoring.extensions import db
from mentoring.models import Cohort, Person
from mentoring.services.usecases import matching_runs
app = create_app()
with app.app_context():
    cohorts = {c.name: c.id for c in db.session.execute(select(Cohort)).scalars()}
    manager = db.session.execute(select(Person).where(Person.is_manager).order_by(Person.id)).scalars().first()
    matching_runs.run_matching(cohorts["Round 2027-01"], manager)
    print(cohorts["Spring 2026"], cohorts["Round 2027-01"])
"""


def _prepare(env: dict[str, str]) -> tuple[int, int]:
    """Load the demo and match its open cohort; returns (finished cohort id, open cohort id)."""
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo")
    done = subprocess.run([sys.executable, "-c", PREPARE], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("Preparing the demo failed: " + done.stderr.strip()[-500:])
    finished, upcoming = done.stdout.split()[-2:]
    return int(finished), int(upcoming)


def _wait_for(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {port}.")


def _request(port: int, method: str, path: str, cookie: str = "", body: str = "") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    return response


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> str:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def sign_in(port: int, email: str, password: str) -> str:
    """A Cookie header of a signed-in session (through the real form, CSRF token included)."""
    from urllib.parse import urlencode

    jar: dict[str, str] = {}
    page = _request(port, "GET", "/auth/login")
    cookie = _cookies(page, jar)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.body)  # type: ignore[attr-defined]
    if token is None:
        raise SystemExit("No CSRF token on the sign-in page.")
    form = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": password})
    answer = _request(port, "POST", "/auth/login", cookie, form)
    if answer.status != 302:
        raise SystemExit(f"Signing in as {email} failed ({answer.status}).")
    return _cookies(answer, jar)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(port: int, page: str, path: str, cookie: str, connections: int, duration: int) -> Result:
    """wrk on one page; errors are socket errors plus answers other than 2xx/3xx."""
    threads = str(min(connections, 2))
    command = ["wrk", "-t", threads, "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "10s"]
    command += ["-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s|m)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(bad.group(1)) if bad else 0
    return Result(page, path, rps, _ms(*p50.groups()), _ms(*p99.groups()), requests, errors)  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite (a temporary file) or a PostgreSQL URL to EMPTY")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--pages", default=",".join(TARGETS))
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk).", file=sys.stderr)
        return 2
    instance = Path(tempfile.mkdtemp(prefix="bench-web-"))
    database = args.database
    if database == "sqlite":
        database = f"sqlite:///{instance / 'bench.db'}"
    else:
        _reset_postgresql(database)
    env = _env(database, instance)
    finished, upcoming = _prepare(env)
    server = [str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}"]
    gunicorn = subprocess.Popen([*server, "--log-level", "warning", "mentoring:create_app()"], env=env, cwd=ROOT)
    try:
        _wait_for(args.port)
        from mentoring.services.demo.loader import DEMO_PASSWORD

        manager = sign_in(args.port, "manager@demo.example", DEMO_PASSWORD)
        mentor = sign_in(args.port, "mentor@demo.example", DEMO_PASSWORD)
        pages = {
            "home": ("/", mentor),
            "participants": (f"/programme/cohorts/{upcoming}/participants", manager),
            "review": (f"/programme/cohorts/{upcoming}/review", manager),
            "health": (f"/programme/health/{finished}", manager),
        }
        results = []
        for page in args.pages.split(","):
            path, cookie = pages[page]
            check = _request(args.port, "GET", path, cookie)
            if check.status != 200:
                raise SystemExit(f"{path} answered {check.status} before the load test.")
            results.append(run_wrk(args.port, page, path, cookie, args.connections, args.duration))
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        shutil.rmtree(instance, ignore_errors=True)
    kind = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    print(f"\n{kind}, gunicorn {args.workers} workers, wrk {args.connections} connections, {args.duration} s\n")
    print("| page | path | req/s | target | p50 ms | p99 ms | requests | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        target = TARGETS.get(r.page, 0)
        print(
            f"| {r.page} | `{r.path}` | {r.rps:.0f} | {target:.0f} | {r.p50_ms:.0f} | {r.p99_ms:.0f} "
            f"| {r.requests} | {r.errors} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
