"""Shared form pieces: the base form (refuses text the databases cannot store), field types, the "about you"
fields of mentors and leaders, and showing a service's field error next to its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, Form, IntegerField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from mentoring.locale_names import language_name, resolve_language, resolve_timezone
from mentoring.models.people import DEPARTMENT_MAX, EMAIL_MAX, EXTERNAL_ID_MAX, LOCATION_MAX, NAME_MAX, TIMEZONE_MAX
from mentoring.services import InvalidField
from mentoring.services.usecases.people import FORMAT_LABELS, GRADE_MAX, GRADE_MIN, Details

# NUL (PostgreSQL refuses it), other C0 controls except tab/newline/return, and lone surrogates.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def unstorable_message(value: str) -> str | None:
    """Why a text cannot be stored, or None when it can."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return "Remove the NUL character (\\0) from this field."
    return "Remove the invisible control character from this field."


class BaseForm(FlaskForm):
    """A FlaskForm (CSRF included) whose text fields refuse NUL, control characters and lone surrogates."""

    def validate(self, extra_validators: dict | None = None) -> bool:
        """Run the field validators, then refuse text the database could not store."""
        ok = super().validate(extra_validators=extra_validators)
        for field in self:
            for value in _text_values(field):
                message = unstorable_message(value)
                if message:
                    field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
                    ok = False
                    break
        return ok


def _text_values(field: Field) -> list[str]:
    data = field.data
    if isinstance(data, str):
        return [data]
    if isinstance(data, list | tuple):
        return [item for item in data if isinstance(item, str)]
    return []


def valid_timezone(_form: FlaskForm, field: Field) -> None:
    """WTForms validator: a time-zone name or a city (London, Europe/Paris, New York); empty allowed."""
    if field.data and resolve_timezone(field.data) is None:
        raise ValidationError(
            f"We do not know the time zone {field.data.strip()!r}. Type your city, such as London or "
            "New York, or a zone such as Europe/London."
        )


def parse_languages(text: str) -> list[str]:
    """Split "English, fr-CA" into ["en", "fr-ca"]; names or codes; raise ValueError naming a bad entry."""
    languages: list[str] = []
    for piece in re.split(r"[,;]+", text or ""):
        if not piece.strip():
            continue
        whole = resolve_language(piece)
        # "en fr" (spaces only) still works: each word is tried when the whole is not a language.
        codes = [whole] if whole else [resolve_language(word) for word in piece.split()]
        for word, code in zip(piece.split() if not whole else [piece.strip()], codes, strict=True):
            if code is None:
                raise ValueError(f"{word!r} is not a language we know. Type its name, such as English, or a code: en.")
            if code not in languages:
                languages.append(code)
    return languages


