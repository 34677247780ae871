"""Work that runs once the response has gone out: sending one-time links.

The answer to "forgot password" must not take longer when the address has an account (that would
tell who has one), so the link is made and mailed after the response, in its own app context.
When the job queue lands, the same service functions become jobs; callers do not change.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, after_this_request, current_app

from mentoring.extensions import db


def after_response(work: Callable[..., object], *args: object) -> None:
    """Run `work(*args)` after this request's response is sent; failures are logged, never shown."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                work(*args)
            except Exception:
                db.session.rollback()
                app.logger.exception("Background work %s failed", getattr(work, "__name__", work))

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(run)
        return response
