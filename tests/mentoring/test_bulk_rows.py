"""Many rows written at once (COPY on PostgreSQL) store what the ORM would store, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import Notification
from mentoring.services.infra import bulk

WHEN = datetime(2027, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))


def rows(person_id: int, how_many: int) -> list[dict]:
    return [
        {
            "occasion": f"bulk:{k}",
            "kind": "published",
            "person_id": person_id,
            "to_address": "ada@example.com",
            "subject": "Your pairing — «é»",
            "body": f"Hello,\ttab\nline {k}\\ and a backslash\n",
            "cohort_id": None,
            "match_id": None,
            "created_at": WHEN,
            "attempts": 0,
            "last_error": "",
        }
        for k in range(how_many)
    ]


def test_many_rows_are_stored_as_an_insert_would_store_them(make_person):
    # Given more rows than the bulk path's threshold (COPY on PostgreSQL), with text that needs escaping
    ada = make_person(email="ada@example.com")
    written = rows(ada.id, bulk.COPY_FROM + 20)
    # When they are written in bulk and the transaction commits
    bulk.insert_rows(Notification.__table__, written)
    db.session.commit()
    # Then every row is there with its exact text and the moment in UTC
    assert db.session.execute(select(func.count(Notification.id))).scalar_one() == len(written)
    last = db.session.execute(select(Notification).where(Notification.occasion == "bulk:7")).scalar_one()
    assert last.body == "Hello,\ttab\nline 7\\ and a backslash\n" and last.subject == "Your pairing — «é»"
    assert last.created_at == WHEN and last.created_at.tzinfo == UTC
    assert (last.attempts, last.last_error, last.sent_at, last.person_id) == (0, "", None, ada.id)


def test_bulk_rows_roll_back_with_their_transaction(make_person):
    # Given rows written in bulk inside a use case's transaction
    ada = make_person(email="ada@example.com")
    bulk.insert_rows(Notification.__table__, rows(ada.id, bulk.COPY_FROM))
    # When the transaction is rolled back, then none of them stays
    db.session.rollback()
    assert db.session.execute(select(func.count(Notification.id))).scalar_one() == 0
