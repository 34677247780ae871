"""Use cases and what they share: the domain errors and the one unit-of-work helper.

Folders by kind: `usecases` (one transaction each), `readmodels` (page data, never writing),
`translators` (rows to and from `matching`), `infra` (mail, audit, passwords, calendar, locks, backups)
and `demo` (the demo organisation).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class ServiceError(Exception):
    """A use case refused: the message is written for the person who asked."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or is not theirs to see."""


class Forbidden(ServiceError):
    """The person may not do this."""


class Conflict(ServiceError):
    """The action clashes with the current state (a run in progress, a cohort already published)."""


class InvalidField(ServiceError):
    """A value a person entered cannot be used; `field` names the form field ("goals.2.skill" for a row's field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


CLASH = "Someone else changed this at the same moment. Look again and retry."


@contextmanager
def unit_of_work(clash: ServiceError | None = None) -> Iterator[None]:
    """One use case's transaction: committed at the end of the block, rolled back on any error.

    A unique-key collision (raised at a flush inside the block or at the commit) becomes `clash`,
    the same answer a sequential duplicate gets, instead of a database error; without `clash` it is
    a generic Conflict.
    """
    from sqlalchemy.exc import IntegrityError

    from mentoring.database import writing
    from mentoring.extensions import db

    try:
        with writing():
            yield
            db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise (clash or Conflict(CLASH)) from exc
    except BaseException:
        db.session.rollback()
        raise
