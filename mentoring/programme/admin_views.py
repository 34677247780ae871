"""Programme manager pages for the skill catalogue, people and roles, and the audit log."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import manager_required
from mentoring.errors import refusal_lands_on
from mentoring.forms import choices, show_field_error
from mentoring.programme import bp
from mentoring.programme.forms import AuditFilterForm, PeopleSearchForm, RolesForm, SkillForm, SkillRenameForm
from mentoring.services import InvalidField
from mentoring.services.infra import audit
from mentoring.services.usecases import catalogue, people_admin

AUDIT_LIMIT = 200


def _skill_or_404(skill_id: int) -> catalogue.Skill:
    return catalogue.get_skill(skill_id)


def _skills_page(form: SkillForm) -> str:
    return render_template(
        "programme/skills.html",
        form=form,
        platforms=catalogue.catalogue(),
        known_platforms=catalogue.platforms(),
        known_competencies=catalogue.competencies(),
    )


@bp.route("/skills")
@manager_required
def skills() -> str:
    """The skill catalogue by platform, with a form to add a skill."""
    return _skills_page(SkillForm(formdata=None))


@bp.route("/skills/new", methods=["POST"])
@manager_required
def add_skill() -> str | Response:
    """Add a skill."""
    form = SkillForm()
    if form.validate_on_submit():
        try:
            skill = catalogue.add_skill(
                current_user, form.platform.data, form.competency.data or "", form.name.data or ""
            )
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash(f"Added {skill.name}.", "success")
            return redirect(url_for("programme.skills"))
    return _skills_page(form)


@bp.route("/skills/<id:skill_id>", methods=["GET", "POST"])
@manager_required
def edit_skill(skill_id: int) -> str | Response:
    """Rename a skill (its key stays), retire it or bring it back."""
    skill = _skill_or_404(skill_id)
    form = SkillRenameForm(data={"name": skill.name})
    if form.validate_on_submit():
        try:
            catalogue.rename_skill(current_user, skill.id, form.name.data)
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash("The skill is renamed. Mentors' skills and leaders' goals keep it.", "success")
            return redirect(url_for("programme.skills"))
    return render_template("programme/skill.html", skill=skill, form=form)


@bp.route("/skills/<id:skill_id>/retire", methods=["POST"])
@manager_required
def retire_skill(skill_id: int) -> Response:
    """Retire a skill: no longer offered, kept where it is used."""
    skill = _skill_or_404(skill_id)
    catalogue.set_retired(current_user, skill.id, True)
    flash(f"{skill.name} is retired. People who chose it keep it; nobody new can choose it.", "success")
    return redirect(url_for("programme.skills"))


@bp.route("/skills/<id:skill_id>/unretire", methods=["POST"])
@manager_required
def unretire_skill(skill_id: int) -> Response:
    """Offer a retired skill again."""
    skill = _skill_or_404(skill_id)
    catalogue.set_retired(current_user, skill.id, False)
    flash(f"{skill.name} is offered again.", "success")
    return redirect(url_for("programme.skills"))


@bp.route("/people")
@manager_required
def people() -> str:
    """People with search, their roles and whether their account is enabled."""
    form = PeopleSearchForm(request.args)
    found = people_admin.search_people(form.q.data or "", form.role.data or None) if form.validate() else []
    forms = {
        person.id: RolesForm(
            formdata=None,
            prefix=f"p{person.id}",
            data={"mentor": person.is_mentor, "leader": person.is_leader, "manager": person.is_manager},
        )
        for person in found
    }
    return render_template(
        "programme/people.html", form=form, people=found, forms=forms, limit=people_admin.SEARCH_LIMIT
    )


@bp.route("/people/<id:person_id>/roles", methods=["POST"])
@manager_required
def person_roles(person_id: int) -> Response:
    """Change a person's roles."""
    form = RolesForm(prefix=f"p{person_id}")
    if form.validate_on_submit():
        refusal_lands_on("programme.people", q=request.args.get("q", "")[:120])
        person = people_admin.change_roles(current_user, person_id, form.roles())
        flash(f"{person.name}'s roles are saved.", "success")
    return redirect(url_for("programme.people", q=request.args.get("q", "")[:120]))


def _set_active(person_id: int, active: bool) -> Response:
    refusal_lands_on("programme.people", q=request.args.get("q", "")[:120])
    person = people_admin.change_active(current_user, person_id, active)
    flash(f"{person.name}'s account is {'enabled' if active else 'disabled; their sessions have ended'}.", "success")
    return redirect(url_for("programme.people", q=request.args.get("q", "")[:120]))


@bp.route("/people/<id:person_id>/disable", methods=["POST"])
@manager_required
def disable_person(person_id: int) -> Response:
    """Disable an account and end its sessions."""
    return _set_active(person_id, False)


@bp.route("/people/<id:person_id>/enable", methods=["POST"])
@manager_required
def enable_person(person_id: int) -> Response:
    """Enable an account again."""
    return _set_active(person_id, True)


@bp.route("/audit")
@manager_required
def audit_log() -> str:
    """The audit log, newest first, optionally of one action."""
    form = AuditFilterForm(request.args)
    form.action.choices = choices([("", "Every action")] + [(a, a) for a in people_admin.audit_actions()])
    action = form.action.data if form.validate() and form.action.data else None
    events = audit.recent_events(limit=AUDIT_LIMIT, action=action)
    return render_template(
        "programme/audit.html",
        form=form,
        events=events,
        limit=AUDIT_LIMIT,
        lines=[audit.as_log_line(event) for event in events],
    )
