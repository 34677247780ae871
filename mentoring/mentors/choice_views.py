"""Mentor actions for leader choice: accept or decline a leader who picked you."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import mentor_required
from mentoring.mentors import bp
from mentoring.services.usecases import leader_choice


def _answer(choice_id: int, accept: bool) -> Response:
    choice = leader_choice.answer(current_user, choice_id, accept)
    if accept:
        flash(f"You now mentor {choice.leader.name}. They have been told by email.", "success")
    else:
        flash(f"You declined {choice.leader.name}; they will choose another mentor.", "success")
    return redirect(url_for("mentors.my_leaders"))


@bp.route("/choices/<id:choice_id>/accept", methods=["POST"])
@mentor_required
def accept_choice(choice_id: int) -> Response:
    """Accept a leader's pick: the pair starts."""
    return _answer(choice_id, accept=True)


@bp.route("/choices/<id:choice_id>/decline", methods=["POST"])
@mentor_required
def decline_choice(choice_id: int) -> Response:
    """Decline a leader's pick: they choose again."""
    return _answer(choice_id, accept=False)
