"""Mentor pages: the profile with skills and cohorts, and the leaders matched to the mentor."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import mentor_required
from mentoring.errors import refusal_lands_on
from mentoring.forms import show_field_error
from mentoring.mentors import bp
from mentoring.mentors.forms import EMPTY_ROWS, profile_form
from mentoring.services import InvalidField
from mentoring.services.readmodels import choices, my_pairs
from mentoring.services.usecases import people, profiles
from mentoring.services.usecases.cohorts import open_cohorts


@bp.route("/profile", methods=["GET", "POST"])
@mentor_required
def profile() -> str | Response:
    """Sign up or edit as a mentor: about you, your offer, your skills and the cohorts you join."""
    existing = profiles.mentor_profile(current_user)
    cohorts = open_cohorts()
    skills = profiles.offered_skills()
    form = profile_form(skills, cohorts)
    form.lock_fields(people.hr_locked_fields(current_user))
    if request.method == "POST" and form.more_rows.data:
        # No JavaScript needed: the same form comes back, as typed, with more empty skill rows; nothing is saved.
        form.set_skills(skills, EMPTY_ROWS)
        flash(f"{EMPTY_ROWS} more skill rows below. Nothing is saved until you press “Save my profile”.", "info")
    elif request.method == "GET":
        form.fill_details(people.details_of(current_user))
        # A new mentor most likely wants to join what is open; they can untick it.
        joined = profiles.enrolled_cohort_ids(current_user) if existing else {c.id for c in cohorts}
        form.fill_offer(existing, joined)
    elif form.validate_on_submit():
        offer = profiles.MentorOffer(
            capacity=form.capacity.data,
            hours_per_month=form.hours_per_month.data,
            bio=form.bio.data or "",
            skill_levels=form.skill_levels(),
            cohort_ids=frozenset(form.cohorts.data or []),
        )
        refusal_lands_on("mentors.profile")
        try:
            profiles.save_mentor_profile(current_user, form.details(), offer)
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash("Your mentor profile is saved." if existing else "Welcome! Your mentor profile is saved.", "success")
            return redirect(url_for("mentors.profile"))
    existing = profiles.mentor_profile(current_user)
    retired = [item for item in existing.skills if item.skill.retired] if existing else []
    others = [c for c in profiles.enrolled_cohorts(current_user) if c.status != "open"]
    return render_template(
        "mentors/profile.html",
        form=form,
        retired=retired,
        other_cohorts=others,
        has_profile=existing is not None,
    )


@bp.route("/leaders")
@mentor_required
def my_leaders() -> str:
    """The leaders matched to this mentor in published cohorts: who, their goals, why, and how to reach them."""
    return render_template(
        "mentors/leaders.html",
        page=my_pairs.mentor_pairs(current_user),
        requests=choices.mentor_requests(current_user),
        choosing=choices.mentor_choosing_cohorts(current_user),
    )
