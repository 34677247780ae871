"""The skill catalogue as managers keep it: list by platform, add, rename, retire and bring back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from mentoring.catalogue import skill_key, slug
from mentoring.extensions import db
from mentoring.models import Goal, MentorSkill, Person, Skill
from mentoring.models.skills import COMPETENCY_MAX, PLATFORM_MAX, SKILL_KEY_MAX, SKILL_NAME_MAX
from mentoring.services import InvalidField, NotFound, unit_of_work
from mentoring.services.infra import audit


@dataclass(frozen=True)
class SkillRow:
    """A skill with how many mentors offer it and how many goals ask for it."""

    skill: Skill
    mentors: int
    goals: int


@dataclass(frozen=True)
class Platform:
    """One platform's skills, by name."""

    name: str
    skills: list[SkillRow]


def _tidy(text: str | None) -> str:
    return " ".join((text or "").split())


def catalogue() -> list[Platform]:
    """Every skill grouped by platform (platforms and skills by name), retired ones included."""
    mentors = dict(
        db.session.execute(
            select(MentorSkill.skill_id, func.count(MentorSkill.id)).group_by(MentorSkill.skill_id)
        ).all()
    )
    goals = dict(db.session.execute(select(Goal.skill_id, func.count(Goal.id)).group_by(Goal.skill_id)).all())
    groups: dict[str, list[SkillRow]] = {}
    for skill in db.session.execute(select(Skill).order_by(Skill.platform, Skill.name)).scalars():
        groups.setdefault(skill.platform, []).append(SkillRow(skill, mentors.get(skill.id, 0), goals.get(skill.id, 0)))
    return [Platform(name, rows) for name, rows in sorted(groups.items(), key=lambda item: item[0].lower())]


def platforms() -> list[str]:
    """The platforms in the catalogue, by name."""
    return sorted(db.session.execute(select(Skill.platform).distinct()).scalars(), key=str.lower)


def competencies() -> list[str]:
    """The competencies in the catalogue, by name."""
    return sorted(db.session.execute(select(Skill.competency).distinct()).scalars(), key=str.lower)


def get_skill(skill_id: int) -> Skill:
    """The skill with this id, or NotFound."""
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        raise NotFound("There is no such skill.")
    return skill


def _name_taken(name: str, except_id: int | None = None) -> Skill | None:
    query = select(Skill).where(func.lower(Skill.name) == name.lower())
    if except_id is not None:
        query = query.where(Skill.id != except_id)
    return db.session.execute(query).scalars().first()


def add_skill(manager: Person, platform: str, competency: str = "", name: str = "") -> Skill:
    """Add a skill: a platform with a competency, or a platform with a free name; the key is derived and unique."""
    platform, competency, name = _tidy(platform), _tidy(competency), _tidy(name)
    if not platform:
        raise InvalidField("platform", "Name the platform, such as LinkedIn or Threads.")
    if not competency and not name:
        raise InvalidField("competency", "Give a competency, or a name for the skill.")
    if len(platform) > PLATFORM_MAX:
        raise InvalidField("platform", f"Use at most {PLATFORM_MAX} characters.")
    competency = competency or name
    if len(competency) > COMPETENCY_MAX:
        raise InvalidField("competency", f"Use at most {COMPETENCY_MAX} characters.")
    name = name or f"{platform}: {competency}"
    if len(name) > SKILL_NAME_MAX:
        raise InvalidField("name", f"Use at most {SKILL_NAME_MAX} characters.")
    if not slug(platform) or not slug(competency):
        raise InvalidField("competency" if slug(platform) else "platform", "Use at least one letter or digit.")
    key = skill_key(platform, competency)[:SKILL_KEY_MAX]
    if _name_taken(name):
        raise InvalidField("name", f"A skill named {name!r} exists already.")
    clash = db.session.execute(select(Skill).where(Skill.key == key)).scalar_one_or_none()
    if clash is not None:
        raise InvalidField("competency", f"This skill exists already as {clash.name!r}.")
    # Another manager may add the same skill at the same moment: the unique key then answers as above.
    with unit_of_work(InvalidField("name", f"A skill named {name!r} exists already.")):
        skill = Skill(key=key, name=name, platform=platform, competency=competency, retired=False)
        db.session.add(skill)
        db.session.flush()
        audit.record("skill.added", actor=manager, object_type="skill", object_id=skill.id, detail=key)
    return skill


def rename_skill(manager: Person, skill_id: int, name: str) -> Skill:
    """Give a skill a new name; its key (used by mentors' skills, goals and exports) stays."""
    skill = get_skill(skill_id)
    name = _tidy(name)
    if not name:
        raise InvalidField("name", "Give the skill a name.")
    if len(name) > SKILL_NAME_MAX:
        raise InvalidField("name", f"Use at most {SKILL_NAME_MAX} characters.")
    if _name_taken(name, except_id=skill.id):
        raise InvalidField("name", f"A skill named {name!r} exists already.")
    with unit_of_work(InvalidField("name", f"A skill named {name!r} exists already.")):
        if name != skill.name:
            audit.record(
                "skill.renamed",
                actor=manager,
                object_type="skill",
                object_id=skill.id,
                detail=f"{skill.name} -> {name}",
            )
            skill.name = name
    return skill


def set_retired(manager: Person, skill_id: int, retired: bool) -> Skill:
    """Retire a skill (no longer offered for new choices; existing skills and goals keep it) or bring it back."""
    skill = get_skill(skill_id)
    if skill.retired != retired:
        skill.retired = retired
        audit.record(
            "skill.retired" if retired else "skill.unretired",
            actor=manager,
            object_type="skill",
            object_id=skill.id,
            detail=skill.key,
        )
    db.session.commit()
    return skill
