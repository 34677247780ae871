"""The job queue: huey built from the app config, tasks in an app context, real consumers on SQLite and Redis."""

from __future__ import annotations

import pytest
from flask import current_app

from mentoring.services.infra import jobs
from tests.mentoring.queue_helpers import queue_settings, running_consumer


def test_the_test_config_runs_jobs_inline_and_the_queue_answers_a_ping(app):
    assert app.config["HUEY_IMMEDIATE"] is True
    assert jobs.queue_of(app).huey.immediate
    ok, detail = jobs.ping(app)
    assert ok and "waiting" in detail


def test_the_default_queue_is_sqlite_in_the_instance_folder_and_redis_when_configured(make_app, tmp_path):
    from huey import RedisHuey, SqliteHuey

    embedded = make_app(HUEY_IMMEDIATE=False, REDIS_URL="", HUEY_SQLITE_PATH=str(tmp_path / "jobs.db"))
    assert isinstance(jobs.queue_of(embedded).huey, SqliteHuey)
    assert (tmp_path / "jobs.db").exists()
    redis = make_app(HUEY_IMMEDIATE=False, REDIS_URL="redis://127.0.0.1:6379/1")
    assert isinstance(jobs.queue_of(redis).huey, RedisHuey)


def test_a_ping_says_when_the_queue_cannot_be_reached(make_app):
    unreachable = make_app(HUEY_IMMEDIATE=False, REDIS_URL="redis://127.0.0.1:1/1")
    ok, detail = jobs.ping(unreachable)
    assert not ok and "Error" in detail


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_real_consumer_runs_a_task_inside_an_app_context(kind, make_app, tmp_path):
    # Given an app whose queue is a real SqliteHuey file or RedisHuey, and a task that reads the app's config
    app = make_app(**queue_settings(kind, tmp_path, f"test-jobs-{kind}"), SITE_NAME=f"Site on {kind}")
    queue = jobs.queue_of(app)
    queue.register("test.site-name", lambda suffix: current_app.config["SITE_NAME"] + suffix)
    # When the task is enqueued and a consumer runs
    with app.app_context():
        job_id = jobs.enqueue("test.site-name", "!")
    with running_consumer(app):
        result = queue.huey.result(job_id, blocking=True, timeout=30)
    # Then it ran in the app's context
    assert result == f"Site on {kind}!"


def test_readyz_checks_the_queue_and_fails_when_it_cannot_be_reached(make_app):
    # Given a site whose queue is a Redis nobody listens on
    site = make_app(HUEY_IMMEDIATE=False, REDIS_URL="redis://127.0.0.1:1/1")
    # Then /readyz names the queue as failing
    response = site.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["jobs"] == "failed"
