"""Friendly error pages: plain text for people, never a traceback."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from mentoring.extensions import db
from mentoring.services import Conflict, Forbidden, NotFound, ServiceError

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Not found", "There is nothing here. The link may be old, or the page is not yours to see."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: ("Conflict", "Someone else is changing this right now. Try again in a moment."),
    413: ("Too large", "What you sent is too large. Shorten it or split it, and try again."),
    429: ("Too many attempts", "Too many attempts in a short time. Wait a minute and try again."),
    500: ("Something went wrong", "Something went wrong on our side. Nothing you entered was lost; try again."),
}


UNKNOWN_HOST = "This site does not answer to that host name."


def render_error(code: int, message: str | None = None) -> tuple[str, int] | Response:
    """The error page for an HTTP status, with an optional specific message."""
    title, default = MESSAGES.get(code, ("Error", "Something went wrong."))
    try:
        return render_template("errors/error.html", code=code, title=title, message=message or default), code
    except Exception:  # the page itself failed (database down): still no traceback
        db.session.rollback()
        current_app.logger.exception("The error page for %s could not be rendered", code)
        return plain_error(code, f"{title}. {message or default}")


def plain_error(code: int, text: str) -> Response:
    """A plain-text error answer, for when no page can be rendered (unknown host, broken template)."""
    return Response(text + "\n", status=code, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(NotFound, lambda error: render_error(404))
    app.register_error_handler(Forbidden, _service_forbidden)
    app.register_error_handler(ServiceError, _service_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _csrf_error(error: CSRFError) -> tuple[str, int] | Response:
    return render_error(400, "This form has expired or was not sent from this site. Reload the page and try again.")


def _http_error(error: HTTPException) -> Response | HTTPException:
    if isinstance(error, SecurityError):
        # An untrusted Host header: no URL can be built for it, so no page is rendered either.
        return plain_error(400, UNKNOWN_HOST)
    code = error.code or 500
    if code == 403:
        _audit_forbidden()
    if code not in MESSAGES:
        return error
    custom = error.description if code == 429 and error.description != type(error).description else None
    response = make_response(render_error(code, custom))
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # keep Allow (405) and Retry-After (429)
            response.headers[name] = value
    return response


def _service_forbidden(error: Forbidden) -> tuple[str, int] | Response:
    _audit_forbidden()
    return render_error(403, str(error) or None)


def refusal_lands_on(endpoint: str, **values: Any) -> None:
    """Send the person to this page, with the message, if the use case the view calls next refuses.

    Without it a refused POST goes back to the (same-site) page it came from, and a refused GET shows the
    message as a page of its own.
    """
    g.refusal_target = url_for(endpoint, **values)


def _service_refused(error: ServiceError) -> tuple[str, int] | Response:
    """A use case refused an action: say why on the page the view named, or the one the person came from."""
    db.session.rollback()
    target = g.get("refusal_target")
    if target is None and request.method in ("GET", "HEAD"):
        return render_error(409, str(error))
    from mentoring.security import safe_next

    flash(str(error), "warning" if isinstance(error, Conflict) else "error")
    referrer = request.referrer or ""
    back = safe_next(referrer[len(request.host_url) - 1 :]) if referrer.startswith(request.host_url) else None
    return redirect(target or back or url_for("main.home"))


def _unexpected_error(error: Exception) -> tuple[str, int] | Response:
    if isinstance(error, InternalServerError) and error.original_exception is not None:
        error = error.original_exception
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return render_error(500)


def _audit_forbidden() -> None:
    from mentoring.security import client_ip
    from mentoring.services.infra import audit

    try:
        actor = current_user if current_user.is_authenticated else None
        audit.record_now(
            "access.forbidden",
            actor=actor,
            object_type="path",
            object_id=request.path[:64],
            detail=request.method,
            ip=client_ip(),
        )
    except Exception:  # noqa: BLE001 - auditing must never turn a 403 into a 500
        db.session.rollback()
