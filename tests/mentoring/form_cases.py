"""Every POST route as a browser uses it: who sends it, where, with which fields, after which preparation.

Shared by the extra-field, CSRF and stored-XSS tests. A body may read the page first (`shown`), so it carries
what the person currently sees, exactly as a browser would send the form back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO

from sqlalchemy import select, update

from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    FitCheck,
    Goal,
    Invitation,
    LeaderRequest,
    Match,
    MatchRun,
    Meeting,
    MentorEnrolment,
    MentorProfile,
    MentorSkill,
    PairRule,
    PeopleUpload,
    Person,
    RunJob,
    Skill,
    TokenPurpose,
    WaitlistEntry,
)
from mentoring.services.infra import tokens
from mentoring.services.usecases import matching_runs, people_import
from tests.conftest import DEFAULT_PASSWORD
from tests.mentoring.world import BRANDING, World, page_form

Body = Callable[[World, object], dict]


@dataclass(frozen=True)
class Case:
    """One form POST: who sends it, where, with which fields, after which preparation."""

    endpoint: str
    role: str
    path: Callable[[World], str]
    body: Body = lambda world, client: {}
    setup: Callable[[World], None] = lambda world: None
    prefix: Callable[[World], str] = lambda world: ""  # the form's field prefix, as in "propose-date"

    def token_field(self, world: World) -> str:
        """The name of the form's CSRF token field."""
        return f"{self.prefix(world)}csrf_token"

    def __str__(self) -> str:
        return self.endpoint


def shown(page: Callable[[World], str], field: str, **changed: object) -> Body:
    """The form of a page as the browser shows it (the person's current values), with some fields changed."""

    def body(world: World, client: object) -> dict:
        html = client.get(page(world)).get_data(as_text=True)  # type: ignore[attr-defined]
        return {**page_form(html, field), **changed}

    return body


def run_matching_in_open_cohort(world: World) -> None:
    """The manager has run the matching of the open cohort (so it is matched, with a run to publish)."""
    matching_runs.run_matching(world.open_cohort, world.manager)


def queue_a_run(world: World) -> None:
    """A matching run of the open cohort waits in the queue for a consumer (it holds the cohort's lock)."""
    now = datetime.now(UTC)
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == world.open_cohort)
        .values(run_token="queued", run_started_at=now, run_lease_until=now + timedelta(minutes=30))
    )
    db.session.add(
        RunJob(
            cohort_id=world.open_cohort, repair_of=[], requested_by_id=world.manager.id, token="queued", stage="queued"
        )
    )
    db.session.commit()


def queued_run_path(world: World) -> str:
    """The cancel button of the queued run."""
    job_id = db.session.execute(select(RunJob.id).where(RunJob.cohort_id == world.open_cohort)).scalar_one()
    db.session.rollback()
    return f"/programme/cohorts/{world.open_cohort}/jobs/{job_id}/cancel"


def drop_the_open_rule(world: World) -> None:
    """The open cohort's forbid is removed, so forbidding the pair again writes a row."""
    db.session.delete(db.session.get(PairRule, world.open_rule))
    db.session.commit()


def flag_the_pair(world: World) -> None:
    """The mentor said the pair is not a good fit."""
    check = db.session.execute(
        select(FitCheck).where(FitCheck.match_id == world.match, FitCheck.person_id == world.mentor.id)
    ).scalar_one()
    check.good_fit = False
    db.session.commit()


def latest_run_id(world: World) -> int:
    """The newest run of the open cohort."""
    return (
        db.session.execute(
            select(MatchRun.id).where(MatchRun.cohort_id == world.open_cohort).order_by(MatchRun.id.desc())
        )
        .scalars()
        .first()
    )


def link(purpose: TokenPurpose, role: str = "outsider") -> Callable[[World], str]:
    """The path of a one-time link of `purpose` for the role's person, issued once per scenario."""
    kinds = {TokenPurpose.RESET: "reset", TokenPurpose.VERIFY: "confirm", TokenPurpose.INVITE: "invitation"}

    def path(world: World) -> str:
        issued = world.__dict__.setdefault("links", {})
        if (purpose, role) not in issued:
            token = tokens.issue(world.person(role), purpose)
            db.session.commit()
            issued[purpose, role] = f"/auth/{kinds[purpose]}/{token}"
        return issued[purpose, role]

    return path


