"""The home page explaining the programme, and each person's starting points."""

from flask import render_template
from flask_login import current_user

from mentoring.main import bp
from mentoring.services.usecases import cohorts


@bp.route("/")
def home() -> str:
    """What reverse mentoring is, and what the signed-in person can do next."""
    open_cohorts = cohorts.open_cohorts() if current_user.is_authenticated else []
    return render_template("main/home.html", open_cohorts=open_cohorts)
