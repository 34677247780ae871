"""Flask commands: seed-demo, create-manager, match, backup."""

from __future__ import annotations

import click
from flask import Flask

from mentoring.services import ServiceError


def register_commands(app: Flask) -> None:
    """Attach the project's commands to `flask --app mentoring`."""
    app.cli.add_command(create_manager_command)


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