def invitation_of_outsider(world: World) -> int:
    """The outsider's invitation to the open cohort (made once per scenario)."""
    if "invitation" not in world.__dict__:
        invitation = Invitation(cohort_id=world.open_cohort, person_id=world.outsider.id, role="mentor")
        db.session.add(invitation)
        db.session.commit()
        world.__dict__["invitation"] = invitation.id
    return world.__dict__["invitation"]


def invitation_link(world: World) -> str:
    """A live invitation link of the outsider."""
    issued = world.__dict__.setdefault("links", {})
    if "invitation" not in issued:
        invitation_id = invitation_of_outsider(world)
        token = tokens.issue(world.outsider, TokenPurpose.INVITE, invitation_id=invitation_id)
        db.session.commit()
        issued["invitation"] = f"/auth/invitation/{token}"
    return issued["invitation"]


def unconfirmed_outsider(world: World) -> None:
    """The outsider registered under SELF_REGISTRATION=verified and has not confirmed yet."""
    db.session.get(Person, world.outsider.id).email_verified = False
    db.session.commit()


IN_TEN_DAYS = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
IMPORT_CSV = b"employee_id,name,email,grade\nH1,Hana Hr,hana.hr@example.com,4\nH2,Henk Hr,henk.hr@example.com,2\n"


class ReplayableFile(BytesIO):
    """An uploaded file's bytes that can be sent again: reading to the end rewinds it for the next request."""

    def read(self, size: int | None = -1) -> bytes:
        """Read as a file does; the empty read at the end rewinds."""
        chunk = super().read(size)
        if not chunk:
            self.seek(0)
        return chunk

    def close(self) -> None:
        """The test client closes what it sent: rewind instead, so the same bytes can go again."""
        self.seek(0)


def stage_import(world: World) -> None:
    """The manager has uploaded an HR file and is looking at its preview."""
    people_import.stage_upload(world.manager, "org.csv", IMPORT_CSV, False)


def staged_import(world: World) -> str:
    """The preview page of the kept HR file (uploaded again once imported, for forms sent many times)."""
    kept = db.session.execute(select(PeopleUpload.id)).scalars().first()
    if kept is None:
        stage_import(world)
        kept = db.session.execute(select(PeopleUpload.id)).scalar_one()
    return f"/programme/people/import/{kept}"


def import_digest(world: World) -> dict:
    """The commit form of the kept HR file's preview, as the page carries it."""
    upload_id = staged_import(world).rsplit("/", 1)[1]
    return {"digest": people_import.preview_upload(upload_id, world.manager)[1].digest}


TEN_DAYS_AGO = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
SPARE_MENTOR, LATE_JOINER = "sam.spare@example.com", "lia.late@example.com"


def _person_id(email: str) -> int:
    return db.session.execute(select(Person.id).where(Person.email == email)).scalar_one()


def add_spare_mentor(world: World) -> None:
    """A branding mentor with room in the published cohort: a replacement for the pair's mentor."""
    person = Person(
        name="Sam Spare",
        email=SPARE_MENTOR,
        is_mentor=True,
        department="Sales",
        grade=1,
        languages=["en"],
        formats=["remote"],
        timezone="Europe/London",
    )
    db.session.add(person)
    db.session.flush()
    profile = MentorProfile(person_id=person.id, capacity=1, hours_per_month=2, bio="")
    profile.skills = [MentorSkill(skill_id=skill_id(BRANDING), proficiency=5)]
    db.session.add_all([profile, MentorEnrolment(cohort_id=world.cohort, person_id=person.id)])
    db.session.commit()


def add_late_joiner(world: World) -> None:
    """A leader who asked in the published cohort after it was published."""
    person = Person(
        name="Lia Late",
        email=LATE_JOINER,
        is_leader=True,
        department="Finance",
        grade=6,
        languages=["en"],
        formats=["remote"],
        timezone="Europe/London",
    )
    db.session.add(person)
    db.session.flush()
    request = LeaderRequest(cohort_id=world.cohort, person_id=person.id, formats=["remote"])
    request.goals = [Goal(skill_id=skill_id(BRANDING), priority=3, target_level=3)]
    db.session.add(request)
    db.session.commit()


