"""Fixtures the site's tests share beyond tests/conftest.py, available to every module here by name:
published pairs and their sessions (session_fixtures), a cohort whose best pairs are known
(programme_fixtures), and the scenario that spans every route (world)."""

from tests.mentoring.programme_fixtures import programme
from tests.mentoring.session_fixtures import add_fit, add_meeting, make_pair
from tests.mentoring.world import world

__all__ = ["add_fit", "add_meeting", "make_pair", "programme", "world"]
