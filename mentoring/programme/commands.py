"""`flask --app mentoring match COHORT`: run the optimiser from the terminal and print a summary."""

from __future__ import annotations

import click

from mentoring.services import ServiceError


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
    from mentoring.services import cohorts, matching_runs, run_review

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
