"""Forms to register and sign in."""

from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from mentoring.forms import BaseForm
from mentoring.models.people import EMAIL_MAX, NAME_MAX
from mentoring.services.infra.passwords import PASSWORD_MAX, PASSWORD_MIN, password_problem


def strip(value: str | None) -> str | None:
    """WTForms filter: drop surrounding spaces (an email pasted with a trailing space still matches)."""
    return value.strip() if isinstance(value, str) else value


class RegisterForm(BaseForm):
    """A new account; the roles are what the person wants to do in the programme."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=NAME_MAX)])
    email = EmailField(
        "Work email",
        filters=[strip],
        validators=[DataRequired(), Length(max=EMAIL_MAX), Email(check_deliverability=False)],
    )
    password = PasswordField(
        "Password",
        # Length and every other rule are checked once, in validate_password: one message per problem.
        validators=[DataRequired()],
        description=f"At least {PASSWORD_MIN} characters. A phrase of a few words works well.",
    )
    as_mentor = BooleanField("I want to mentor a leader (I am good at social media)")
    as_leader = BooleanField("I am a leader and want a mentor")
    submit = SubmitField("Create account")

    def validate_password(self, field: PasswordField) -> None:
        """Refuse common passwords and ones equal to the email or name."""
        problem = password_problem(field.data or "", self.email.data or "", self.name.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_as_leader(self, field: BooleanField) -> None:
        """At least one role must be chosen."""
        if not field.data and not self.as_mentor.data:
            raise ValidationError("Choose at least one: mentor, leader, or both.")


class LoginForm(BaseForm):
    """Sign in with email and password."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=EMAIL_MAX)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    submit = SubmitField("Sign in")


class ForgotPasswordForm(BaseForm):
    """Ask for a link to set a new password."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=EMAIL_MAX)])
    submit = SubmitField("Send me a link")


class NewPasswordForm(BaseForm):
    """Choose a password through a one-time link (a reset or an invitation)."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=f"At least {PASSWORD_MIN} characters. A phrase of a few words works well.",
    )
    submit = SubmitField("Set my password")


class ConfirmForm(BaseForm):
    """One button that uses a one-time link (a GET alone never does: mail scanners open links)."""

    submit = SubmitField("Confirm my email address")
