"""Two app instances and two consumers on one PostgreSQL and one Redis: a run once, each email once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import MatchRun, Notification, RunJob
from mentoring.services.infra import jobs
from mentoring.services.usecases import run_jobs
from tests.conftest import DEFAULT_PASSWORD
from tests.mentoring.queue_helpers import queue_settings, running_consumer, wait_until
from tests.mentoring.smtp_helpers import mailbox

__all__ = ["mailbox"]


@pytest.fixture
def two_sites(make_app, database_url, mailbox, tmp_path):
    """Two apps on the same PostgreSQL database, the same Redis queue and the same SMTP server."""
    if not database_url.startswith("postgresql"):
        pytest.skip("two instances share PostgreSQL: run with TEST_DATABASE_URL=postgresql+psycopg://...")
    box, port = mailbox
    settings = {
        **queue_settings("redis", tmp_path, "test-two-instances"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
    }
    return make_app(**settings), make_app(**settings), box


def _at_once(*actions) -> list[object]:
    """Run the actions in threads released together; returns their results in order."""
    start = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int) -> None:
        start.wait()
        results[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _client(site, email: str):
    client = site.test_client()
    assert client.post("/auth/login", data={"email": email, "password": DEFAULT_PASSWORD}).status_code == 302
    return client


def test_a_run_executes_once_and_a_publish_notifies_each_person_once(app, two_sites, programme, make_manager):
    first, second, box = two_sites
    cohort_id = programme.cohort.id
    people = [p.email for p in programme.mentors + programme.leaders]
    one = _client(first, programme.manager.email)
    other = _client(second, make_manager(name="Max Manager").email)
    # When both managers press "run" at the same moment on the two instances
    answers = _at_once(
        lambda: one.post(f"/programme/cohorts/{cohort_id}/run"),
        lambda: other.post(f"/programme/cohorts/{cohort_id}/run"),
    )
    assert [answer.status_code for answer in answers] == [302, 302]
    (job_id,) = db.session.execute(select(RunJob.id)).scalars()
    # And the job is delivered twice to the queue (a retried enqueue)
    with first.app_context():
        jobs.enqueue(run_jobs.TASK, job_id)
    # Then the two consumers run it exactly once
    with running_consumer(first, workers=2), running_consumer(second, workers=2):
        wait_until(lambda: db.session.execute(select(RunJob.stage)).scalar_one() in ("done", "failed"))
        wait_until(lambda: jobs.queue_of(first).huey.pending_count() == 0)
        assert db.session.execute(select(func.count(MatchRun.id))).scalar_one() == 1
        db.session.rollback()
        (run_id,) = db.session.execute(select(MatchRun.id)).scalars()
        # When both managers publish at the same moment
        _at_once(
            lambda: one.post(f"/programme/cohorts/{cohort_id}/publish", data={"run_id": run_id}),
            lambda: other.post(f"/programme/cohorts/{cohort_id}/publish", data={"run_id": run_id}),
        )
        # Then each of the six people gets exactly one email, delivered by the consumers
        wait_until(
            lambda: (
                box.count() >= 6
                and db.session.execute(select(func.count()).where(Notification.sent_at.is_(None))).scalar_one() == 0
            )
        )
    received = box.headers("To")
    assert received == Counter(people)
    assert db.session.execute(select(func.count(Notification.id))).scalar_one() == 6
