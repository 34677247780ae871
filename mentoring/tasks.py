"""The jobs the consumer runs, by name: each calls one use case inside an app context (see services.infra.jobs)."""

from __future__ import annotations

from flask import Flask
from huey import crontab

from mentoring import probes
from mentoring.services.infra import jobs


def register_tasks(app: Flask) -> jobs.JobQueue:
    """Build the app's job queue and register every task and periodic task on it."""
    from mentoring.extensions import db
    from mentoring.services.infra import health_watch, mail
    from mentoring.services.usecases import (
        email_verification,
        exports,
        health_summary,
        invitations,
        leader_choice,
        nudges,
        pair_changes,
        password_reset,
        people_import,
        run_jobs,
    )

    queue = jobs.init_app(app)
    # /readyz also asks the queue's storage (Redis or the SQLite file) whether it answers.
    probes.add_readiness_check(app, "jobs", lambda: jobs.ping(app))
    # A matching job retries itself when that is safe (see run_jobs), so huey does not retry it blindly.
    queue.register(run_jobs.TASK, run_jobs.execute)
    queue.register("matching.sweep-stalled", run_jobs.sweep_stalled, periodic=crontab(minute="*"))
    # Delivery claims each email before sending it, so a retry or a second consumer never sends one twice.
    queue.register("mail.deliver", mail.deliver_pending, retries=3, retry_delay=30)
    queue.register("mail.deliver-due", mail.deliver_pending, periodic=crontab(minute="*"))
    queue.register("nudges.hourly", nudges.send_due_nudges, periodic=crontab(minute="0"))
    # Leader choice: suggestions are two solves, so they are computed here, never inside a request.
    queue.register(leader_choice.OPEN_TASK, leader_choice.open_round)
    queue.register(leader_choice.REFRESH_TASK, leader_choice.refresh)
    queue.register(leader_choice.CLOSE_TASK, leader_choice.close_round)
    queue.register("choice.close-due", leader_choice.close_due, periodic=crontab(minute="*/15"))
    queue.register(invitations.SEND_TASK, invitations.send_invitations)
    # A leader asked to join a running cohort: their placement is solved here and proposed for review.
    queue.register(pair_changes.LATE_TASK, pair_changes.offer_late_joiners)
    # One-time links for "forgot password" and address confirmation: mailed by a job, never inside the request.
    queue.register(password_reset.RESET_TASK, password_reset.send_reset_link)
    queue.register(email_verification.CONFIRM_TASK, email_verification.send_registration_mail)
    # A large HR file is imported here (one all-or-nothing transaction); the manager's page answers at once.
    queue.register(people_import.IMPORT_TASK, people_import.commit_upload_job)
    # Health summaries: a change marks the cohort's summary stale and queues its recompute (health_watch);
    # the sweep catches bulk writes and a new day. A page never computes a whole cohort.
    queue.register(health_summary.TASK, health_summary.refresh, retries=2, retry_delay=30)
    queue.register(health_summary.SWEEP_TASK, health_summary.sweep, periodic=crontab(minute="*/10"))
    # Exports of a whole cohort are built here; the page lists them and serves the stored file.
    queue.register(exports.TASK, exports.build)
    queue.register(exports.EXPIRE_TASK, exports.expire, periodic=crontab(minute="5"))
    health_watch.install(db.session)
    return queue
