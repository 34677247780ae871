"""Health probes for a load balancer: /healthz (the process answers) and /readyz (what it needs answers).

Both are public and cheap: no sign-in, no login-session touch, no CSRF (GET only); the host check still
applies, so a probe sends the site's host name. Readiness runs the checks in `app.extensions["readiness"]`,
a list of (name, check) pairs where `check()` returns (ok, detail); anything may append to it (the job queue).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, jsonify

from mentoring.extensions import db

Check = Callable[[], tuple[bool, str]]
READINESS = "readiness"
ENDPOINTS = frozenset({"probes.healthz", "probes.readyz"})
log = logging.getLogger("mentoring.probes")
bp = Blueprint("probes", __name__)


def init_app(app: Flask) -> None:
    """Register the probe routes and the database readiness check."""
    app.register_blueprint(bp)
    add_readiness_check(app, "database", database_answers)


def add_readiness_check(app: Flask, name: str, check: Check) -> None:
    """Make /readyz also require `check()` to return (True, detail)."""
    app.extensions.setdefault(READINESS, []).append((name, check))


def database_answers() -> tuple[bool, str]:
    """The database answers SELECT 1 on a pooled connection."""
    # The driver's own cursor: no SQLAlchemy transaction, so on SQLite no BEGIN IMMEDIATE waiting for a writer.
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchall()
        cursor.close()
    finally:
        connection.close()  # back to the pool, rolled back
    return True, "SELECT 1 answered"


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and serving requests; nothing else is checked."""
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Every readiness check passes (200) or the failing ones are named (503); details go to the log."""
    results: dict[str, str] = {}
    for name, check in current_app.extensions.get(READINESS, []):
        try:
            ok, detail = check()
        except Exception as exc:  # noqa: BLE001 - any error means "not ready", never a 500
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results[name] = "ok" if ok else "failed"
        if not ok:
            log.warning("readiness check failed", extra={"check": name, "detail": detail[:500]})
    ready = all(result == "ok" for result in results.values())
    return jsonify(status="ready" if ready else "not ready", checks=results), 200 if ready else 503
