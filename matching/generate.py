"""Realistic synthetic problems: popular platforms, departments, grades, reporting trees, languages, zones."""

from __future__ import annotations

import random
from typing import Any

PLATFORMS = (  # (name, relative popularity)
    ("LinkedIn", 30),
    ("Instagram", 12),
    ("YouTube", 10),
    ("TikTok", 9),
    ("X", 8),
    ("Viva Engage", 8),
    ("Teams", 7),
    ("Facebook", 6),
    ("Slack", 5),
    ("Blogs and podcasts", 5),
)
COMPETENCIES = (
    ("personal branding", 14),
    ("writing posts", 14),
    ("short video", 9),
    ("analytics", 8),
    ("community and engagement", 10),
    ("etiquette", 7),
    ("privacy and safety", 8),
    ("AI tools", 10),
)
DEPARTMENTS = (
    ("Sales", 16),
    ("Operations", 14),
    ("Technology", 13),
    ("Marketing", 9),
    ("Finance", 8),
    ("Customer Service", 10),
    ("People", 6),
    ("Legal", 4),
    ("Communications", 4),
    ("Research", 7),
    ("Procurement", 4),
    ("Strategy", 3),
)
OFFICES = (  # (location, IANA zone, local language, weight)
    ("London", "Europe/London", "English", 24),
    ("Manchester", "Europe/London", "English", 8),
    ("Paris", "Europe/Paris", "French", 10),
    ("Berlin", "Europe/Berlin", "German", 9),
    ("Madrid", "Europe/Madrid", "Spanish", 6),
    ("New York", "America/New_York", "English", 12),
    ("Chicago", "America/Chicago", "English", 6),
    ("Sao Paulo", "America/Sao_Paulo", "Portuguese", 5),
    ("Mumbai", "Asia/Kolkata", "Hindi", 8),
    ("Singapore", "Asia/Singapore", "English", 7),
    ("Sydney", "Australia/Sydney", "English", 5),
)
EXTRA_LANGUAGES = ("Spanish", "French", "German", "Mandarin", "Arabic", "Portuguese", "Italian", "Polish")


def _pick(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(table, weights=[row[-1] for row in table])[0]


def _skill(rng: random.Random) -> str:
    return f"{_pick(rng, PLATFORMS)[0]}: {_pick(rng, COMPETENCIES)[0]}"


def _languages(rng: random.Random, local: str) -> list[str]:
    langs = [local]
    if local != "English" and rng.random() < 0.85:
        langs.append("English")
    if rng.random() < 0.25:
        extra = rng.choice(EXTRA_LANGUAGES)
        if extra not in langs:
            langs.append(extra)
    return langs


def _formats(rng: random.Random) -> list[str]:
    roll = rng.random()
    return ["remote"] if roll < 0.45 else ["in-person"] if roll < 0.55 else ["remote", "in-person"]


def _place(rng: random.Random) -> dict[str, Any]:
    location, zone, local, _ = _pick(rng, OFFICES)
    return {"location": location, "timezone": zone, "languages": _languages(rng, local), "formats": _formats(rng)}


def _leaders(rng: random.Random, n: int, heads: dict[str, str], two_share: float) -> list[dict[str, Any]]:
    leaders: list[dict[str, Any]] = []
    by_dept: dict[str, list[str]] = {}
    for k in range(1, n + 1):
        dept = _pick(rng, DEPARTMENTS)[0]
        peers = by_dept.setdefault(dept, [])
        boss = rng.choice(peers) if peers and rng.random() < 0.6 else heads[dept]
        goals, used = [], set()
        for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4))):
            skill = _skill(rng)
            if skill not in used:
                used.add(skill)
                goals.append(
                    {"skill": skill, "priority": rng.choice((1, 2, 2, 3)), "level": rng.choice((2, 3, 3, 4, 4, 5))}
                )
        leader = {
            "id": f"L{k}",
            "department": dept,
            "grade": rng.choice((6, 7, 7, 8, 8, 9, 10, 11, 12)),
            "manager": boss,
        }
        leader.update(_place(rng))
        leader["goals"] = goals
        if rng.random() < two_share:
            leader["mentors_wanted"] = 2
        leaders.append(leader)
        peers.append(leader["id"])
    return leaders


def _mentors(rng: random.Random, m: int, leaders: list[dict[str, Any]], org: dict[str, str]) -> list[dict[str, Any]]:
    mentors = []
    line_managers: list[str] = []
    for k in range(1, m + 1):
        dept = _pick(rng, DEPARTMENTS)[0]
        if not line_managers or rng.random() < 0.15:
            manager_id = f"P{len(line_managers) + 1}"
            bosses = [x for x in leaders if x["department"] == dept] or leaders
            org[manager_id] = rng.choice(bosses)["id"] if bosses else "CEO"
            line_managers.append(manager_id)
        skills: dict[str, int] = {}
        for _ in range(rng.randint(3, 10)):
            skills[_skill(rng)] = rng.choice((2, 3, 3, 4, 4, 4, 5, 5))
        mentor = {
            "id": f"M{k}",
            "department": dept,
            "grade": rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6)),
            "manager": rng.choice(line_managers[-20:]),
        }
        mentor.update(_place(rng))
        mentor["skills"] = skills
        mentor["capacity"] = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        mentors.append(mentor)
    return mentors


def generate(leaders: int, mentors: int, seed: int = 0, two_mentor_share: float = 0.0) -> dict[str, Any]:
    """A synthetic Problem in its JSON form; the same arguments always give the same instance."""
    rng = random.Random(seed)
    org: dict[str, str] = {}
    heads = {}
    for dept, _ in DEPARTMENTS:
        heads[dept] = f"H-{dept.replace(' ', '-')}"
        org[heads[dept]] = "CEO"
    people = _leaders(rng, leaders, heads, two_mentor_share)
    helpers = _mentors(rng, mentors, people, org)
    earlier = [x["id"] for x in helpers]
    history = []
    if earlier:
        for leader in rng.sample(people, k=len(people) // 20):
            history.append({"leader": leader["id"], "mentor": rng.choice(earlier)})
    forbidden = []
    if earlier:
        for leader in rng.sample(people, k=len(people) // 100):
            forbidden.append({"leader": leader["id"], "mentor": rng.choice(earlier)})
    return {
        "version": 1,
        "leaders": people,
        "mentors": helpers,
        "org": org,
        "forbidden": forbidden,
        "pinned": [],
        "history": history,
        "rules": {"objective": "coverage"},
    }
