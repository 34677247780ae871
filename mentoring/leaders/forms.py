"""Leader forms: the request for a mentor with learning goals."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import FieldList, Form, FormField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from mentoring.forms import AboutYouFields, BaseForm, LevelField, choices
from mentoring.models import LeaderRequest, Skill
from mentoring.models.profiles import PRIORITIES, TEXT_MAX
from mentoring.services.usecases.profiles import GOALS_MAX, GoalChoice

NO_SKILL = 0
PRIORITY_CHOICES = choices(sorted(PRIORITIES.items(), reverse=True))
TARGET_LABELS = {1: "1 first steps", 2: "2", 3: "3 at ease", 4: "4", 5: "5 confident expert"}


def _skill_id(value: object) -> int:
    """The posted skill id; an empty choice means "no goal in this row"."""
    if value in (None, ""):
        return NO_SKILL
    return int(value)  # type: ignore[arg-type]


class GoalForm(Form):
    """One row of goals: skill, priority and target level (a row with no skill is ignored)."""

    skill = SelectField(
        "Skill",
        coerce=_skill_id,
        choices=[],
        default=NO_SKILL,
        invalid_value_message="Choose a skill from the list.",
        invalid_choice_message="Choose a skill from the list.",
    )
    priority = SelectField(
        "Priority",
        coerce=int,
        choices=PRIORITY_CHOICES,
        default=2,
        invalid_value_message="Choose must, high or nice.",
        invalid_choice_message="Choose must, high or nice.",
    )
    target_level = LevelField("Target level", low=1, high=5, labels=TARGET_LABELS, default=3)


class LeaderRequestForm(AboutYouFields, BaseForm):
    """A leader's request in one cohort: details, goals, and the personal side."""

    goals = FieldList(FormField(GoalForm), min_entries=GOALS_MAX, max_entries=GOALS_MAX)
    achieve = TextAreaField(
        "What I want to achieve",
        validators=[Length(max=TEXT_MAX)],
        description="In a sentence or two: where you want to be at the end of the programme.",
    )
    about_me = TextAreaField(
        "About me",
        validators=[Length(max=TEXT_MAX)],
        description="The personal side: a hobby, something you are proud of, what your team "
        "would say about you. It helps your mentor find a way in.",
    )
    mentors_wanted = SelectField(
        "How many mentors would you like?",
        coerce=int,
        choices=choices([(1, "One mentor"), (2, "Two mentors, with different skills")]),
        default=1,
        invalid_value_message="Choose 1 or 2 mentors.",
        invalid_choice_message="Choose 1 or 2 mentors.",
    )
    submit = SubmitField("Send my request")

    def set_skills(self, skills: Iterable[Skill]) -> None:
        """Offer these skills in every goal row, grouped by platform."""
        options = [SelectChoice(value=NO_SKILL, label="— no goal —")]
        for skill in skills:
            # The full name, so a closed select still says which platform it is.
            label = f"{skill.name} (retired)" if skill.retired else skill.name
            options.append(SelectChoice(value=skill.id, label=label, optgroup=skill.platform))
        for row in self.goals:
            row.skill.choices = options

    def goal_rows(self) -> list[tuple[int, GoalChoice]]:
        """(row index, goal) for each row with a skill chosen, in the order shown."""
        return [
            (index, GoalChoice(row.skill.data, row.priority.data, row.target_level.data))
            for index, row in enumerate(self.goals)
            if row.skill.data
        ]

    def fill_request(self, request: LeaderRequest) -> None:
        """Show the leader's current request in the fields."""
        self.achieve.data, self.about_me.data = request.achieve, request.about_me
        self.mentors_wanted.data = request.mentors_wanted
        for row, goal in zip(self.goals, request.goals, strict=False):
            row.skill.data, row.priority.data, row.target_level.data = goal.skill_id, goal.priority, goal.target_level
