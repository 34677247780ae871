"""Helpers for tests that run jobs through a real huey consumer (SQLite file or Redis db 1)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# The Redis database these tests may use (shared machine: never FLUSHALL, only this db's keys).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def redis_or_skip() -> str:
    """REDIS_URL for the tests, or skip with a clear message when no Redis answers there."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); set TEST_REDIS_URL to run the RedisHuey tests")
    return REDIS_URL


def queue_settings(kind: str, tmp_path: Path, name: str) -> dict[str, object]:
    """App overrides for a real (not inline) queue: "sqlite" (a file under tmp_path) or "redis"."""
    settings: dict[str, object] = {"HUEY_IMMEDIATE": False, "HUEY_NAME": name}
    if kind == "redis":
        settings["REDIS_URL"] = redis_or_skip()
    else:
        settings["REDIS_URL"] = ""
        settings["HUEY_SQLITE_PATH"] = str(tmp_path / f"{name}.db")
    return settings


@contextmanager
def running_consumer(app: object, workers: int = 1) -> Iterator[object]:
    """A consumer of the app's queue, on threads of this process, stopped (gracefully) at the end."""
    from mentoring.services.infra import jobs

    consumer = jobs.start_consumer(app, workers=workers)
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        jobs.queue_of(app).huey.flush()


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll `condition` until it holds; fail the test if it still does not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the job did not finish in time")
        time.sleep(0.1)