def add_waiting_leader(world: World) -> None:
    """The late joiner, on the cohort's waitlist."""
    add_late_joiner(world)
    db.session.add(WaitlistEntry(cohort_id=world.cohort, person_id=_person_id(LATE_JOINER), reason=""))
    db.session.commit()


CASES = [
    Case(
        "auth.register",
        "anonymous",
        lambda w: "/auth/register",
        lambda w, c: {
            "name": "New Person",
            "email": "new.person@example.com",
            "password": "a brand new pass phrase",
            "as_mentor": "y",
        },
    ),
    Case(
        "auth.login",
        "anonymous",
        lambda w: "/auth/login",
        lambda w, c: {"email": w.mentor.email, "password": DEFAULT_PASSWORD},
    ),
    Case("auth.logout", "mentor", lambda w: "/auth/logout"),
    Case("auth.forgot_password", "anonymous", lambda w: "/auth/forgot", lambda w, c: {"email": w.mentor.email}),
    Case(
        "auth.reset_password",
        "anonymous",
        link(TokenPurpose.RESET),
        lambda w, c: {"password": "a brand new pass phrase"},
    ),
    Case("auth.confirm_email", "anonymous", link(TokenPurpose.VERIFY), setup=unconfirmed_outsider),
    Case(
        "auth.accept_invitation",
        "anonymous",
        invitation_link,
        lambda w, c: {"password": "a brand new pass phrase"},
    ),
    Case(
        "programme.invite",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/invite",
        lambda w, c: {"role": "leader", "people": [str(w.outsider.id)]},
    ),
    Case(
        "programme.resend_invitation",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/invitations/{invitation_of_outsider(w)}/resend",
        setup=invitation_of_outsider,
    ),
    Case(
        "account.change_password",
        "mentor",
        lambda w: "/account/password",
        lambda w, c: {
            "current": DEFAULT_PASSWORD,
            "new": "another long pass phrase",
            "confirm": "another long pass phrase",
        },
    ),
    Case(
        "account.delete",
        "mentor",
        lambda w: "/account/delete",
        lambda w, c: {"password": DEFAULT_PASSWORD, "understood": "y"},
    ),
    Case(
        "mentors.profile",
        "mentor",
        lambda w: "/mentor/profile",
        shown(lambda w: "/mentor/profile", "bio", bio="Now on Threads too.", capacity="2"),
    ),
    Case(
        "leaders.request_mentor",
        "leader",
        lambda w: f"/leader/request?cohort={w.open_cohort}",
        shown(lambda w: f"/leader/request?cohort={w.open_cohort}", "achieve", achieve="A talk a month."),
    ),
    Case("leaders.withdraw_request", "leader", lambda w: f"/leader/request/{w.open_cohort}/withdraw"),
    Case(
        "sessions.record_past",
        "mentor",
        lambda w: f"/sessions/pair/{w.match}/record",
        lambda w, c: {
            "past-date": TEN_DAYS_AGO,
            "past-time": "10:00",
            "past-duration": "45",
            "past-format": "remote",
            "past-skills": str(skill_id(BRANDING)),
        },
        prefix=lambda w: "past-",
    ),
    Case(
        "sessions.propose",
        "mentor",
        lambda w: f"/sessions/pair/{w.match}/propose",
        lambda w, c: {
            "propose-date": IN_TEN_DAYS,
            "propose-time": "10:00",
            "propose-duration": "45",
            "propose-format": "remote",
            "propose-skills": str(skill_id(BRANDING)),
        },
        prefix=lambda w: "propose-",
    ),
    Case("sessions.accept", "leader", lambda w: f"/sessions/meeting/{w.meetings['proposed_by_mentor']}/accept"),
    Case("sessions.decline", "leader", lambda w: f"/sessions/meeting/{w.meetings['proposed_by_mentor']}/decline"),
    Case("sessions.cancel", "mentor", lambda w: f"/sessions/meeting/{w.meetings['accepted']}/cancel"),
    Case(
        "sessions.log",
        "mentor",
        lambda w: f"/sessions/meeting/{w.meetings['due']}/log",
        lambda w, c: {f"log-{w.meetings['due']}-outcome": "held"},
        prefix=lambda w: f"log-{w.meetings['due']}-",
    ),
    Case(
        "sessions.feedback",
        "mentor",
        lambda w: f"/sessions/meeting/{w.meetings['held']}/feedback",
        shown(
            lambda w: f"/sessions/meeting/{w.meetings['held']}/feedback",
            "what_worked",
            what_worked="Even better.",
            rating="5",
        ),
    ),
    Case(
        "sessions.fit_check",
        "leader",
        lambda w: f"/sessions/pair/{w.match}/fit",
        lambda w, c: {"fit-good_fit": "no"},
        prefix=lambda w: "fit-",
    ),
    Case(
        "programme.new_cohort",
        "manager",
        lambda w: "/programme/cohorts/new",
        lambda w, c: {"name": "Autumn 2029", "starts_on": "2029-09-01", "ends_on": "2030-01-31", "stall_days": "21"},
    ),
    Case(
        "programme.edit_cohort",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/edit",
        shown(lambda w: f"/programme/cohorts/{w.open_cohort}/edit", "stall_days", name="Renamed cohort"),
    ),
    Case(
        "programme.rules",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/rules",
        shown(lambda w: f"/programme/cohorts/{w.open_cohort}/rules", "objective", objective="score"),
    ),
    Case("programme.run_matching", "manager", lambda w: f"/programme/cohorts/{w.open_cohort}/run"),
    Case("programme.cancel_run", "manager", queued_run_path, setup=queue_a_run),
    Case(
        "programme.reopen_cohort",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/reopen",
        setup=run_matching_in_open_cohort,
    ),
    Case(
        "programme.publish",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/publish",
        lambda w, c: {"run_id": str(latest_run_id(w))},
        setup=run_matching_in_open_cohort,
    ),
    Case("programme.close_cohort", "manager", lambda w: f"/programme/cohorts/{w.cohort}/close"),
    # Changes to the published cohort: each proposes a run for review.
    Case(
        "programme.change_pair",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/changes/pairs/{w.match}",
        lambda w, c: {"reason": "Moved team.", "to_waitlist": "y"},
    ),
    Case(
        "programme.replace_mentor",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/changes/pairs/{w.match}/replace",
        lambda w, c: {"mentor_id": str(_person_id(SPARE_MENTOR))},
        setup=add_spare_mentor,
    ),
    Case(
        "programme.place_late_joiners",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/changes/late-joiners",
        setup=add_late_joiner,
    ),
    Case(
        "programme.offer_waitlist",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/changes/waitlist/offer",
        setup=add_waiting_leader,
    ),
    Case(
        "programme.remove_from_waitlist",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/changes/waitlist/{_person_id(LATE_JOINER)}/remove",
        setup=add_waiting_leader,
    ),
    Case(
        "programme.repair",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/repair",
        lambda w, c: {"match_ids": str(w.match)},
        setup=flag_the_pair,
    ),
    Case(
        "programme.add_pair_rule",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/pair-rules",
        lambda w, c: {"leader_id": str(w.leader.id), "mentor_id": str(w.mentor.id), "kind": "pin"},
    ),
    # Pins and forbids steer runs, so they are set in the open cohort (a published one refuses them).
    Case(
        "programme.pin_pair",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/pairs/{w.leader.id}/{w.mentor.id}/pin",
    ),
    Case(
        "programme.forbid_pair",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/pairs/{w.leader.id}/{w.mentor.id}/forbid",
        setup=drop_the_open_rule,
    ),
    Case(
        "programme.remove_pair_rule",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/pair-rules/{w.pin_rule}/delete",
    ),
    Case(
        "programme.add_skill",
        "manager",
        lambda w: "/programme/skills/new",
        lambda w, c: {"platform": "Threads", "competency": "Writing posts", "name": ""},
    ),
    Case(
        "programme.edit_skill",
        "manager",
        lambda w: f"/programme/skills/{w.skill}",
        lambda w, c: {"name": "Renamed skill"},
    ),
    Case("programme.retire_skill", "manager", lambda w: f"/programme/skills/{w.skill}/retire"),
    Case(
        "programme.unretire_skill",
        "manager",
        lambda w: f"/programme/skills/{w.skill}/unretire",
        setup=lambda w: _retire(w.skill),
    ),
    Case(
        "programme.person_roles",
        "manager",
        lambda w: f"/programme/people/{w.outsider.id}/roles",
        lambda w, c: {f"p{w.outsider.id}-mentor": "y"},
        prefix=lambda w: f"p{w.outsider.id}-",
    ),
    Case("programme.disable_person", "manager", lambda w: f"/programme/people/{w.outsider.id}/disable"),
    Case(
        "programme.enable_person",
        "manager",
        lambda w: f"/programme/people/{w.outsider.id}/enable",
        setup=lambda w: _disable(w.outsider.id),
    ),
    Case(
        "programme.import_upload",
        "manager",
        lambda w: "/programme/people/import",
        lambda w, c: {"file": (ReplayableFile(IMPORT_CSV), "org.csv")},
    ),
    Case(
        "programme.import_commit",
        "manager",
        lambda w: staged_import(w) + "/commit",
        shown(staged_import, "digest"),
        setup=stage_import,
    ),
    Case("programme.import_discard", "manager", lambda w: staged_import(w) + "/discard", setup=stage_import),
    Case(
        "health.send_nudges", "manager", lambda w: f"/programme/health/{w.cohort}/nudges", setup=lambda w: _age_pairs(w)
    ),
    Case("health.request_export", "manager", lambda w: f"/programme/health/{w.cohort}/exports/graphml"),
    Case(
        "programme.start_choice",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/choice/start",
        lambda w, c: {"deadline": IN_TEN_DAYS},
    ),
    Case(
        "programme.refresh_choice",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/choice/refresh",
        setup=lambda w: _start_choice(w, enrol_other_after=True),
    ),
    Case(
        "programme.close_choice",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/choice/close",
        setup=lambda w: _start_choice(w),
    ),
    Case(
        "leaders.pick_mentor",
        "leader",
        lambda w: f"/leader/choose/{w.open_cohort}/{w.other_mentor.id}",
        setup=lambda w: _start_choice(w),
    ),
    Case(
        "mentors.accept_choice",
        "other_mentor",
        lambda w: f"/mentor/choices/{_picked(w)}/accept",
        setup=lambda w: _start_choice(w, pick=True),
    ),
    Case(
        "mentors.decline_choice",
        "other_mentor",
        lambda w: f"/mentor/choices/{_picked(w)}/decline",
        setup=lambda w: _start_choice(w, pick=True),
    ),
]


