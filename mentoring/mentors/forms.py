"""Mentor forms: the profile with the "about you" fields, the offer, skills and cohorts."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import Field, IntegerField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from mentoring.forms import AboutYouFields, BaseForm, LevelField, MultiCheckboxField, choices
from mentoring.models import Cohort, MentorProfile, Skill
from mentoring.models.profiles import BIO_MAX

LEVEL_LABELS = {0: "–", 1: "1 basic", 2: "2", 3: "3 confident", 4: "4", 5: "5 expert"}


class MentorProfileForm(AboutYouFields, BaseForm):
    """A mentor's details, offer, skills and cohorts; skill fields are added per catalogue by `profile_form`."""

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
    cohorts = MultiCheckboxField(
        "Cohorts you take part in",
        coerce=int,
        choices=[],
        invalid_choice_message="That cohort is no longer open for sign-up. Reload the page.",
        description="Only cohorts open for sign-up are listed; untick one to leave it.",
    )
    submit = SubmitField("Save my profile")

    def fill_offer(self, profile: MentorProfile | None, cohort_ids: set[int]) -> None:
        """Show the mentor's current offer, skill levels and cohorts in the fields."""
        if profile is not None:
            self.capacity.data, self.hours_per_month.data, self.bio.data = (
                profile.capacity,
                profile.hours_per_month,
                profile.bio,
            )
            levels = {item.skill_id: item.proficiency for item in profile.skills}
            for skill_id, level_field in self.skill_fields().items():
                level_field.data = levels.get(skill_id, 0)
        self.cohorts.data = sorted(cohort_ids)

    def skill_fields(self) -> dict[int, Field]:
        """Skill id -> its level field."""
        return {int(f.name.removeprefix("skill_")): f for f in self if f.name.startswith("skill_")}

    def skill_levels(self) -> dict[int, int]:
        """Skill id -> chosen level (0 = none)."""
        return {skill_id: f.data or 0 for skill_id, f in self.skill_fields().items()}


def profile_form(skills: Iterable[Skill], cohorts: Iterable[Cohort], **kwargs: object) -> MentorProfileForm:
    """A mentor profile form with one 0..5 level field per offered skill and the open cohorts to choose."""
    form_class = type("MentorProfileFormWithSkills", (MentorProfileForm,), {})
    for skill in skills:
        setattr(
            form_class,
            f"skill_{skill.id}",
            LevelField(
                skill.name, low=0, high=5, labels=LEVEL_LABELS, default=0, message="Choose a level from 0 (none) to 5."
            ),
        )
    form = form_class(**kwargs)
    form.cohorts.choices = choices((c.id, c.name) for c in cohorts)
    return form
