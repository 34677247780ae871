"""A person's own account: password, their data, deleting the account."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from mentoring.account import views  # noqa: E402,F401  (routes register on import)
