"""The home page explaining the programme, and each person's starting points."""

from flask import render_template
from flask_login import current_user

from mentoring import locale_names
from mentoring.main import bp
from mentoring.services.readmodels import journey
from mentoring.services.usecases import cohorts


@bp.route("/")
def home() -> str:
    """What reverse mentoring is, and what the signed-in person can do next."""
    open_cohorts = cohorts.open_cohorts() if current_user.is_authenticated else []
    journeys = []
    if current_user.is_authenticated and current_user.is_mentor:
        steps = journey.mentor_steps(current_user)
        journeys.append(("Your steps as a mentor", steps, journey.current_index(steps)))
    if current_user.is_authenticated and current_user.is_leader:
        steps = journey.leader_steps(current_user)
        journeys.append(("Your steps as a leader", steps, journey.current_index(steps)))
    return render_template("main/home.html", open_cohorts=open_cohorts, journeys=journeys)


# Shared by every page's forms and person cards: the time-zone and language pickers' options, language names.
bp.add_app_template_global(locale_names.timezone_names, "timezone_names")
bp.add_app_template_global(locale_names.languages, "language_names")
bp.add_app_template_filter(locale_names.language_name, "language_name")
