"""Mentor forms: the profile with the "about you" fields, the offer, skills and cohorts."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import FieldList, Form, FormField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from mentoring.forms import AboutYouFields, BaseForm, LevelField, MultiCheckboxField, choices
from mentoring.models import Cohort, MentorProfile, Skill
from mentoring.models.profiles import BIO_MAX

LEVEL_LABELS = {1: "1 basic", 2: "2", 3: "3 confident", 4: "4", 5: "5 expert"}
SKILL_ROWS_MAX = 120  # more than the catalogue offers; bounds what a posted form can make the page build


NO_SKILL = 0
EMPTY_ROWS = 3  # empty skill rows below the mentor's skills; "Add more rows" adds as many again


def _skill_id(value: object) -> int:
    """The posted skill id; an empty choice means "no skill in this row"."""
    if value in (None, ""):
        return NO_SKILL
    return int(value)  # type: ignore[arg-type]


class SkillRowForm(Form):
    """One row of the skills: platform and skill (one select, grouped by platform) and the level 1..5."""

    skill = SelectField(
        "Platform and skill",
        coerce=_skill_id,
        choices=[],
        default=NO_SKILL,
        invalid_value_message="Choose a skill from the list.",
        invalid_choice_message="Choose a skill from the list.",
    )
    level = LevelField("Your level", low=1, high=5, labels=LEVEL_LABELS, default=3)


class MentorProfileForm(AboutYouFields, BaseForm):
    """A mentor's details, offer, skills (rows of skill and level) and cohorts."""

    capacity = LevelField(
        "How many leaders can you mentor at once?",
        low=1,
        high=3,
        default=1,
        message="Choose 1, 2 or 3 leaders.",
        description="Across all cohorts. Lowering it never ends a pair you have: it only stops new leaders "
        "until you mentor fewer than this.",
    )
    hours_per_month = IntegerField(
        "Hours a month",
        validators=[InputRequired("Enter a number of hours."), NumberRange(1, 40, "Give a number from 1 to 40.")],
        default=4,
        description="Time you can give each month, all your leaders together.",
    )
    bio = TextAreaField(
        "A short bio",
        validators=[Length(max=BIO_MAX)],
        description=f"What you do online and what you enjoy teaching (up to {BIO_MAX} characters). "
        "Your leaders see it.",
    )
    skills = FieldList(FormField(SkillRowForm), min_entries=EMPTY_ROWS, max_entries=SKILL_ROWS_MAX)
    more_rows = SubmitField("Add more rows")
    cohorts = MultiCheckboxField(
        "Cohorts you take part in",
        coerce=int,
        choices=[],
        invalid_choice_message="That cohort is no longer open for sign-up. Reload the page.",
        description="Only cohorts open for sign-up are listed; untick one to leave it.",
    )
    submit = SubmitField("Save my profile")

    def set_skills(self, skills: Iterable[Skill], extra_rows: int = 0) -> None:
        """Offer these skills in every row (grouped by platform), with `extra_rows` more empty rows."""
        for _ in range(extra_rows):
            if len(self.skills) < SKILL_ROWS_MAX:
                self.skills.append_entry()
        options = [SelectChoice(value=NO_SKILL, label="— no skill —")]
        options += [SelectChoice(value=s.id, label=s.name, optgroup=s.platform) for s in skills]
        for number, row in enumerate(self.skills, start=1):
            row.skill.choices = options
            row.skill.label.text = f"Skill {number}: platform and skill"
            row.level.label.text = f"Skill {number}: your level"

    def validate(self, extra_validators: dict | None = None) -> bool:
        """The fields' own checks, then: each skill in one row only."""
        ok = super().validate(extra_validators=extra_validators)
        seen: set[int] = set()
        for row in self.skills:
            if row.skill.data and row.skill.data in seen:
                row.skill.errors = [*row.skill.errors, "You chose this skill in another row too. Choose it once."]
                ok = False
            seen.add(row.skill.data)
        return ok

    def fill_offer(self, profile: MentorProfile | None, cohort_ids: set[int]) -> None:
        """Show the mentor's current offer, skills (one row each, then empty rows) and cohorts in the fields."""
        current = [item for item in profile.skills if not item.skill.retired] if profile is not None else []
        if profile is not None:
            self.capacity.data, self.hours_per_month.data, self.bio.data = (
                profile.capacity,
                profile.hours_per_month,
                profile.bio,
            )
        while len(self.skills) < len(current) + EMPTY_ROWS:
            self.skills.append_entry()
        for row, item in zip(self.skills, current, strict=False):
            row.skill.data, row.level.data = item.skill_id, item.proficiency
        self.cohorts.data = sorted(cohort_ids)

    def skill_levels(self) -> dict[int, int]:
        """Skill id -> chosen level, for each row with a skill."""
        return {row.skill.data: row.level.data for row in self.skills if row.skill.data}


def profile_form(
    skills: Iterable[Skill], cohorts: Iterable[Cohort], extra_rows: int = 0, **kwargs: object
) -> MentorProfileForm:
    """A mentor profile form offering these skills in its rows and the open cohorts to choose."""
    form = MentorProfileForm(**kwargs)
    form.set_skills(skills, extra_rows)
    form.cohorts.choices = choices((c.id, c.name) for c in cohorts)
    return form
