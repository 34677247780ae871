"""Reading the one-time links the site emailed (the outbox folder of the test app)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

from flask import Flask
from werkzeug.test import TestResponse


def sent_mail(app: Flask) -> list[tuple[str, str, str]]:
    """(to, subject, body) of every email in the outbox, oldest first."""
    found = []
    for path in sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        found.append((str(message["To"]), str(message["Subject"]), message.get_body(("plain",)).get_content()))
    return found


def links_to(app: Flask, address: str, kind: str) -> list[str]:
    """The site paths of `kind` ("reset", "confirm", "invitation") mailed to `address`, oldest first."""
    pattern = re.compile(rf"(/auth/{kind}/[A-Za-z0-9_-]+)")
    return [match for to, _, body in sent_mail(app) if to == address for match in pattern.findall(body)]


def finished(response: TestResponse) -> TestResponse:
    """Close the response so that work scheduled after it (mailing a link) runs, as a real server does.

    The test's app context outlives the request (a server's does not): end its transaction first, as the
    request's teardown would, so the work's own session can write.
    """
    from mentoring.extensions import db

    db.session.commit()
    response.close()
    return response
