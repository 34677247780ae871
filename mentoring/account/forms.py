"""Forms for a person's own account."""

from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from mentoring.forms import BaseForm
from mentoring.services.infra.passwords import PASSWORD_MAX, PASSWORD_MIN


class PasswordChangeForm(BaseForm):
    """Change one's password; other signed-in browsers are signed out."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", "The two new passwords differ.")]
    )
    submit = SubmitField("Change password")


class DeleteAccountForm(BaseForm):
    """Delete one's account: the password again, and a tick to say it is meant."""

    password = PasswordField("Your password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    understood = BooleanField(
        "I understand that my profile, requests, pairs and sessions are deleted for good",
        validators=[DataRequired("Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my account")
