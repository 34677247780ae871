"""Forms of the invitation pages: who to show, and whom to invite as what."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from mentoring.forms import BaseForm, choices
from mentoring.models import InvitationRole
from mentoring.programme.forms import QueryForm
from mentoring.services.usecases.people import GRADE_MAX, GRADE_MIN

GRADE_MESSAGE = f"Use a grade from {GRADE_MIN} to {GRADE_MAX}."


class InviteFilterForm(QueryForm):
    """Narrow the people shown on the invite page."""

    department = SelectField("Department", choices=choices([("", "Every department")]), validators=[Optional()])
    grade_min = IntegerField("Grade from", validators=[Optional(), NumberRange(GRADE_MIN, GRADE_MAX, GRADE_MESSAGE)])
    grade_max = IntegerField("Grade to", validators=[Optional(), NumberRange(GRADE_MIN, GRADE_MAX, GRADE_MESSAGE)])
    not_in_cohort = BooleanField("Only people in no cohort yet")
    submit = SubmitField("Show")

    def validate_grade_max(self, field: IntegerField) -> None:
        """The range must not be upside down."""
        if field.data is not None and self.grade_min.data is not None and field.data < self.grade_min.data:
            raise ValidationError("The upper grade must be at least the lower one.")


class InviteForm(BaseForm):
    """Invite the ticked people as mentors or as leaders."""

    role = RadioField(
        "Invite them as",
        choices=choices([(InvitationRole.MENTOR.value, "Mentors"), (InvitationRole.LEADER.value, "Leaders")]),
        validators=[InputRequired("Choose whether they join as mentors or as leaders.")],
    )
    # One checkbox per row of the people table (labelled by the person's name); ids are checked by the service.
    people = SelectMultipleField("People", coerce=int, validate_choice=False)
    submit = SubmitField("Send invitations")