def _start_choice(world: World, enrol_other_after: bool = False, pick: bool = False) -> None:
    """The open cohort runs as "leaders choose"; the other mentor, with a place free, is enrolled (after the start,
    if asked); `pick`: the leader has picked them."""
    from mentoring.models import MentorEnrolment, MentorProfile
    from mentoring.services.usecases import leader_choice

    db.session.execute(update(MentorProfile).where(MentorProfile.person_id == world.other_mentor.id).values(capacity=2))

    def enrol() -> None:
        db.session.add(MentorEnrolment(cohort_id=world.open_cohort, person_id=world.other_mentor.id))
        db.session.commit()

    if not enrol_other_after:
        enrol()
    leader_choice.start(world.manager, world.open_cohort, datetime.now(UTC) + timedelta(days=10))
    if enrol_other_after:
        enrol()
    if pick:
        leader_choice.choose(world.leader, world.open_cohort, world.other_mentor.id)


def _picked(world: World) -> int:
    from mentoring.models import MentorChoice

    return db.session.execute(select(MentorChoice.id).order_by(MentorChoice.id.desc())).scalars().first()


def skill_id(key: str) -> int:
    """The id of the skill with this key."""
    return db.session.execute(select(Skill.id).where(Skill.key == key)).scalar_one()


def _retire(skill_id: int) -> None:
    db.session.get(Skill, skill_id).retired = True
    db.session.commit()


def _disable(person_id: int) -> None:
    db.session.get(Person, person_id).is_active = False
    db.session.commit()


def _age_pairs(world: World) -> None:
    """Both pairs were published long ago and met long ago: stalled, so nudges are due."""
    long_ago = datetime.now(UTC) - timedelta(days=120)
    db.session.execute(update(Match).values(published_at=long_ago))
    db.session.execute(update(Meeting).where(Meeting.status != "proposed").values(starts_at=long_ago))
    db.session.commit()
