"""Flask commands: seed-demo, create-manager, match, backup."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError

from mentoring.programme.commands import match_command
from mentoring.services import ServiceError, backup
from mentoring.sessions.commands import send_nudges_command

NOT_MIGRATED = "The database has no tables yet; run `flask --app mentoring db upgrade` first."


def register_commands(app: Flask) -> None:
    """Attach the project's commands to `flask --app mentoring`."""
    app.cli.add_command(create_manager_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(send_nudges_command)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(match_command)


@click.command("create-manager")
@click.option("--name", prompt=True, help="The manager's full name.")
@click.option("--email", prompt=True, help="The manager's email (their login).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 12 characters; prompted for when not given.")
def create_manager_command(name: str, email: str, password: str) -> None:
    """Create the first programme manager (or make an existing account a manager)."""
    from mentoring.services import accounts

    try:
        person = accounts.create_manager(name, email, password)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{person.name} <{person.email}> is a programme manager.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has people.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo organisation: a finished cohort with months of sessions and an open cohort to match."""
    from mentoring.services import demo

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
    from mentoring.services import accounts, demo

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
