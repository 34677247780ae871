"""The programme manager's health dashboard: how the published pairs are doing."""

from flask import Blueprint

bp = Blueprint("health", __name__, url_prefix="/programme/health")

from mentoring.health import graph_views, views  # noqa: E402,F401  (routes register on import)
