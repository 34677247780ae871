"""A cohort at company scale, loaded straight into the tables: for `make bench-web` and the query-count tests.

The people come from `matching.generate` (departments, grades, offices, languages, goals, skills and
reporting lines); rows go in with bulk INSERTs, a few statements per table, so 25,000 people load in
seconds. `fake_run` stands in for a solver run (each leader takes the next free mentor), and
`add_sessions` gives published pairs some history, so every page has something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from matching.generate import generate
from mentoring.catalogue import skill_key
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    Feedback,
    Goal,
    LeaderRequest,
    Match,
    MatchRun,
    Meeting,
    MentorEnrolment,
    MentorProfile,
    MentorSkill,
    Person,
    RunPair,
    Skill,
)
from mentoring.services.usecases import health_summary

# The generator's names for platforms and languages -> the catalogue's and the site's.
PLATFORM_NAMES = {"Teams": "Microsoft Teams", "Blogs and podcasts": "Blogs"}
LANGUAGE_CODES = {
    "English": "en",
    "French": "fr",
    "German": "de",
    "Spanish": "es",
    "Portuguese": "pt",
    "Hindi": "hi",
    "Mandarin": "zh",
    "Arabic": "ar",
    "Italian": "it",
    "Polish": "pl",
}


@dataclass(frozen=True)
class CompanyCohort:
    """What `load_cohort` created."""

    cohort_id: int
    leader_ids: list[int]
    mentor_ids: list[int]


def _skill_id(name: str, skill_ids: dict[str, int]) -> int | None:
    platform, _, competency = name.partition(": ")
    key = skill_key(PLATFORM_NAMES.get(platform, platform), competency)
    return skill_ids.get(key)


def _person_row(item: dict[str, Any], tag: str, role: str, password_hash: str | None, now: datetime) -> dict:
    number = item["id"][1:]
    manager = item.get("manager") or ""
    return {
        "name": f"{'Leader' if role == 'leader' else 'Mentor'} {number} {tag}",
        "email": f"{role}{number}.{tag}@company.example",
        "password_hash": password_hash,
        "is_leader": role == "leader",
        "is_mentor": role == "mentor",
        "is_manager": False,
        "is_active": True,
        "external_id": f"{tag}-{item['id']}",
        "manager_id": None,
        "manager_external_id": f"{tag}-{manager}" if manager else None,
        "department": item["department"],
        "grade": int(item["grade"]),
        "location": item.get("location"),
        "timezone": item.get("timezone"),
        "languages": [LANGUAGE_CODES.get(x, "en") for x in item.get("languages", [])],
        "formats": list(item.get("formats", [])),
        "created_at": now,
    }


def _ids_by_external(tag: str) -> dict[str, int]:
    query = select(Person.external_id, Person.id).where(Person.external_id.like(f"{tag}-%"))
    return dict(db.session.execute(query).all())


def load_cohort(
    leaders: int, mentors: int, seed: int = 0, name: str | None = None, password_hash: str | None = None
) -> CompanyCohort:
    """An open cohort of generated leaders and mentors, inserted in bulk and committed."""
    now = utcnow()
    tag = f"c{seed}x{leaders}"
    data = generate(leaders, mentors, seed=seed)
    skill_ids = dict(db.session.execute(select(Skill.key, Skill.id)).all())
    cohort = Cohort(name=name or f"Company {leaders} ({tag})", status="open", rules={"time_limit_s": 60})
    db.session.add(cohort)
    db.session.flush()
    people = [_person_row(x, tag, "leader", password_hash, now) for x in data["leaders"]]
    people += [_person_row(x, tag, "mentor", password_hash, now) for x in data["mentors"]]
    db.session.execute(insert(Person), people)
    ids = _ids_by_external(tag)
    leader_ids = [ids[f"{tag}-{x['id']}"] for x in data["leaders"]]
    mentor_ids = [ids[f"{tag}-{x['id']}"] for x in data["mentors"]]
    requests = [
        {
            "cohort_id": cohort.id,
            "person_id": pid,
            "achieve": "Post on LinkedIn every week.",
            "about_me": "",
            "formats": list(x.get("formats", [])),
            "mentors_wanted": int(x.get("mentors_wanted", 1)),
            "created_at": now,
            "updated_at": now,
        }
        for pid, x in zip(leader_ids, data["leaders"], strict=True)
    ]
    if requests:
        db.session.execute(insert(LeaderRequest), requests)
    request_ids = dict(
        db.session.execute(
            select(LeaderRequest.person_id, LeaderRequest.id).where(LeaderRequest.cohort_id == cohort.id)
        ).all()
    )
    goals = []
    for pid, x in zip(leader_ids, data["leaders"], strict=True):
        seen: set[int] = set()
        for goal in x.get("goals", []):
            skill = _skill_id(goal["skill"], skill_ids)
            if skill is not None and skill not in seen:
                seen.add(skill)
                goals.append(
                    {
                        "request_id": request_ids[pid],
                        "skill_id": skill,
                        "priority": goal["priority"],
                        "target_level": goal["level"],
                    }
                )
    if goals:
        db.session.execute(insert(Goal), goals)
    _load_mentors(cohort.id, mentor_ids, data["mentors"], skill_ids, now)
    db.session.commit()
    return CompanyCohort(cohort.id, leader_ids, mentor_ids)


def _load_mentors(
    cohort_id: int, mentor_ids: list[int], items: list[dict[str, Any]], skill_ids: dict[str, int], now: datetime
) -> None:
    if not mentor_ids:
        return
    profiles = [
        {
            "person_id": pid,
            "capacity": int(x["capacity"]),
            "hours_per_month": 2,
            "bio": "I post daily.",
            "updated_at": now,
        }
        for pid, x in zip(mentor_ids, items, strict=True)
    ]
    db.session.execute(insert(MentorProfile), profiles)
    profile_ids = dict(
        db.session.execute(
            select(MentorProfile.person_id, MentorProfile.id).where(
                MentorProfile.person_id.between(min(mentor_ids), max(mentor_ids))
            )
        ).all()
    )
    skills = []
    for pid, x in zip(mentor_ids, items, strict=True):
        chosen: dict[int, int] = {}
        for name, level in x.get("skills", {}).items():
            skill = _skill_id(name, skill_ids)
            if skill is not None:
                chosen[skill] = level
        skills += [{"profile_id": profile_ids[pid], "skill_id": s, "proficiency": lv} for s, lv in chosen.items()]
    if skills:
        db.session.execute(insert(MentorSkill), skills)
    enrolments = [{"cohort_id": cohort_id, "person_id": pid, "joined_at": now} for pid in mentor_ids]
    db.session.execute(insert(MentorEnrolment), enrolments)


def fake_run(company: CompanyCohort, run_by_id: int | None = None) -> int:
    """A successful run without the solver: each leader gets the next mentor with a free place; returns its id."""
    capacities = dict(
        db.session.execute(
            select(MentorProfile.person_id, MentorProfile.capacity).where(
                MentorProfile.person_id.in_(
                    select(MentorEnrolment.person_id).where(MentorEnrolment.cohort_id == company.cohort_id)
                )
            )
        ).all()
    )
    free = [pid for pid in company.mentor_ids for _ in range(capacities.get(pid, 0))]
    pairs = list(zip(company.leader_ids, free, strict=False))
    now = utcnow()
    run = MatchRun(
        cohort_id=company.cohort_id,
        run_by_id=run_by_id,
        kind="full",
        started_at=now,
        finished_at=now,
        status="optimal",
        matched=len(pairs),
        total_score=float(len(pairs)),
        stats={"seconds": 0, "leaders": len(company.leader_ids), "mentors": len(company.mentor_ids)},
        unmatched=[
            {"leader_id": pid, "reason": "no mentor has a free place", "unfilled": 1}
            for pid in company.leader_ids[len(pairs) :]
        ],
        mentor_loads=[],
    )
    load: dict[int, int] = {}
    for _, mentor in pairs:
        load[mentor] = load.get(mentor, 0) + 1
    run.mentor_loads = [
        {"mentor_id": m, "load": load.get(m, 0), "capacity": capacities.get(m, 0)} for m in company.mentor_ids
    ]
    db.session.add(run)
    db.session.flush()
    reasons = [{"criterion": "goal_coverage", "points": 1.0}]
    rows = [
        {"run_id": run.id, "leader_id": leader, "mentor_id": mentor, "score": 1.0, "pinned": False, "reasons": reasons}
        for leader, mentor in pairs
    ]
    if rows:
        db.session.execute(insert(RunPair), rows)
    cohort = db.session.get(Cohort, company.cohort_id)
    cohort.status = "matched"
    db.session.commit()
    return run.id


def add_sessions(cohort_id: int, per_pair: int = 2, seed: int = 0) -> int:
    """Held sessions with both sides' ratings for the cohort's active pairs, in bulk; returns how many."""
    rng = random.Random(seed)
    matches = db.session.execute(
        select(Match.id, Match.leader_id, Match.mentor_id, Match.published_at).where(
            Match.cohort_id == cohort_id, Match.status == "active"
        )
    ).all()
    skill_ids = list(db.session.execute(select(Skill.id).order_by(Skill.id)).scalars())
    meetings = []
    for match_id, leader_id, mentor_id, published_at in matches:
        for k in range(rng.randint(0, per_pair)):
            starts = published_at + timedelta(days=7 * (k + 1), hours=rng.randint(8, 17))
            proposed = starts - timedelta(days=5)
            meetings.append(
                {
                    "match_id": match_id,
                    "proposed_by_id": mentor_id,
                    "starts_at": starts,
                    "duration_minutes": 60,
                    "format": "remote",
                    "skills": [rng.choice(skill_ids)],
                    "status": "held",
                    "proposed_at": proposed,
                    "answered_at": proposed + timedelta(hours=rng.randint(1, 48)),
                    "answered_by_id": leader_id,
                    "logged_at": starts + timedelta(hours=2),
                }
            )
    if meetings:
        db.session.execute(insert(Meeting), meetings)
        held = db.session.execute(
            select(Meeting.id, Match.leader_id, Match.mentor_id)
            .join(Match, Match.id == Meeting.match_id)
            .where(Match.cohort_id == cohort_id)
        ).all()
        feedback = [
            {"meeting_id": mid, "author_id": author, "rating": rng.randint(2, 5), "visibility": "pair"}
            for mid, leader, mentor in held
            for author in (leader, mentor)
        ]
        db.session.execute(insert(Feedback), feedback)
    db.session.commit()
    health_summary.cohorts_changed([cohort_id])  # written in bulk: no ORM flush to watch
    return len(meetings)
