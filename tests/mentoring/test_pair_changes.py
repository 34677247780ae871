"""Changes after publish: end a pair, replace a mentor, late joiners and the waitlist, each reviewed then published."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Match, MatchRun, Notification, WaitlistEntry, WaitlistStatus
from mentoring.services import Conflict, ServiceError
from mentoring.services.usecases import matching_runs, pair_changes, pair_rules, publishing
from mentoring.services.usecases.people import Details
from mentoring.services.usecases.profiles import MentorOffer, save_mentor_profile
from tests.conftest import login
from tests.mentoring.programme_fixtures import BRANDING, VIDEO, active_pairs, flashes

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def live(programme, make_leader):
    """A published cohort (Lena-Ada, Leo-Ben, Lou-Cy) where Wes, who speaks only German, is on the waitlist."""
    programme.wes = make_leader(programme.cohort, goals=[(BRANDING, 3, 4)], name="Wes Waiting", languages=["de"])
    matching_runs.run_matching(programme.cohort.id, programme.manager)
    publishing.publish(programme.manager, programme.cohort.id)
    return programme


def _match(cohort_id: int, leader_id: int) -> Match:
    query = select(Match).where(Match.cohort_id == cohort_id, Match.leader_id == leader_id, Match.status == "active")
    return db.session.execute(query).scalar_one()


def _emails(run: MatchRun) -> dict[int, str]:
    rows = db.session.execute(
        select(Notification.person_id, Notification.body).where(Notification.occasion.like(f"repaired:{run.id}:%"))
    )
    return dict(rows.all())


def _waiting(cohort_id: int) -> set[int]:
    query = select(WaitlistEntry.person_id).where(
        WaitlistEntry.cohort_id == cohort_id, WaitlistEntry.status == WaitlistStatus.WAITING
    )
    return set(db.session.execute(query).scalars())


def test_an_unmatched_leader_is_on_the_waitlist_after_publishing(live):
    assert _waiting(live.cohort.id) == {live.wes.id}


def test_ending_a_pair_is_reviewed_then_published_and_both_are_told_why(live):
    # Given Lena's pair with Ada
    cohort_id, lena, ada = live.cohort.id, live.leaders[0], live.mentors[0]
    match = _match(cohort_id, lena.id)
    # When the manager proposes ending it, with a reason, Lena going to the waitlist
    run = pair_changes.propose_end(live.manager, cohort_id, match.id, "Lena moved to another role.", True)
    # Then nothing changed yet: it is a change to review
    assert run.kind == "repair" and run.stats["change"] == "end" and not run.pairs
    assert (lena.id, ada.id) in active_pairs(cohort_id)
    # When it is published
    result = publishing.publish(live.manager, cohort_id, run_id=run.id)
    # Then the pair ended, both were told the reason, and Lena waits for a new mentor
    assert result.ended == 1 and (lena.id, ada.id) not in active_pairs(cohort_id)
    bodies = _emails(run)
    assert set(bodies) == {lena.id, ada.id}
    assert all("Lena moved to another role." in body for body in bodies.values())
    assert "waitlist" in bodies[lena.id]
    assert lena.id in _waiting(cohort_id)


def test_ending_a_pair_needs_a_reason_and_an_active_pair(live):
    match = _match(live.cohort.id, live.leaders[0].id)
    with pytest.raises(ServiceError, match="why"):
        pair_changes.propose_end(live.manager, live.cohort.id, match.id, "  ", False)
    run = pair_changes.propose_end(live.manager, live.cohort.id, match.id, "Done.", False)
    publishing.publish(live.manager, live.cohort.id, run_id=run.id)
    with pytest.raises(Conflict, match="ended"):
        pair_changes.propose_end(live.manager, live.cohort.id, match.id, "Again.", False)
    assert live.leaders[0].id not in _waiting(live.cohort.id)


def test_replacement_candidates_are_the_best_three_with_room_that_keep_every_rule(live, make_mentor):
    # Given four more branding mentors: two good, one weaker, one full, one from Lena's own department
    cohort = live.cohort
    strong = make_mentor(cohort=cohort, skill_levels={BRANDING: 5}, name="Sam Strong")
    good = make_mentor(cohort=cohort, skill_levels={BRANDING: 4}, name="Gil Good")
    weak = make_mentor(cohort=cohort, skill_levels={BRANDING: 2}, name="Wyn Weak")
    same_department = make_mentor(cohort=cohort, skill_levels={BRANDING: 5}, name="Fay Finance", department="Finance")
    full = make_mentor(cohort=cohort, skill_levels={BRANDING: 5}, name="Flo Full")
    db.session.add(Match(cohort_id=cohort.id, leader_id=live.leaders[1].id, mentor_id=full.id, status="active"))
    db.session.commit()
    match = _match(cohort.id, live.leaders[0].id)
    # When the manager asks for replacements for Lena's mentor
    candidates = pair_changes.replacement_candidates(cohort.id, match.id)
    # Then three mentors come back, best first, each with reasons; never the full one, her department or Ada
    names = [c.mentor.name for c in candidates]
    assert set(names[:2]) == {"Sam Strong", "Gil Good"} and len(names) == 3
    assert names[2] == "Wyn Weak"
    assert candidates[0].score >= candidates[1].score >= candidates[2].score
    assert all(any(r["criterion"] == "goals" for r in c.reasons) for c in candidates)
    assert not {full.name, same_department.name, live.mentors[0].name} & set(names)
    assert {strong.id, good.id, weak.id} == {c.mentor.id for c in candidates}


def test_replacing_a_mentor_publishes_the_new_pair_and_tells_all_three(live, make_mentor):
    cohort_id, lena, ada = live.cohort.id, live.leaders[0], live.mentors[0]
    sam = make_mentor(cohort=live.cohort, skill_levels={BRANDING: 5}, name="Sam Strong")
    match = _match(cohort_id, lena.id)
    run = pair_changes.propose_replacement(live.manager, cohort_id, match.id, sam.id)
    assert [(p.leader_id, p.mentor_id) for p in run.pairs] == [(lena.id, sam.id)]
    publishing.publish(live.manager, cohort_id, run_id=run.id)
    pairs = active_pairs(cohort_id)
    assert (lena.id, sam.id) in pairs and (lena.id, ada.id) not in pairs
    assert set(_emails(run)) == {lena.id, ada.id, sam.id}


def test_a_replacement_must_be_one_of_the_proposed_mentors(live, make_mentor):
    # Ben teaches video and has no room: he is not a candidate for Lena
    match = _match(live.cohort.id, live.leaders[0].id)
    with pytest.raises(Conflict, match="no longer among"):
        pair_changes.propose_replacement(live.manager, live.cohort.id, match.id, live.mentors[1].id)


def test_late_joiners_are_matched_against_spare_capacity_with_everyone_else_kept(live, make_mentor, make_leader):
    # Given a leader who asked after publishing, and a mentor with room
    cohort_id = live.cohort.id
    before = active_pairs(cohort_id)
    late = make_leader(live.cohort, goals=[(VIDEO, 3, 3)], name="Lia Late")
    vera = make_mentor(cohort=live.cohort, skill_levels={VIDEO: 4}, name="Vera Video")
    assert [r.person_id for r in pair_changes.late_joiners(cohort_id)] == [late.id]
    # When the manager proposes pairs for late joiners and publishes them
    run = pair_changes.propose_late_joiners(live.manager, cohort_id)
    assert [(p.leader_id, p.mentor_id) for p in run.pairs] == [(late.id, vera.id)]
    publishing.publish(live.manager, cohort_id, run_id=run.id)
    # Then the late joiner has a mentor, every earlier pair is as it was, and both were told
    assert active_pairs(cohort_id) == before | {(late.id, vera.id)}
    assert set(_emails(run)) == {late.id, vera.id}
    assert pair_changes.late_joiners(cohort_id) == []


def test_a_late_joiner_nobody_can_take_goes_to_the_waitlist(live, make_leader):
    late = make_leader(live.cohort, goals=[(VIDEO, 3, 3)], name="Lia Late")
    run = pair_changes.propose_late_joiners(live.manager, live.cohort.id)
    assert not run.pairs and [u["leader_id"] for u in run.unmatched] == [late.id]
    publishing.publish(live.manager, live.cohort.id, run_id=run.id)
    assert late.id in _waiting(live.cohort.id)
    assert "waitlist" in _emails(run)[late.id]


def test_a_pair_ending_offers_its_mentor_to_the_waitlist_for_approval(live, make_leader):
    # Given Wes waits (German only); Ada now speaks German too
    cohort_id, ada = live.cohort.id, live.mentors[0]
    ada.languages = ["en", "de"]
    db.session.commit()
    match = _match(cohort_id, live.leaders[0].id)
    # When Lena's pair with Ada ends
    run = pair_changes.propose_end(live.manager, cohort_id, match.id, "Lena left the company.", False)
    publishing.publish(live.manager, cohort_id, run_id=run.id)
    # Then an offer of Ada to Wes is proposed, not published
    offer = db.session.execute(select(MatchRun).order_by(MatchRun.id.desc()).limit(1)).scalar_one()
    assert offer.id != run.id and offer.stats["change"] == "waitlist"
    assert [(p.leader_id, p.mentor_id) for p in offer.pairs] == [(live.wes.id, ada.id)]
    assert (live.wes.id, ada.id) not in active_pairs(cohort_id)
    # When the manager approves it by publishing
    publishing.publish(live.manager, cohort_id, run_id=offer.id)
    # Then Wes has Ada and is off the waitlist
    assert (live.wes.id, ada.id) in active_pairs(cohort_id)
    assert live.wes.id not in _waiting(cohort_id)


def test_a_mentor_raising_capacity_offers_them_to_the_waitlist(live):
    # Given Ada speaks German and has no room; Wes waits
    ada = live.mentors[0]
    ada.languages = ["en", "de"]
    db.session.commit()
    runs_before = db.session.execute(select(MatchRun.id)).scalars().all()
    # When Ada raises her capacity to 2
    details = Details(
        name=ada.name,
        department=ada.department,
        grade=ada.grade,
        location=None,
        timezone=ada.timezone,
        languages=["en", "de"],
        formats=["remote"],
    )
    save_mentor_profile(ada, details, MentorOffer(2, 2, "Bio", {s.skill_id: s.proficiency for s in _skills(ada)}))
    # Then an offer of Ada to Wes waits for the manager's review
    offer = db.session.execute(select(MatchRun).order_by(MatchRun.id.desc()).limit(1)).scalar_one()
    assert offer.id not in runs_before and offer.stats["change"] == "waitlist"
    assert [(p.leader_id, p.mentor_id) for p in offer.pairs] == [(live.wes.id, ada.id)]


def _skills(person):
    from mentoring.models import MentorProfile

    profile = db.session.execute(select(MentorProfile).where(MentorProfile.person_id == person.id)).scalar_one()
    return profile.skills


def test_no_offer_when_nobody_can_be_placed(live):
    # Nobody speaks German, so raising no capacity and offering finds nothing: no run is stored
    assert pair_changes.offer_when_room(live.cohort.id) is None
    assert all(run.stats.get("change") != "waitlist" for run in db.session.execute(select(MatchRun)).scalars())


def test_pin_and_forbid_are_for_runs_not_published_pairs(live, client):
    lena, ada = live.leaders[0], live.mentors[0]
    with pytest.raises(Conflict, match="Changes"):
        pair_rules.set_pair_rule(live.manager, live.cohort.id, lena.id, ada.id, "forbid")
    login(client, live.manager)
    page = client.get(f"/programme/cohorts/{live.cohort.id}/review").get_data(as_text=True)
    assert ">Pin<" not in page and ">Forbid<" not in page and "next run" not in page
    assert f"/programme/cohorts/{live.cohort.id}/changes" in page


def test_the_changes_pages_walk_an_end_through_review_to_publish(live, client, make_mentor):
    cohort_id, lena = live.cohort.id, live.leaders[0]
    make_mentor(cohort=live.cohort, skill_levels={BRANDING: 5}, name="Sam Strong")
    match = _match(cohort_id, lena.id)
    login(client, live.manager)
    listing = client.get(f"/programme/cohorts/{cohort_id}/changes").get_data(as_text=True)
    assert "Wes Waiting" in listing and "Lena Lead with Ada Brand" in listing
    assert "Lena Lead" in client.get(f"/programme/cohorts/{cohort_id}/changes?q=lena").get_data(as_text=True)
    pair_page = client.get(f"/programme/cohorts/{cohort_id}/changes/pairs/{match.id}").get_data(as_text=True)
    assert "Propose Sam Strong" in pair_page and "Goals: +" in pair_page
    # An empty reason keeps the page with a message
    empty = client.post(f"/programme/cohorts/{cohort_id}/changes/pairs/{match.id}", data={"reason": ""})
    assert empty.status_code == 200 and "Say why the pair ends" in empty.get_data(as_text=True)
    done = client.post(
        f"/programme/cohorts/{cohort_id}/changes/pairs/{match.id}",
        data={"reason": "Moved team.", "to_waitlist": "y"},
        follow_redirects=True,
    )
    assert any("Ending the pair is proposed" in text for text in flashes(done.get_data(as_text=True)))
    review = done.get_data(as_text=True)
    assert "Publish this change" in review and "End the pair of Lena Lead with Ada Brand" in review
    run = db.session.execute(select(MatchRun).order_by(MatchRun.id.desc()).limit(1)).scalar_one()
    client.post(f"/programme/cohorts/{cohort_id}/publish", data={"run_id": str(run.id)})
    assert (lena.id, live.mentors[0].id) not in active_pairs(cohort_id)


def test_replacing_through_the_pages(live, client, make_mentor):
    cohort_id, lena = live.cohort.id, live.leaders[0]
    sam = make_mentor(cohort=live.cohort, skill_levels={BRANDING: 5}, name="Sam Strong")
    match = _match(cohort_id, lena.id)
    login(client, live.manager)
    url = f"/programme/cohorts/{cohort_id}/changes/pairs/{match.id}/replace"
    bad = client.post(url, data={"mentor_id": "abc"}, follow_redirects=True)
    assert any("Choose one of the proposed mentors" in t for t in flashes(bad.get_data(as_text=True)))
    done = client.post(url, data={"mentor_id": str(sam.id)}, follow_redirects=True)
    assert "Replace Ada Brand as mentor of Lena Lead with Sam Strong" in done.get_data(as_text=True)
