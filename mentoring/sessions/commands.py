"""The `send-nudges` command: run it from cron (e.g. hourly); each nudge goes out once per occasion."""

from __future__ import annotations

from datetime import UTC, datetime

import click


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
    from mentoring.services import ServiceError, nudges

    try:
        report = nudges.send_due_nudges(now=_parse_now(now_text), cohort_id=cohort_id)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Nudges queued: {report.stalled} stalled, {report.unanswered} unanswered, "
               f"{report.feedback} feedback; emails delivered: {report.delivered}.")
