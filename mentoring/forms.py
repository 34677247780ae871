"""Shared form base: every text field refuses characters the databases cannot store."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

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
    """WTForms validator: an IANA time-zone name such as Europe/Paris (empty allowed)."""
    if field.data and field.data not in _timezones():
        raise ValidationError("Use a time-zone name such as Europe/London or America/New_York.")


_TZ_CACHE: set[str] = set()


def _timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(available_timezones())
    return _TZ_CACHE


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def parse_languages(text: str) -> list[str]:
    """Split "en, fr-CA" into ["en", "fr-ca"]; raise ValueError naming a bad entry."""
    languages: list[str] = []
    for raw in re.split(r"[,\s]+", text or ""):
        if not raw:
            continue
        if not _LANGUAGE.match(raw):
            raise ValueError(f"{raw!r} is not a language code such as en, fr or pt-BR.")
        code = raw.lower()
        if code not in languages:
            languages.append(code)
    return languages


def languages_validator(_form: FlaskForm, field: Field) -> None:
    """WTForms validator for a comma-separated list of language codes."""
    try:
        parse_languages(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
