"""The CLOCK setting: the app's notion of "now", which the browser test moves forward instead of waiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask

from mentoring.database import utcnow

LATER = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)


def test_without_a_clock_setting_now_is_the_system_time(app: Flask) -> None:
    """Given no CLOCK, utcnow is the real time, timezone-aware."""
    before = datetime.now(UTC)
    now = utcnow()
    assert before <= now <= datetime.now(UTC) + timedelta(seconds=1)
    assert now.tzinfo is not None


def test_a_clock_setting_is_what_the_app_reads_as_now(make_app: Callable[..., Flask]) -> None:
    """Given an app built with CLOCK, inside it utcnow answers from that clock, and outside it from the system."""
    app = make_app(CLOCK=lambda: LATER)
    with app.app_context():
        assert utcnow() == LATER
    assert utcnow() != LATER
