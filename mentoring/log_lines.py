"""One log line per event, as key=value text or as JSON; the standard library only.

gunicorn.conf.py loads this file by its path, so the gunicorn master formats its own and the access log's
lines the same way as the app without importing the app (a HUP then starts workers on the new code).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
_BARE = re.compile(r"[A-Za-z0-9_.,:/@+\-]+")
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def render(fields: dict[str, Any], log_format: str) -> str:
    """One line for these fields: `key=value ...` (values quoted when they need it) or a JSON object."""
    if log_format == "json":
        return json.dumps(fields, default=str, ensure_ascii=False, separators=(", ", ": "))
    return " ".join(f"{key}={_text_value(value)}" for key, value in fields.items())


def _text_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.1f}"
    text = str(value)
    return text if _BARE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


class LineFormatter(logging.Formatter):
    """Formats a record as one line: time, level, logger, message, then the record's extra fields.

    Extra fields come from `logger.info("event", extra={...})`; a traceback becomes one escaped `exc` field.
    """

    def __init__(self, log_format: str = "text") -> None:
        super().__init__()
        if log_format not in FORMATS:
            raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}.")
        self.log_format = log_format

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line."""
        fields: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                fields[key] = value
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            fields["stack"] = record.stack_info
        return render(fields, self.log_format)
