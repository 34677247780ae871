"""Mentor forms, and the "about you" fields that mentors and leaders share."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import (
    Field,
    Form,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from mentoring.forms import BaseForm, languages_validator, parse_languages, valid_timezone
from mentoring.models import Cohort, MentorProfile, Skill
from mentoring.models.people import DEPARTMENT_MAX, EMAIL_MAX, EXTERNAL_ID_MAX, LOCATION_MAX, NAME_MAX, TIMEZONE_MAX
from mentoring.models.profiles import BIO_MAX
from mentoring.services.people import FORMAT_LABELS, GRADE_MAX, GRADE_MIN, Details, InvalidField

LEVEL_LABELS = {0: "–", 1: "1 basic", 2: "2", 3: "3 confident", 4: "4", 5: "5 expert"}


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LevelField(SelectField):
    """A select of whole levels low..high; anything else gets one plain message."""

    def __init__(self, label: str | None = None, low: int = 0, high: int = 5,
                 labels: dict[int, str] | None = None, message: str | None = None, **kwargs: object) -> None:
        message = message or f"Choose a level from {low} to {high}."
        names = labels or {}
        choices = [SelectChoice(value=n, label=names.get(n, str(n))) for n in range(low, high + 1)]
        super().__init__(label, coerce=int, choices=choices, invalid_value_message=message,
                         invalid_choice_message=message, **kwargs)


def _grade_help() -> str:
    return (f"Your seniority on the company's grade scale, from {GRADE_MIN} (just joined) to {GRADE_MAX} "
            "(executive board). Matching uses it so that a mentor is junior to their leader.")


class AboutYouFields:
    """The "about you" fields (a mixin: both the mentor and the leader form include them)."""

    name = StringField("Your name", validators=[InputRequired("Enter your name."), Length(max=NAME_MAX)])
    department = StringField("Department", validators=[InputRequired("Enter your department."),
                                                       Length(max=DEPARTMENT_MAX)],
                             description="Where you work, such as Marketing or Finance.")
    grade = IntegerField("Grade", validators=[InputRequired("Enter your grade as a number."),
                                              NumberRange(GRADE_MIN, GRADE_MAX,
                                                          f"Your grade is a number from {GRADE_MIN} to {GRADE_MAX}.")],
                         description=_grade_help())
    manager = StringField("Your manager", validators=[Optional(), Length(max=EMAIL_MAX)],
                          description="Your manager's work email or employee id. We never pair you with "
                                      "someone in your own reporting line.")
    external_id = StringField("Your employee id", validators=[Optional(), Length(max=EXTERNAL_ID_MAX)],
                              description="Optional. Helps us find your reporting line.")
    location = StringField("Location", validators=[Optional(), Length(max=LOCATION_MAX)],
                           description="The office or city you work from, for meeting in person.")
    timezone = StringField("Time zone", validators=[InputRequired("Enter your time zone."),
                                                    Length(max=TIMEZONE_MAX), valid_timezone],
                           description="A time-zone name such as Europe/London, Europe/Paris or America/New_York.")
    languages = StringField("Languages", validators=[InputRequired("Enter at least one language."),
                                                     Length(max=200), languages_validator],
                            description="Languages you can meet in, as codes separated by commas: en, fr, pt-BR.")
    formats = MultiCheckboxField("How you can meet",
                                 choices=[SelectChoice(value=k, label=v) for k, v in FORMAT_LABELS.items()])

    def validate_formats(self, field: Field) -> None:
        """At least one way of meeting."""
        if not field.data:
            raise ValidationError("Choose at least one way to meet: remote, in person, or both.")

    def details(self) -> Details:
        """The form's "about you" part as plain data for the services."""
        return Details(
            name=self.name.data or "", department=self.department.data or "", grade=self.grade.data,
            timezone=(self.timezone.data or "").strip(), languages=parse_languages(self.languages.data or ""),
            formats=list(self.formats.data or []), location=self.location.data or "",
            manager=self.manager.data or "", external_id=self.external_id.data or "",
        )

    def fill_details(self, details: Details) -> None:
        """Show a person's current details in the fields."""
        self.name.data, self.department.data, self.grade.data = details.name, details.department, details.grade
        self.manager.data, self.external_id.data = details.manager, details.external_id
        self.location.data, self.timezone.data = details.location, details.timezone
        self.languages.data, self.formats.data = ", ".join(details.languages), list(details.formats)



class MentorProfileForm(AboutYouFields, BaseForm):
    """A mentor's details, offer, skills and cohorts; skill fields are added per catalogue by `profile_form`."""

    capacity = LevelField("How many leaders can you mentor at once?", low=1, high=3, default=1,
                          message="Choose 1, 2 or 3 leaders.")
    hours_per_month = IntegerField("Hours a month", validators=[InputRequired("Enter a number of hours."),
                                                                NumberRange(1, 40, "Give a number from 1 to 40.")],
                                   default=4, description="Time you can give each month, all your leaders together.")
    bio = TextAreaField("A short bio", validators=[Length(max=BIO_MAX)],
                        description=f"What you do online and what you enjoy teaching (up to {BIO_MAX} characters). "
                                    "Your leaders see it.")
    cohorts = MultiCheckboxField("Cohorts you take part in", coerce=int, choices=[],
                                 invalid_choice_message="That cohort is no longer open for sign-up. Reload the page.",
                                 description="Only cohorts open for sign-up are listed; untick one to leave it.")
    submit = SubmitField("Save my profile")

    def fill_offer(self, profile: MentorProfile | None, cohort_ids: set[int]) -> None:
        """Show the mentor's current offer, skill levels and cohorts in the fields."""
        if profile is not None:
            self.capacity.data, self.hours_per_month.data, self.bio.data = (
                profile.capacity, profile.hours_per_month, profile.bio)
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
        setattr(form_class, f"skill_{skill.id}", LevelField(skill.name, low=0, high=5, labels=LEVEL_LABELS, default=0,
                                                                message="Choose a level from 0 (none) to 5."))
    form = form_class(**kwargs)
    form.cohorts.choices = [SelectChoice(value=c.id, label=c.name) for c in cohorts]
    return form


def show_service_error(form: BaseForm, exc: InvalidField) -> None:
    """Put a service's field error next to its field ("goals.2.skill" names a row's field); else on the form."""
    target: object = form
    for part in exc.field.split("."):
        if part.isdigit() and hasattr(target, "entries"):
            entries = target.entries  # type: ignore[attr-defined]
            target = entries[int(part)] if int(part) < len(entries) else None
        elif isinstance(target, BaseForm | Form):
            target = target._fields.get(part)
        elif target is not None and hasattr(target, "form"):  # a FormField: look inside its form
            target = target.form._fields.get(part)
        else:
            target = None
        if target is None:
            break
    if isinstance(target, Field) and not hasattr(target, "entries") and not hasattr(target, "form"):
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))
