"""Who may do what: role decorators and the id URL converter."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from werkzeug.routing import BaseConverter, ValidationError

F = TypeVar("F", bound=Callable[..., Any])
ID_MAX = 2**31 - 1  # the largest id every supported database stores in an INTEGER column


class IdConverter(BaseConverter):
    """A positive database id; anything else (0, -1, 2**63, text) is a 404, never a database error."""

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        """Parse the id or reject the URL."""
        number = int(value)
        if not 1 <= number <= ID_MAX:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        """Format an id for a URL."""
        return str(int(value))


def role_required(role: str) -> Callable[[F], F]:
    """Require a signed-in person holding `role`; others get 403, anonymous people the login page."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if role not in current_user.roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


manager_required = role_required("manager")
mentor_required = role_required("mentor")
leader_required = role_required("leader")
