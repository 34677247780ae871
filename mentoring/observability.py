"""What operators see: a request id on every request, one log line per request, and the health probes.

The request id comes from X-Request-ID when a trusted proxy sets it (TRUSTED_PROXY_COUNT > 0), otherwise it
is generated; it is echoed in the response and in every log line written during the request. The request
line is written by the app, or by gunicorn's access log when gunicorn.conf.py says so (LOG_REQUESTS=0): the
app leaves the request id and person id in the WSGI environ for it.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.logging import default_handler

from mentoring import probes
from mentoring.config import ConfigError
from mentoring.log_lines import FORMATS, LineFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may send as a request id: nginx's $request_id, a UUID, a trace id; anything else is replaced.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
ENVIRON_REQUEST_ID = "mentoring.request_id"
ENVIRON_PERSON_ID = "mentoring.person_id"
access_log = logging.getLogger("mentoring.access")


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (a test may capture it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> object:
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


class _RequestIdFilter(logging.Filter):
    """Adds the current request's id to every line written while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tag the record; never drops it."""
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """Send the site's loggers (`mentoring.*`) to stderr as one line per event, in `log_format`."""
    logger = logging.getLogger("mentoring")
    for handler in list(logger.handlers):
        if handler is default_handler or getattr(handler, "_mentoring", False):
            logger.removeHandler(handler)
    handler = _CurrentStderrHandler()
    handler._mentoring = True  # type: ignore[attr-defined]
    handler.setFormatter(LineFormatter(log_format))
    handler.addFilter(_RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False  # one line per event, even when the root logger has a handler too


def init_app(app: Flask) -> None:
    """Log lines, request ids and the health probes."""
    log_format = str(app.config.get("LOG_FORMAT") or "text").lower()
    if log_format not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}.")
    configure_logging(log_format, str(app.config.get("LOG_LEVEL") or "INFO"))
    app.before_request(_start_request)
    app.after_request(_finish_request)
    probes.init_app(app)


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = _incoming_request_id() or uuid.uuid4().hex
    request.environ[ENVIRON_REQUEST_ID] = g.request_id


def _incoming_request_id() -> str | None:
    """The proxy's request id, only when a proxy is trusted and the id looks like one."""
    if int(current_app.config.get("TRUSTED_PROXY_COUNT") or 0) <= 0:
        return None
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _VALID_REQUEST_ID.fullmatch(offered) else None


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # the request failed before the first before_request ran (an untrusted host)
        _start_request()
        request_id = g.request_id
    response.headers[REQUEST_ID_HEADER] = request_id
    person_id = _signed_in_person_id()
    request.environ[ENVIRON_PERSON_ID] = person_id
    if current_app.config.get("LOG_REQUESTS", True):
        started = g.get("request_started", time.perf_counter())
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "person_id": person_id,
            },
        )
    return response


def _signed_in_person_id() -> int | None:
    """The signed-in person's id if the request loaded one; never loads the person just to log it."""
    person = g.get("_login_user")
    if person is None or not getattr(person, "is_authenticated", False):
        return None
    return getattr(person, "id", None)
