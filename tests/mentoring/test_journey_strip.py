"""The "what happens next" strip on the home page: each step done, the next one linked, the rest to come."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.conftest import login


def steps_of(html: str) -> list[tuple[str, str]]:
    """(state, title) of each step of the first journey strip on the page."""
    strip = html[html.index('class="journey"') :]
    strip = strip[: strip.index("</nav>")]
    return re.findall(r'<li class="(done|now|later)".*?<strong>([^<]+)</strong>', strip, flags=re.S)


def test_a_new_mentor_is_pointed_at_their_profile(client, make_person):
    # Given a mentor who has not filled in a profile
    mentor = make_person(is_mentor=True)
    login(client, mentor)
    # When they open the home page
    html = client.get("/").get_data(as_text=True)
    # Then the first step is the one to do, with a link to the profile, and nothing is marked done
    assert steps_of(html) == [
        ("now", "Your profile"),
        ("later", "Matched"),
        ("later", "First session"),
        ("later", "Feedback"),
    ]
    assert 'href="/mentor/profile"' in html and 'aria-current="step"' in html


def test_a_paired_leader_with_a_held_session_is_asked_for_feedback(client, make_pair, add_meeting):
    # Given a leader with a published pair and a held session, without feedback of their own yet
    pair = make_pair()
    add_meeting(pair, datetime(2027, 2, 1, 10, tzinfo=UTC), status="held", ratings={"mentor": 5})
    login(client, pair.leader)
    # When they open the home page
    html = client.get("/").get_data(as_text=True)
    # Then goals, match and first session are done, and feedback is next
    assert steps_of(html) == [
        ("done", "Your goals"),
        ("done", "Matched"),
        ("done", "First session"),
        ("now", "Feedback"),
    ]
