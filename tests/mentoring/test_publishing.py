"""Publishing: all pairs or none, once; re-pairing changes only the flagged people's pairs."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from mentoring.extensions import db
from mentoring.models import AuditEvent, Cohort, Match, MatchRun, Notification
from mentoring.services import Conflict
from mentoring.services.usecases import matching_runs, publishing
from tests.mentoring.programme_fixtures import (
    BRANDING,
    active_pairs,
    notification_count,
    outbox_count,
    say_not_a_good_fit,
)

pytestmark = pytest.mark.usefixtures("app")


def match_count() -> int:
    return db.session.execute(select(func.count(Match.id))).scalar_one()


@pytest.fixture
def matched(programme):
    """The programme after a successful run, ready to publish."""
    matching_runs.run_matching(programme.cohort.id, programme.manager)
    return programme


def test_publish_makes_every_pair_a_match_and_tells_everyone_once(app, matched):
    # When the manager publishes the reviewed run
    run = db.session.execute(select(MatchRun)).scalar_one()
    result = publishing.publish(matched.manager, matched.cohort.id, run_id=run.id)
    # Then every proposed pair is an active Match, the cohort is published and six people were emailed
    expected = {(leader.id, mentor.id) for leader, mentor in zip(matched.leaders, matched.mentors, strict=True)}
    assert active_pairs(matched.cohort.id) == expected
    cohort = db.session.get(Cohort, matched.cohort.id)
    assert cohort.status == "published" and cohort.published_at is not None
    assert (result.created, result.emails, result.already) == (3, 6, False)
    assert notification_count() == 6 and outbox_count(app) == 6
    occasions = set(db.session.execute(select(Notification.occasion)).scalars())
    assert f"published:{cohort.id}:{matched.leaders[0].id}" in occasions
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "cohort.published")).scalar_one()


def test_publishing_twice_creates_no_duplicates_and_sends_no_second_email(app, matched):
    # Given the cohort was published
    publishing.publish(matched.manager, matched.cohort.id)
    # When the manager publishes again
    again = publishing.publish(matched.manager, matched.cohort.id)
    # Then nothing new exists and no email went out twice
    assert again.already and again.created == 0
    assert match_count() == 3 and notification_count() == 6 and outbox_count(app) == 6


def test_two_simultaneous_publishes_publish_once(app, make_app, matched):
    # Given two managers press "publish" at the same moment, served by two workers (two apps, two engines)
    workers, barrier, results, errors = [make_app(), make_app()], threading.Barrier(2), [], []
    cohort_id = matched.cohort.id
    db.session.commit()  # this test's own session holds no transaction while the two requests run

    def press_publish(worker) -> None:
        with worker.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(publishing.publish(None, cohort_id))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=press_publish, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then one published and the other found it done: three Matches, six emails
    db.session.expire_all()
    assert not errors, errors
    assert sorted(result.already for result in results) == [False, True]
    assert match_count() == 3 and notification_count() == 6 and outbox_count(app) == 6


def _refuse_inserts(table: str, column: str, value: int) -> list[str]:
    """A database trigger refusing one row of `table`: a genuine failure in the middle of publishing."""
    if db.engine.dialect.name == "sqlite":
        return [
            f'CREATE TRIGGER refuse_row BEFORE INSERT ON "{table}" WHEN NEW.{column} = {value} '
            "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
        ]
    return [
        "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.{column} = {value} THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$",
        f'CREATE TRIGGER refuse_row BEFORE INSERT ON "{table}" FOR EACH ROW EXECUTE FUNCTION refuse_row()',
    ]


@pytest.fixture
def refuse_row():
    """Install a refusing trigger for the test, and always remove it afterwards."""
    installed: list[str] = []

    def install(table: str, column: str, value: int) -> None:
        for statement in _refuse_inserts(table, column, value):
            db.session.execute(text(statement))
        db.session.commit()
        installed.append(table)

    yield install
    db.session.rollback()
    for table in installed:
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("DROP TRIGGER IF EXISTS refuse_row"))
        else:
            db.session.execute(text(f'DROP TRIGGER IF EXISTS refuse_row ON "{table}"'))
            db.session.execute(text("DROP FUNCTION IF EXISTS refuse_row()"))
    db.session.commit()


@pytest.mark.parametrize("where", ["the last leader's match", "the last person's email"])
def test_a_failure_part_way_leaves_nothing_published(app, matched, refuse_row, where):
    # Given the database will refuse one row late in the publish: the third pair, or the last of six emails
    last_leader = max(leader.id for leader in matched.leaders)
    last_person = max(p.id for p in matched.leaders + matched.mentors)
    if where == "the last leader's match":
        refuse_row("match", "leader_id", last_leader)
    else:
        refuse_row("notification", "person_id", last_person)
    # When the manager publishes
    with pytest.raises(Conflict, match="nothing was published"):
        publishing.publish(matched.manager, matched.cohort.id)
    # Then nothing was published: no Match, no email, the cohort still matched and publishable
    db.session.expire_all()
    assert match_count() == 0 and notification_count() == 0 and outbox_count(app) == 0
    cohort = db.session.get(Cohort, matched.cohort.id)
    assert cohort.status == "matched" and cohort.published_at is None
    assert not db.session.execute(select(MatchRun)).scalar_one().stats.get("published_at")


def test_a_person_disabled_after_the_run_stops_the_publish(matched):
    matched.mentors[1].is_active = False
    db.session.commit()
    with pytest.raises(Conflict, match="Ben Video"):
        publishing.publish(matched.manager, matched.cohort.id)
    assert match_count() == 0 and db.session.get(Cohort, matched.cohort.id).status == "matched"


def test_only_the_reviewed_run_is_published(matched):
    # Given the manager reviewed run 1 while a colleague ran the matching again
    first = db.session.execute(select(MatchRun)).scalar_one()
    matching_runs.run_matching(matched.cohort.id, matched.manager)
    # When they publish what they reviewed
    with pytest.raises(Conflict, match="newer"):
        publishing.publish(matched.manager, matched.cohort.id, run_id=first.id)
    # Then nothing is published
    assert match_count() == 0


@pytest.fixture
def published(programme, make_mentor, make_leader):
    """A published cohort with a leader nobody could take, and a mentor who joined after publishing."""
    waiting = make_leader(programme.cohort, goals=[(BRANDING, 3, 4)], name="Wes Waiting", languages=["de"])
    matching_runs.run_matching(programme.cohort.id, programme.manager)
    publishing.publish(programme.manager, programme.cohort.id)
    programme.spare = make_mentor(cohort=programme.cohort, skill_levels={BRANDING: 3}, name="Dee Spare")
    programme.waiting = waiting
    return programme


def _match(cohort_id: int, leader_id: int) -> Match:
    return db.session.execute(
        select(Match).where(Match.cohort_id == cohort_id, Match.leader_id == leader_id, Match.status == "active")
    ).scalar_one()


def test_repairing_changes_only_the_flagged_peoples_pairs(app, published):
    # Given a published cohort where Lena said her pair with Ada is not a good fit
    cohort_id = published.cohort.id
    lena, ada, dee = published.leaders[0], published.mentors[0], published.spare
    assert published.waiting.id not in {leader for leader, _ in active_pairs(cohort_id)}
    before = {(m.id, m.leader_id, m.mentor_id) for m in db.session.execute(select(Match)).scalars()}
    flagged = _match(cohort_id, lena.id)
    say_not_a_good_fit(flagged, lena.id)
    emails_before = notification_count()
    # When the manager re-pairs that pair and publishes the change
    run = matching_runs.run_repair(cohort_id, [flagged.id], published.manager)
    assert run.kind == "repair"
    assert {(p.leader_id, p.mentor_id) for p in run.pairs if not p.pinned} == {(lena.id, dee.id)}
    result = publishing.publish(published.manager, cohort_id, run_id=run.id)
    # Then Lena's old pair ended, she has Dee instead, and every other pair is the very same row as before
    db.session.expire_all()
    old = db.session.get(Match, flagged.id)
    assert old.status == "ended" and old.ended_at is not None
    after = {
        (m.id, m.leader_id, m.mentor_id) for m in db.session.execute(select(Match)).scalars() if m.status == "active"
    }
    unchanged = {row for row in before if row[0] != flagged.id}
    assert unchanged <= after and {(leader, mentor) for _, leader, mentor in after - unchanged} == {(lena.id, dee.id)}
    # And the waiting leader, who was not flagged, is still waiting
    assert published.waiting.id not in {leader for leader, _ in active_pairs(cohort_id)}
    # And only the affected people heard of it: Lena, Ada and Dee
    assert (result.ended, result.created) == (1, 1)
    recipients = set(
        db.session.execute(
            select(Notification.person_id).where(Notification.occasion.like(f"repaired:{run.id}:%"))
        ).scalars()
    )
    assert recipients == {lena.id, ada.id, dee.id} and notification_count() == emails_before + 3
    # And publishing the change again does nothing more
    assert publishing.publish(published.manager, cohort_id).already
    assert notification_count() == emails_before + 3


def test_a_repair_needs_flagged_pairs_of_the_cohort(published):
    not_flagged = _match(published.cohort.id, published.leaders[1].id)
    with pytest.raises(Conflict, match="attention list"):
        matching_runs.run_repair(published.cohort.id, [not_flagged.id], published.manager)
    cohort = db.session.get(Cohort, published.cohort.id)
    assert cohort.run_token is None


def test_a_repair_never_offers_the_flagged_pair_again(published):
    # Given Lena's pair is flagged and no other mentor has room
    cohort_id = published.cohort.id
    lena = published.leaders[0]
    published.spare.is_active = False
    db.session.commit()
    flagged = _match(cohort_id, lena.id)
    say_not_a_good_fit(flagged, published.mentors[0].id)
    # When the manager re-pairs it
    run = matching_runs.run_repair(cohort_id, [flagged.id], published.manager)
    # Then Lena is left without a mentor rather than given Ada again
    assert lena.id in {u["leader_id"] for u in run.unmatched}
    assert (lena.id, published.mentors[0].id) not in {(p.leader_id, p.mentor_id) for p in run.pairs}
