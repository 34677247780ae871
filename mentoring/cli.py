"""Flask commands: create-manager, seed-demo, demo-logins, match, send-nudges, backup."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError

from mentoring.services import ServiceError

NOT_MIGRATED = "The database has no tables yet; run `flask --app mentoring db upgrade` first."


def register_commands(app: Flask) -> None:
    """Attach the project's commands to `flask --app mentoring`."""
    app.cli.add_command(create_manager_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(send_nudges_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(match_command)
    app.cli.add_command(close_choices_command)


@click.command("create-manager")
@click.option("--name", prompt=True, help="The manager's full name.")
@click.option("--email", prompt=True, help="The manager's email (their login).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters; prompted for when not given.",
)
def create_manager_command(name: str, email: str, password: str) -> None:
    """Create the first programme manager (or make an existing account a manager)."""
    from mentoring.services.usecases import accounts

    try:
        person = accounts.create_manager(name, email, password)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{person.name} <{person.email}> is a programme manager.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has people.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo organisation: a finished cohort with months of sessions and an open cohort to match."""
    from mentoring.services.demo import loader as demo

    try:
        if if_empty and not demo.database_is_empty():
            click.echo("The database already has people; the demo was not loaded again.")
            return
        summary = demo.seed_demo()
    except (OperationalError, ProgrammingError) as exc:
        raise click.ClickException(NOT_MIGRATED) from exc
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Demo loaded: {summary.people} people ({summary.mentors} mentors, {summary.leaders} leaders, "
        f"{summary.managers} managers), cohorts {', '.join(summary.cohorts)}, "
        f"{summary.pairs} published pairs with {summary.sessions} sessions."
    )


@click.command("demo-logins")
def demo_logins_command() -> None:
    """Print the demo accounts and their password, if the demo is loaded."""
    from mentoring.services.demo import loader as demo
    from mentoring.services.usecases import accounts

    try:
        present = [(role, email) for role, email in demo.DEMO_LOGINS if accounts.find_by_email(email)]
    except (OperationalError, ProgrammingError) as exc:
        raise click.ClickException(NOT_MIGRATED) from exc
    if not present:
        click.echo("No demo accounts in this database.")
        return
    click.echo(f"Demo accounts (password: {demo.DEMO_PASSWORD!r}):")
    for role, email in present:
        click.echo(f"  {role:<8} {email}")


def _table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    return [line.format(*headers).rstrip(), line.format(*("-" * w for w in widths)).rstrip()] + [
        line.format(*row).rstrip() for row in rows
    ]


@click.command("match")
@click.argument("cohort")
def match_command(cohort: str) -> None:
    """Run the matching for COHORT (its id or exact name), like the review page, and print a summary."""
    from mentoring.services.readmodels import run_review
    from mentoring.services.usecases import cohorts, matching_runs

    try:
        found = cohorts.find_cohort(cohort)
        run = matching_runs.run_matching(found.id, run_by=None)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    page = run_review.review(found.id)
    seconds = (run.stats or {}).get("seconds", 0)
    click.echo(f"Cohort {found.name} (id {found.id}), run {run.id}")
    click.echo(f"Solver status: {run.status} in {seconds:g} s")
    leaders = (run.stats or {}).get("leaders", run.matched + len(page.unmatched))
    click.echo(f"Matched: {run.matched} of {leaders} leaders; total score {run.total_score:g}")
    if page.message:
        click.echo(page.message)
    if page.pairs:
        click.echo("")
        rows = [(p.leader.name, p.mentor.name, f"{p.score:g}", "pinned" if p.pinned else "") for p in page.pairs]
        for text in _table(rows, ("Leader", "Mentor", "Score", "")):
            click.echo(text)
    if page.unmatched:
        click.echo("")
        rows = [(u.leader.name if u.leader else "(left)", u.reason) for u in page.unmatched]
        for text in _table(rows, ("Unmatched leader", "Reason")):
            click.echo(text)
    click.echo("")
    click.echo("Review and publish on the cohort's review page.")


def _parse_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter("use an ISO 8601 date or date-time, e.g. 2027-03-01T09:00:00Z.") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@click.command("send-nudges")
@click.option("--now", "now_text", metavar="ISO", help="Act as if it were this moment (UTC unless a zone is given).")
@click.option("--cohort", "cohort_id", type=int, help="Only this cohort's pairs (default: every published cohort).")
def send_nudges_command(now_text: str | None, cohort_id: int | None) -> None:
    """Email the reminders that are due: stalled pairs, unanswered proposals, leader feedback."""
    from mentoring.services.usecases import nudges

    try:
        report = nudges.send_due_nudges(now=_parse_now(now_text), cohort_id=cohort_id)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Nudges queued: {report.stalled} stalled, {report.unanswered} unanswered, "
        f"{report.feedback} feedback; emails delivered: {report.delivered}."
    )


@click.command("close-choices")
@click.option("--now", "now_text", metavar="ISO", help="Act as if it were this moment (UTC unless a zone is given).")
def close_choices_command(now_text: str | None) -> None:
    """Close leader choice in every cohort whose deadline has passed: the rest are paired by the optimum."""
    from mentoring.services.usecases import leader_choice

    now = _parse_now(now_text)
    closed = 0
    for cohort_id in leader_choice.due_rounds(now):
        try:
            made = leader_choice.fall_back(None, cohort_id, now=now)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Cohort {cohort_id}: choosing closed, {made} leaders paired by the optimum.")
        closed += 1
    click.echo(f"Closed {closed} leader-choice round(s).")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the live SQLite database to PATH (a new file), checked with PRAGMA integrity_check."""
    from mentoring.services.infra.backup import BackupError, backup_database

    try:
        result = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backed up {result.source} to {result.target}: {result.pages} pages, "
        f"{result.size_bytes // 1024} KiB, integrity check ok."
    )
