"""Coercion of loosely typed input (JSON or Python) into the exact field types; errors name the field."""

from __future__ import annotations

import math
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import Any

from matching.errors import FieldError

FORMATS = ("remote", "in-person")
_DIGITS = re.compile(r"([0-9]+)")


@lru_cache(maxsize=200_000)
def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that compares digit runs as numbers, so 'L2' sorts before 'L10'."""
    key = []
    for k, part in enumerate(_DIGITS.split(text)):
        if k % 2:
            key.append((0, int(part), part))
        elif part:
            key.append((1, 0, part))
    return tuple(key)


@lru_cache(maxsize=200_000)  # names repeat a lot (skills, languages, departments)
def fold(text: str) -> str:
    """The form in which names (departments, languages, skills, places) are compared."""
    return " ".join(text.split()).casefold()


def as_id(value: Any, field: str) -> str:
    """An id as a non-empty string; JSON integers are accepted and turned into strings."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(field, f"must be a string or a whole number, got {_show(value)}.")
    text = str(value).strip()
    if not text:
        raise FieldError(field, "must not be empty.")
    return text


def as_opt_id(value: Any, field: str) -> str | None:
    """An optional id (None stays None)."""
    return None if value is None else as_id(value, field)


def as_opt_text(value: Any, field: str) -> str | None:
    """An optional non-empty string; blank strings count as missing."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"must be a string, got {_show(value)}.")
    text = value.strip()
    return text or None


def as_opt_number(value: Any, field: str) -> float | None:
    """An optional finite number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FieldError(field, f"must be a number, got {_show(value)}.")
    return float(value)


def as_int(value: Any, field: str, low: int, high: int | None = None) -> int:
    """A whole number in [low, high] (floats with no fractional part are accepted)."""
    ok = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not ok or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise FieldError(field, f"must be a whole number {span}, got {_show(value)}.")
    return int(value)


def as_text_tuple(value: Any, field: str) -> tuple[str, ...]:
    """A list of non-empty strings, without duplicates (compared ignoring case)."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise FieldError(field, f"must be a list of strings, got {_show(value)}.")
    out: list[str] = []
    seen: set[str] = set()
    for k, item in enumerate(value):
        text = as_opt_text(item, f"{field}[{k}]")
        if text is None:
            raise FieldError(f"{field}[{k}]", "must not be empty.")
        if fold(text) in seen:
            raise FieldError(f"{field}[{k}]", f"{text!r} is listed twice.")
        seen.add(fold(text))
        out.append(text)
    return tuple(out)


def as_formats(value: Any, field: str) -> tuple[str, ...]:
    """Meeting formats, each 'remote' or 'in-person' ('in person' and 'in_person' are accepted)."""
    out = []
    for k, text in enumerate(as_text_tuple(value, field)):
        name = fold(text).replace("_", "-").replace(" ", "-")
        if name not in FORMATS:
            raise FieldError(f"{field}[{k}]", f"must be 'remote' or 'in-person', got {text!r}.")
        out.append(name)
    return tuple(out)


def as_timezone(value: Any, field: str) -> str | None:
    """An IANA time zone name such as 'Europe/London'."""
    name = as_opt_text(value, field)
    if name is not None and not _known_zone(name):
        raise FieldError(field, f"unknown time zone {name!r}; use an IANA name such as 'Europe/London'.")
    return name


@cache
def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def as_list(value: Any, field: str) -> list[Any]:
    """A JSON list (None counts as empty)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise FieldError(field, f"must be a list, got {_show(value)}.")
    return list(value)


def reject_unknown(data: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    """Fail on keys outside `allowed` (typos would otherwise be silently ignored)."""
    known = set(allowed)
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            raise FieldError(where, f"unknown field; expected one of {', '.join(sorted(known))}.")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