def languages_validator(_form: FlaskForm, field: Field) -> None:
    """WTForms validator for a comma-separated list of language codes."""
    try:
        parse_languages(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms deprecates plain tuples)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (rendered by the form macro as a fieldset; works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LevelField(SelectField):
    """A select of whole levels low..high; anything else gets one plain message."""

    def __init__(
        self,
        label: str | None = None,
        low: int = 0,
        high: int = 5,
        labels: dict[int, str] | None = None,
        message: str | None = None,
        **kwargs: object,
    ) -> None:
        message = message or f"Choose a level from {low} to {high}."
        names = labels or {}
        super().__init__(
            label,
            coerce=int,
            choices=choices((n, names.get(n, str(n))) for n in range(low, high + 1)),
            invalid_value_message=message,
            invalid_choice_message=message,
            **kwargs,
        )


def _grade_help() -> str:
    return (
        f"Your seniority on the company's grade scale, from {GRADE_MIN} (just joined) to {GRADE_MAX} "
        "(executive board). Matching uses it so that a mentor is junior to their leader."
    )


class AboutYouFields:
    """The "about you" fields (a mixin: both the mentor profile and the leader request include them)."""

    name = StringField("Your name", validators=[InputRequired("Enter your name."), Length(max=NAME_MAX)])
    department = StringField(
        "Department",
        validators=[InputRequired("Enter your department."), Length(max=DEPARTMENT_MAX)],
        description="Where you work, such as Marketing or Finance.",
    )
    grade = IntegerField(
        "Grade",
        validators=[
            InputRequired("Enter your grade as a number."),
            NumberRange(GRADE_MIN, GRADE_MAX, f"Your grade is a number from {GRADE_MIN} to {GRADE_MAX}."),
        ],
        description=_grade_help(),
    )
    manager = StringField(
        "Your manager",
        validators=[Optional(), Length(max=EMAIL_MAX)],
        description="Your manager's work email or employee id. We never pair you with "
        "someone in your own reporting line.",
    )
    external_id = StringField(
        "Your employee id",
        validators=[Optional(), Length(max=EXTERNAL_ID_MAX)],
        description="Optional. Helps us find your reporting line.",
    )
    location = StringField(
        "Location",
        validators=[Optional(), Length(max=LOCATION_MAX)],
        description="The office or city you work from, for meeting in person.",
    )
    timezone = StringField(
        "Time zone",
        validators=[InputRequired("Enter your time zone."), Length(max=TIMEZONE_MAX), valid_timezone],
        description="Your city, such as London or New York, or a zone such as Europe/Paris.",
        render_kw={"list": "timezone-names", "autocomplete": "off"},
    )
    languages = StringField(
        "Languages",
        validators=[InputRequired("Enter at least one language."), Length(max=200), languages_validator],
        description="Languages you can meet in, separated by commas: English, French, Portuguese.",
        render_kw={"list": "language-names", "autocomplete": "off"},
    )
    formats = MultiCheckboxField("How you can meet", choices=choices(FORMAT_LABELS.items()))

    def validate_formats(self, field: Field) -> None:
        """At least one way of meeting."""
        if not field.data:
            raise ValidationError("Choose at least one way to meet: remote, in person, or both.")

    def details(self) -> Details:
        """The form's "about you" part as plain data for the services."""
        return Details(
            name=self.name.data or "",
            department=self.department.data or "",
            grade=self.grade.data,
            timezone=resolve_timezone(self.timezone.data or "") or (self.timezone.data or "").strip(),
            languages=parse_languages(self.languages.data or ""),
            formats=list(self.formats.data or []),
            location=self.location.data or "",
            manager=self.manager.data or "",
            external_id=self.external_id.data or "",
        )

    def lock_fields(self, names: set[str]) -> None:
        """Show these fields read-only, marked as coming from HR records (the service keeps their values)."""
        for name in names:
            field = getattr(self, name)
            field.render_kw = {**(field.render_kw or {}), "readonly": True}
            field.description = "From HR records: ask HR to correct it if it is wrong."

    def fill_details(self, details: Details) -> None:
        """Show a person's current details in the fields."""
        self.name.data, self.department.data, self.grade.data = details.name, details.department, details.grade
        self.manager.data, self.external_id.data = details.manager, details.external_id
        self.location.data, self.timezone.data = details.location, details.timezone
        self.languages.data = ", ".join(language_name(code) for code in details.languages)
        self.formats.data = list(details.formats)


def show_field_error(form: FlaskForm, error: InvalidField) -> None:
    """Put a service's field error next to its field ("goals.2.skill" names a row's field); else above the form."""
    target: object = form
    for part in error.field.split("."):
        if part.isdigit() and hasattr(target, "entries"):
            entries = target.entries  # type: ignore[attr-defined]
            target = entries[int(part)] if int(part) < len(entries) else None
        elif isinstance(target, FlaskForm | Form):
            target = target._fields.get(part)
        elif target is not None and hasattr(target, "form"):  # a FormField: look inside its form
            target = target.form._fields.get(part)
        else:
            target = None
        if target is None:
            break
    if isinstance(target, Field) and not hasattr(target, "entries") and not hasattr(target, "form"):
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))
