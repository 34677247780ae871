"""The job queue: one huey instance per app, built from its config, whose tasks run inside an app context.

`SqliteHuey` in instance/jobs.db is the embedded default (no server); `RedisHuey` is used when REDIS_URL
is set. With HUEY_IMMEDIATE (the test config) a job runs inline when it is enqueued. `flask worker`
runs a consumer; the task list itself lives in `mentoring.tasks`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer

EXTENSION = "jobs"


class JobQueue:
    """The app's huey instance and its tasks by name; each task pushes an app context of this app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = build_huey(app.config)
        self.tasks: dict[str, TaskWrapper] = {}

    def register(
        self,
        name: str,
        func: Callable[..., Any],
        retries: int = 0,
        retry_delay: int = 0,
        periodic: Callable[[Any], bool] | None = None,
    ) -> TaskWrapper:
        """Make `func` a task called `name`, run in an app context; `periodic` is a huey crontab."""
        app = self.app

        def run_in_app_context(*args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return func(*args, **kwargs)

        run_in_app_context.__name__ = name.replace(".", "_")
        run_in_app_context.__doc__ = func.__doc__
        if periodic is not None:
            wrapper = self.huey.periodic_task(periodic, name=name, retries=retries, retry_delay=retry_delay)
        else:
            wrapper = self.huey.task(name=name, retries=retries, retry_delay=retry_delay)
        task = wrapper(run_in_app_context)
        self.tasks[name] = task
        return task


def build_huey(config: dict[str, Any]) -> Huey:
    """RedisHuey on REDIS_URL when set, else SqliteHuey in HUEY_SQLITE_PATH; immediate mode if configured."""
    name = config.get("HUEY_NAME") or "mentoring"
    immediate = bool(config.get("HUEY_IMMEDIATE"))
    if config.get("REDIS_URL"):
        return RedisHuey(name, url=config["REDIS_URL"], immediate=immediate, utc=True)
    path = Path(config.get("HUEY_SQLITE_PATH") or "jobs.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), immediate=immediate, utc=True, timeout=10)


def init_app(app: Flask) -> JobQueue:
    """Attach the app's job queue (tasks are registered by `mentoring.tasks`)."""
    queue = JobQueue(app)
    app.extensions[EXTENSION] = queue
    return queue


def queue_of(app: Flask | None = None) -> JobQueue:
    """The job queue of `app` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def enqueue(name: str, *args: Any) -> str:
    """Put the task `name` on the queue (inline under HUEY_IMMEDIATE) and return the job's id.

    Call it after the use case has committed: a consumer may start the job at once.
    """
    from mentoring.extensions import db

    # The caller's work is committed; end its (read) transaction so an inline job can write (SQLite).
    db.session.commit()
    result = queue_of().tasks[name](*args)
    return result.id if result is not None else ""


def ping(app: Flask | None = None) -> tuple[bool, str]:
    """Whether the queue's storage answers, and a short detail (for /readyz): (True, "3 jobs waiting")."""
    try:
        waiting = queue_of(app).huey.pending_count()
    except Exception as exc:  # noqa: BLE001 - any storage error means "not ready"
        return False, f"{type(exc).__name__}: {exc}"[:200]
    return True, f"{waiting} jobs waiting"


def describe(app: Flask | None = None) -> str:
    """Which storage the queue uses, for logs and the worker's banner (no password shown)."""
    config = (app or current_app).config
    if config.get("HUEY_IMMEDIATE"):
        return "inline (HUEY_IMMEDIATE)"
    if config.get("REDIS_URL"):
        url = config["REDIS_URL"]
        return "Redis " + (url.split("@", 1)[1] if "@" in url else url.split("//", 1)[-1])
    return f"SQLite {config.get('HUEY_SQLITE_PATH')}"


class _QuietConsumer(Consumer):
    """A consumer that can start outside the main thread (tests, an embedded worker): no signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def start_consumer(app: Flask, workers: int = 1, periodic: bool = False) -> Consumer:
    """Start a consumer's worker threads in this process and return it; stop it with `.stop(graceful=True)`."""
    huey = queue_of(app).huey
    consumer = _QuietConsumer(
        huey,
        workers=workers,
        worker_type="thread",
        periodic=periodic,
        initial_delay=0.05,
        max_delay=0.5,
        scheduler_interval=1,
    )
    consumer.start()
    return consumer


def run_consumer(app: Flask, workers: int, periodic: bool = True) -> None:
    """Run a consumer in the foreground until SIGINT/SIGTERM (`flask worker`)."""
    huey = queue_of(app).huey
    huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic, max_delay=2.0).run()


def enqueue_later(name: str, delay_s: float, *args: Any) -> str:
    """Put the task `name` on the queue to run in `delay_s` seconds (a retry with backoff); returns the job's id."""
    result = queue_of().tasks[name].schedule(args=args, delay=delay_s)
    return result.id if result is not None else ""
