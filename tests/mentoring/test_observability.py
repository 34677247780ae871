"""Operators' view: one log line per request with its request id, in text or JSON, and gunicorn's lines alike."""

from __future__ import annotations

import json
import logging
import os
import runpy
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config as GunicornConfig

from mentoring.log_lines import LineFormatter, render
from mentoring.observability import REQUEST_ID_HEADER

ROOT = Path(__file__).resolve().parents[2]


def request_lines(captured: str) -> list[str]:
    """The request lines among what the site wrote to stderr."""
    return [line for line in captured.splitlines() if "logger=mentoring.access" in line]


def test_a_request_logs_one_line_with_its_request_id(make_person, login_as, capsys):
    # Given a signed-in person
    person = make_person()
    client = login_as(person)
    capsys.readouterr()
    # When they open a page
    response = client.get("/account/")
    # Then exactly one line is logged for it, with the id echoed in the answer, and what was asked and answered
    lines = request_lines(capsys.readouterr().err)
    assert len(lines) == 1
    request_id = response.headers[REQUEST_ID_HEADER]
    assert len(request_id) == 32
    for part in (f"request_id={request_id}", "method=GET", "path=/account/", "status=200", f"person_id={person.id}"):
        assert part in lines[0].split()
    assert "duration_ms=" in lines[0]


def test_each_request_gets_its_own_id_and_a_proxy_id_is_ignored_without_a_trusted_proxy(client):
    # Given no trusted proxy (the default)
    # When two requests arrive, one claiming an id
    first = client.get("/auth/login", headers={REQUEST_ID_HEADER: "from-the-client"})
    second = client.get("/auth/login")
    # Then each gets a fresh id of the site's own
    ids = {first.headers[REQUEST_ID_HEADER], second.headers[REQUEST_ID_HEADER]}
    assert len(ids) == 2 and "from-the-client" not in ids


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("req-7f3a:1", True),
        ("0123456789abcdef0123456789abcdef", True),
        ("id with spaces", False),
        ('"quoted"', False),
        ("x" * 200, False),
    ],
)
def test_a_trusted_proxys_request_id_is_kept_when_it_looks_like_one(make_app, db, offered, kept):
    # Given a site behind one trusted proxy
    db.rollback()
    client = make_app(TRUSTED_PROXY_COUNT=1).test_client()
    # When the proxy sends a request id
    response = client.get("/auth/login", headers={REQUEST_ID_HEADER: offered})
    # Then a well-formed id is kept and echoed; anything else is replaced
    assert (response.headers[REQUEST_ID_HEADER] == offered) is kept


def test_json_lines_and_app_messages_carry_the_request_id(make_app, db, capsys):
    # Given a site logging JSON, with a page that writes its own warning
    db.rollback()
    app = make_app(LOG_FORMAT="json")

    @app.route("/test-only/warn")
    def warn() -> str:
        app.logger.warning("something to look at", extra={"cohort_id": 7})
        return "done"

    capsys.readouterr()
    # When the page is requested
    response = app.test_client().get("/test-only/warn")
    # Then both lines are JSON objects with the request's id, the warning with its fields
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    request_id = response.headers[REQUEST_ID_HEADER]
    warning = next(line for line in lines if line["msg"] == "something to look at")
    assert warning["level"] == "warning" and warning["cohort_id"] == 7 and warning["request_id"] == request_id
    [request_line] = [line for line in lines if line["logger"] == "mentoring.access"]
    assert request_line["request_id"] == request_id
    assert request_line["status"] == 200 and request_line["person_id"] is None


def test_an_unknown_log_format_is_refused_in_one_sentence(make_app):
    from mentoring.config import ConfigError

    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of text, json"):
        make_app(LOG_FORMAT="xml")


def test_a_traceback_stays_on_one_line():
    # Given a record with an exception
    try:
        raise ValueError("broken\nacross lines")
    except ValueError:
        record = logging.LogRecord("mentoring", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    # When it is formatted either way
    for log_format in ("text", "json"):
        line = LineFormatter(log_format).format(record)
        # Then it is one line that still holds the whole traceback
        assert "\n" not in line and "ValueError" in line


def test_text_values_are_quoted_only_when_they_need_it():
    assert render({"a": "plain/path-1", "b": "two words", "c": None, "d": 1.25}, "text") == (
        'a=plain/path-1 b="two words" c=- d=1.2'
    )


def test_gunicorns_access_log_writes_the_same_line_with_the_apps_request_id(monkeypatch, capsys):
    # Given gunicorn's logger from gunicorn.conf.py, logging JSON (the file turns the app's own request line off)
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_REQUESTS", "1")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert os.environ["LOG_REQUESTS"] == "0"
    config = GunicornConfig()
    config.set("accesslog", "-")
    logger = settings["logger_class"](config)
    # When gunicorn logs a request the app tagged
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/sessions/",
        "mentoring.request_id": "abc",
        "mentoring.person_id": 5,
    }
    logger.access(SimpleNamespace(status_code=200, status="200 OK"), None, environ, timedelta(milliseconds=12))
    # Then it is one JSON line with the request's id, person and timing, like the app's own lines
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert line["logger"] == "gunicorn.access" and line["msg"] == "request"
    assert {key: line[key] for key in ("request_id", "method", "path", "status", "duration_ms", "person_id")} == {
        "request_id": "abc",
        "method": "GET",
        "path": "/sessions/",
        "status": 200,
        "duration_ms": 12.0,
        "person_id": 5,
    }


def test_a_request_refused_before_any_view_still_gets_its_id_and_line(make_app, db, capsys):
    # Given a site checking CSRF tokens
    db.rollback()
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    capsys.readouterr()
    # When a form arrives without its token (refused before the view runs)
    response = client.post("/auth/login", data={"email": "a@example.com", "password": "x"})
    # Then the refusal is logged once, with the id the answer carries
    assert response.status_code == 400
    [line] = request_lines(capsys.readouterr().err)
    assert f"request_id={response.headers[REQUEST_ID_HEADER]}" in line.split() and "status=400" in line.split()
