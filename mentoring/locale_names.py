"""Time zones and languages as people type them: "London" -> Europe/London, "English" -> en.

Time zones come from zoneinfo (IANA names, matched by their city part, plus a few big cities that
share another city's zone); languages from a small vendored table of ISO 639-1 names (data/languages.csv).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

_LANGUAGES_FILE = Path(__file__).resolve().parent / "data" / "languages.csv"
_REGIONS = ("Europe", "America", "Asia", "Africa", "Australia", "Pacific", "Atlantic", "Indian", "Antarctica")
# Cities people name that have no zone of their own: the zone they keep.
CITY_ZONES = {
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "atlanta": "America/New_York",
    "miami": "America/New_York",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "austin": "America/Chicago",
    "montreal": "America/Toronto",
    "ottawa": "America/Toronto",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "geneva": "Europe/Zurich",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "birmingham": "Europe/London",
    "glasgow": "Europe/London",
    "cardiff": "Europe/London",
    "lyon": "Europe/Paris",
    "rotterdam": "Europe/Amsterdam",
    "krakow": "Europe/Warsaw",
    "st petersburg": "Europe/Moscow",
    "abu dhabi": "Asia/Dubai",
    "cape town": "Africa/Johannesburg",
    "rio de janeiro": "America/Sao_Paulo",
    "utc": "UTC",
    "gmt": "Etc/GMT",
}


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").replace(".", " ").split()).casefold()


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name worth offering (region/city), sorted."""
    return tuple(sorted(z for z in available_timezones() if z.split("/", 1)[0] in _REGIONS or z == "UTC"))


@cache
def _zones_by_key() -> dict[str, str]:
    keys: dict[str, str] = {}
    zones = sorted(available_timezones(), key=lambda z: (z.split("/", 1)[0] not in _REGIONS, z))
    for zone in zones:
        keys.setdefault(_fold(zone), zone)
    for zone in zones:
        if "/" in zone:
            keys.setdefault(_fold(zone.rsplit("/", 1)[1]), zone)  # the city: the first (regional) zone wins
    for city, zone in CITY_ZONES.items():
        keys.setdefault(city, zone)
    return keys


def resolve_timezone(text: str) -> str | None:
    """The IANA zone for a zone name or a city ("london", "New York"), or None when unknown."""
    key = _fold(text or "")
    if not key:
        return None
    return _zones_by_key().get(key) or _zones_by_key().get(_fold(text.split(",")[0]))


@cache
def languages() -> dict[str, str]:
    """ISO 639-1 code -> English name, from the vendored table."""
    with _LANGUAGES_FILE.open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


@cache
def _codes_by_name() -> dict[str, str]:
    return {name.casefold(): code for code, name in languages().items()}


_REGIONAL = re.compile(r"^(.+?)\s*\(([A-Za-z0-9]{2,8})\)$")
_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def resolve_language(text: str) -> str | None:
    """A language code for a name ("English") or a code ("en", "pt-BR" -> "pt-br"), or None when neither."""
    value = " ".join((text or "").split())
    if not value:
        return None
    by_name = _codes_by_name().get(value.casefold())
    if by_name:
        return by_name
    regional = _REGIONAL.match(value)  # "Portuguese (BR)", as language_name shows "pt-br"
    if regional and regional.group(1).casefold() in _codes_by_name():
        return f"{_codes_by_name()[regional.group(1).casefold()]}-{regional.group(2).lower()}"
    if _CODE.match(value):
        return value.lower()  # a code, even one the short table does not name
    return None


def language_name(code: str) -> str:
    """The English name of a language code ("pt-br" -> "Portuguese (BR)"); the code itself when unknown."""
    base, _, region = (code or "").partition("-")
    name = languages().get(base.lower())
    if name is None:
        return code
    return f"{name} ({region.upper()})" if region else name
