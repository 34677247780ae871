"""A person's own data: download all of it as JSON, or delete the account.

The download holds what the site keeps about the person, and of other people only the name of
each pair's other person. Deleting removes the person's row; the database's ON DELETE rules then
remove everything that belongs to them (profile, requests, pairs and their sessions, feedback,
fit checks, notifications, login sessions) and clear references that belong to others
(who ran a match, who proposed a session). The other person of each pair is told by email.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import (
    AuditEvent,
    Cohort,
    Feedback,
    FitCheck,
    LeaderRequest,
    LoginAttempt,
    LoginSession,
    Match,
    MatchRun,
    Meeting,
    MentorEnrolment,
    MentorProfile,
    Notification,
    Person,
    Skill,
)
from mentoring.services import Conflict
from mentoring.services.infra import audit, mail
from mentoring.services.infra.passwords import verify_password
from mentoring.services.readmodels import review_loads
from mentoring.services.usecases.accounts import WrongPassword, account_key, lock_managers

EXPORT_FORMAT = "reverse-mentoring personal data, version 1"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _skill_names() -> dict[int, tuple[str, str]]:
    return {row.id: (row.key, row.name) for row in db.session.execute(select(Skill.id, Skill.key, Skill.name))}


def _cohort_names() -> dict[int, str]:
    return {row.id: row.name for row in db.session.execute(select(Cohort.id, Cohort.name))}


def _profile(person: Person) -> dict[str, Any]:
    manager = person.manager.name if person.manager is not None else person.manager_external_id
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "roles": person.roles,
        "active": person.is_active,
        "external_id": person.external_id,
        "department": person.department,
        "grade": person.grade,
        "manager": manager,
        "location": person.location,
        "timezone": person.timezone,
        "languages": list(person.languages or []),
        "formats": list(person.formats or []),
        "created_at": _when(person.created_at),
    }


def _mentor_profile(person: Person, skills: dict[int, tuple[str, str]]) -> dict[str, Any] | None:
    profile = db.session.execute(select(MentorProfile).where(MentorProfile.person_id == person.id)).scalar_one_or_none()
    if profile is None:
        return None
    return {
        "capacity": profile.capacity,
        "hours_per_month": profile.hours_per_month,
        "bio": profile.bio,
        "updated_at": _when(profile.updated_at),
        "skills": [
            {"skill": skills[s.skill_id][0], "name": skills[s.skill_id][1], "proficiency": s.proficiency}
            for s in profile.skills
        ],
    }


def _requests(person: Person, skills: dict[int, tuple[str, str]], cohorts: dict[int, str]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(LeaderRequest).where(LeaderRequest.person_id == person.id).order_by(LeaderRequest.id)
    ).scalars()
    return [
        {
            "cohort": cohorts.get(r.cohort_id),
            "achieve": r.achieve,
            "about_me": r.about_me,
            "formats": list(r.formats or []),
            "mentors_wanted": r.mentors_wanted,
            "created_at": _when(r.created_at),
            "updated_at": _when(r.updated_at),
            "goals": [
                {
                    "skill": skills[g.skill_id][0],
                    "name": skills[g.skill_id][1],
                    "priority": g.priority_label,
                    "target_level": g.target_level,
                }
                for g in r.goals
            ],
        }
        for r in rows
    ]


def _matches(person: Person) -> list[Match]:
    query = select(Match).where(or_(Match.leader_id == person.id, Match.mentor_id == person.id)).order_by(Match.id)
    return list(db.session.execute(query).scalars())


def _match_entry(match: Match, person: Person, cohorts: dict[int, str]) -> dict[str, Any]:
    return {
        "id": match.id,
        "cohort": cohorts.get(match.cohort_id),
        "your_role": "leader" if match.leader_id == person.id else "mentor",
        "other_person": match.other(person.id).name,  # the name only: the rest is theirs
        "status": match.status,
        "score": match.score,
        "reasons": match.reasons,
        "published_at": _when(match.published_at),
        "ended_at": _when(match.ended_at),
    }


def _who(person_id: int | None, me: int) -> str | None:
    if person_id is None:
        return None
    return "you" if person_id == me else "the other person"


def _sessions(match_ids: list[int], me: int, skills: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
    if not match_ids:
        return []
    rows = db.session.execute(select(Meeting).where(Meeting.match_id.in_(match_ids)).order_by(Meeting.id)).scalars()
    return [
        {
            "id": m.id,
            "pair": m.match_id,
            "starts_at": _when(m.starts_at),
            "duration_minutes": m.duration_minutes,
            "format": m.format,
            "skills": [skills[s][0] for s in m.skills or [] if s in skills],
            "status": m.status,
            "proposed_by": _who(m.proposed_by_id, me),
            "proposed_at": _when(m.proposed_at),
            "answered_by": _who(m.answered_by_id, me),
            "answered_at": _when(m.answered_at),
            "cancelled_by": _who(m.cancelled_by_id, me),
            "logged_at": _when(m.logged_at),
        }
        for m in rows
    ]


def _feedback(person: Person) -> list[dict[str, Any]]:
    rows = db.session.execute(select(Feedback).where(Feedback.author_id == person.id).order_by(Feedback.id)).scalars()
    return [
        {
            "session": f.meeting_id,
            "rating": f.rating,
            "what_worked": f.what_worked,
            "try_next": f.try_next,
            "shared_with": f.visibility,
            "private_note": f.private_note,
            "created_at": _when(f.created_at),
        }
        for f in rows
    ]


def _fit_checks(person: Person) -> list[dict[str, Any]]:
    rows = db.session.execute(select(FitCheck).where(FitCheck.person_id == person.id).order_by(FitCheck.id)).scalars()
    return [{"pair": f.match_id, "good_fit": f.good_fit, "answered_at": _when(f.answered_at)} for f in rows]


def _notifications(person: Person) -> list[dict[str, Any]]:
    query = select(Notification).where(Notification.person_id == person.id).order_by(Notification.id)
    return [
        {
            "kind": n.kind,
            "to": n.to_address,
            "subject": n.subject,
            "body": n.body,
            "created_at": _when(n.created_at),
            "sent_at": _when(n.sent_at),
        }
        for n in db.session.execute(query).scalars()
    ]


def _login_sessions(person: Person) -> list[dict[str, Any]]:
    query = select(LoginSession).where(LoginSession.person_id == person.id).order_by(LoginSession.id)
    # Never the token or its hash: a download must not be usable to sign in.
    return [
        {
            "created_at": _when(s.created_at),
            "last_seen_at": _when(s.last_seen_at),
            "ended_at": _when(s.revoked_at),
            "ip": s.ip,
            "browser": s.user_agent,
        }
        for s in db.session.execute(query).scalars()
    ]


def _activity(person: Person) -> list[dict[str, Any]]:
    query = select(AuditEvent).where(AuditEvent.actor_id == person.id).order_by(AuditEvent.id)
    return [
        {"at": _when(e.at), "action": e.action, "object": f"{e.object_type}:{e.object_id}".strip(":"), "ip": e.ip}
        for e in db.session.execute(query).scalars()
    ]


def export_data(person: Person, now: datetime | None = None) -> dict[str, Any]:
    """Everything kept about `person`, as plain JSON-ready data; the export itself is audited."""
    skills, cohorts = _skill_names(), _cohort_names()
    matches = _matches(person)
    enrolments = db.session.execute(
        select(MentorEnrolment).where(MentorEnrolment.person_id == person.id).order_by(MentorEnrolment.id)
    ).scalars()
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": _when(now or utcnow()),
        "profile": _profile(person),
        "mentor_profile": _mentor_profile(person, skills),
        "mentor_cohorts": [{"cohort": cohorts.get(e.cohort_id), "joined_at": _when(e.joined_at)} for e in enrolments],
        "leader_requests": _requests(person, skills, cohorts),
        "pairs": [_match_entry(m, person, cohorts) for m in matches],
        "sessions": _sessions([m.id for m in matches], person.id, skills),
        "feedback_given": _feedback(person),
        "fit_checks": _fit_checks(person),
        "emails_to_you": _notifications(person),
        "sign_ins": _login_sessions(person),
        "activity": _activity(person),
    }
    audit.record_now("account.exported", actor=person, object_type="person", object_id=person.id)
    return data


def _other_active_managers(person: Person) -> int:
    # Under a lock of every manager row, so two last managers cannot both leave at once.
    return sum(1 for manager in lock_managers(person) if manager.id != person.id)


def _inform_counterparts(person: Person, matches: list[Match], cohorts: dict[int, str]) -> int:
    """Queue one email to each other person of the pairs that end; returns how many people."""
    told: set[int] = set()
    stamp = secrets.token_hex(4)  # ids can be reused after a delete; the occasion must stay unique
    for match in matches:
        other = match.other(person.id)
        if other.id in told:
            continue
        told.add(other.id)
        role = "leader" if match.leader_id == person.id else "mentor"
        body = (
            f"Hello {other.name},\n\n"
            f"{person.name}, your {role} in the reverse-mentoring programme ({cohorts.get(match.cohort_id)}), "
            "has closed their account, so your pair has ended and its sessions are removed.\n\n"
            "The programme team can find you a new pair: reply to them or sign in to see what is next.\n"
        )
        # No match_id: the pair's rows are deleted with the account, and this email must survive them.
        mail.queue(
            f"account-deleted:{person.id}:{other.id}:{stamp}",
            "account_deleted",
            other,
            "Your reverse-mentoring pair has ended",
            body,
        )
    return len(told)


def _forget_in_match_runs(person_id: int) -> None:
    """Drop the person from stored run results (JSON lists of ids that no foreign key covers)."""
    runs = db.session.execute(select(MatchRun)).scalars()
    for run in runs:
        unmatched = [u for u in run.unmatched or [] if u.get("leader_id") != person_id]
        loads = [x for x in run.mentor_loads or [] if x.get("mentor_id") != person_id]
        changed = unmatched != (run.unmatched or []) or loads != (run.mentor_loads or [])
        if unmatched != (run.unmatched or []):
            run.unmatched = unmatched
        if loads != (run.mentor_loads or []):
            run.mentor_loads = loads
        if changed and review_loads.SUMMARY_KEY in (run.stats or {}):  # the review page's summary follows
            run.stats = {**run.stats, review_loads.SUMMARY_KEY: review_loads.load_summary(loads, unmatched)}


def delete_account(person: Person, password: str) -> int:
    """Delete `person` and their data after checking their password, and email each pair's other person."""
    if not verify_password(person.password_hash, password):
        raise WrongPassword("Your password is not right.")
    if person.is_manager and _other_active_managers(person) == 0:
        raise Conflict("You are the only programme manager: make someone else a manager before you leave.")
    person_id, key = person.id, account_key(person.email)
    cohorts = _cohort_names()
    informed = _inform_counterparts(person, _matches(person), cohorts)
    _forget_in_match_runs(person_id)
    # The audit trail stays, but without the name and email of someone who has left.
    db.session.execute(
        update(AuditEvent).where(AuditEvent.actor_id == person_id).values(actor_label=f"deleted person #{person_id}")
    )
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.account == key))
    # ON DELETE CASCADE / SET NULL on every foreign key to person.id does the rest (foreign_keys=ON on SQLite).
    db.session.execute(delete(Person).where(Person.id == person_id))
    audit.record(
        "account.deleted",
        object_type="person",
        object_id=person_id,
        detail=f"{informed} other person(s) of their pairs told by email",
    )
    db.session.commit()
    mail.deliver_soon()
    return informed
