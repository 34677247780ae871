"""Forms of the programme manager pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from mentoring.forms import BaseForm, MultiCheckboxField, choices
from mentoring.models.cohorts import COHORT_NAME_MAX, STALL_DAYS_DEFAULT
from mentoring.models.people import NAME_MAX
from mentoring.models.skills import COMPETENCY_MAX, PLATFORM_MAX, SKILL_NAME_MAX

SEARCH_MAX = NAME_MAX


class QueryForm(BaseForm):
    """A GET filter form: no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False


class CohortForm(BaseForm):
    """Create or edit a cohort."""

    name = StringField(
        "Name",
        validators=[DataRequired("Give the cohort a name."), Length(max=COHORT_NAME_MAX)],
        description="For example: Spring 2027.",
    )
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()])
    stall_days = IntegerField(
        "Stall limit (days)",
        default=STALL_DAYS_DEFAULT,
        validators=[InputRequired("Give a number of days."), NumberRange(1, 365)],
        description="A pair whose last session is older than this is flagged as stalled.",
    )
    submit = SubmitField("Save")


FORBID_ALLOW = (("forbid", "Forbid"), ("allow", "Allow"))


class RulesForm(BaseForm):
    """A cohort's matching rules; the weight fields are added per score criterion by `rules_form`."""

    objective = SelectField(
        "Objective",
        choices=choices(
            [
                ("coverage", "Coverage: match as many leaders as possible, then the best total score"),
                ("score", "Score: the highest total score, even if fewer leaders are matched"),
            ]
        ),
    )
    same_department = SelectField("Pairs within one department", choices=choices(FORBID_ALLOW))
    reporting_line = SelectField(
        "Pairs within one reporting line",
        choices=choices(FORBID_ALLOW),
        description="Forbid keeps a mentor out of the leader's chain of managers and team.",
    )
    min_grade_gap = FloatField(
        "Minimum grade gap",
        validators=[Optional()],
        description="The mentor's grade is at most the leader's minus this. Blank: no rule.",
    )
    common_language = BooleanField("Require a common language")
    repeat_pairs = SelectField(
        "Pairs who met in an earlier cohort",
        choices=choices([("forbid", "Forbid"), ("allow", "Allow"), ("penalize", "Allow with a penalty")]),
    )
    min_score = FloatField(
        "Minimum score of a pair",
        validators=[Optional()],
        description="Pairs scoring less are never proposed. Blank: no minimum.",
    )
    max_per_department_per_mentor = IntegerField(
        "Leaders per department per mentor",
        validators=[Optional(), NumberRange(1, 100)],
        description="At most this many of a mentor's leaders from one department. Blank: no limit.",
    )
    time_limit_s = FloatField(
        "Solver time limit (seconds)", validators=[InputRequired("Give a time limit."), NumberRange(min=1, max=3600)]
    )

    def weight_fields(self) -> list[Any]:
        """The score weight fields, in criterion order."""
        return [f for f in self if f.name.startswith("weight_")]

    def rule_fields(self) -> list[Any]:
        """Every field but the weights, the token and the button."""
        return [f for f in self if not f.name.startswith("weight_") and f.type not in ("CSRFTokenField", "SubmitField")]

    def rules_data(self) -> dict[str, Any]:
        """The rules as the matching library reads them."""
        data: dict[str, Any] = {
            name: getattr(self, name).data
            for name in (
                "objective",
                "same_department",
                "reporting_line",
                "min_grade_gap",
                "common_language",
                "repeat_pairs",
                "min_score",
                "max_per_department_per_mentor",
                "time_limit_s",
            )
        }
        data["weights"] = {f.name.removeprefix("weight_"): f.data for f in self.weight_fields()}
        return data


def rules_form(criteria: Iterable[Any], rules: dict[str, Any] | None = None, **kwargs: Any) -> RulesForm:
    """A RulesForm with one weight field per score criterion, filled from `rules` on GET."""

    class _RulesForm(RulesForm):
        pass

    for criterion in criteria:
        setattr(
            _RulesForm,
            f"weight_{criterion.name}",
            FloatField(
                f"Weight: {criterion.label}",
                description=criterion.description,
                validators=[InputRequired("Give a weight (0 turns the criterion off)."), NumberRange(0, 1000)],
            ),
        )
    _RulesForm.submit = SubmitField("Save rules")
    if rules is not None:
        flat = {key: value for key, value in rules.items() if key != "weights"}
        flat.update({f"weight_{name}": value for name, value in (rules.get("weights") or {}).items()})
        kwargs.setdefault("data", flat)
    return _RulesForm(**kwargs)


class PairRuleForm(BaseForm):
    """Pin or forbid any leader-mentor pair of the cohort."""

    leader_id = SelectField("Leader", coerce=int, validators=[InputRequired("Choose a leader.")])
    mentor_id = SelectField("Mentor", coerce=int, validators=[InputRequired("Choose a mentor.")])
    kind = SelectField(
        "Rule", choices=choices([("pin", "Pin: always pair them"), ("forbid", "Forbid: never pair them")])
    )
    submit = SubmitField("Add")


class PublishForm(BaseForm):
    """Publish the run that the manager reviewed."""

    run_id = HiddenField()
    submit = SubmitField("Publish these pairs")


class RepairForm(BaseForm):
    """Choose flagged pairs to re-pair."""

    match_ids = MultiCheckboxField(
        "Pairs to re-pair", coerce=int, validators=[DataRequired("Choose at least one pair to re-pair.")]
    )
    submit = SubmitField("Re-pair the chosen pairs")


class ParticipantFilterForm(QueryForm):
    """Filters of the participants table."""

    role = SelectField(
        "Role",
        choices=choices([("", "Everyone"), ("mentor", "Mentors"), ("leader", "Leaders")]),
        validators=[Optional()],
    )
    department = SelectField("Department", choices=choices([("", "Every department")]), validators=[Optional()])
    missing = BooleanField("Only people missing something")
    submit = SubmitField("Filter")


class SkillForm(BaseForm):
    """Add a skill to the catalogue."""

    platform = StringField(
        "Platform",
        validators=[DataRequired("Name the platform."), Length(max=PLATFORM_MAX)],
        description="An existing platform such as LinkedIn, or a new one.",
    )
    competency = StringField(
        "Competency",
        validators=[Optional(), Length(max=COMPETENCY_MAX)],
        description="Such as Personal branding. Leave blank to give only a name.",
    )
    name = StringField(
        "Name", validators=[Optional(), Length(max=SKILL_NAME_MAX)], description="Blank: “Platform: Competency”."
    )
    submit = SubmitField("Add skill")


class SkillRenameForm(BaseForm):
    """Rename a skill (its key stays)."""

    name = StringField("New name", validators=[DataRequired("Give the skill a name."), Length(max=SKILL_NAME_MAX)])
    submit = SubmitField("Rename")


class PeopleSearchForm(QueryForm):
    """Search people by name, email or department."""

    q = StringField(
        "Search",
        validators=[Optional(), Length(max=SEARCH_MAX)],
        description="Part of a name, an email or a department.",
    )
    role = SelectField(
        "Role",
        choices=choices([("", "Any role"), ("mentor", "Mentors"), ("leader", "Leaders"), ("manager", "Managers")]),
        validators=[Optional()],
    )
    submit = SubmitField("Search")


class RolesForm(BaseForm):
    """A person's roles."""

    mentor = BooleanField("Mentor")
    leader = BooleanField("Leader")
    manager = BooleanField("Manager")
    submit = SubmitField("Save roles")

    def roles(self) -> set[str]:
        """The ticked roles."""
        return {name for name in ("mentor", "leader", "manager") if getattr(self, name).data}


class AuditFilterForm(QueryForm):
    """Filter the audit log by action."""

    action = SelectField("Action", choices=choices([("", "Every action")]), validators=[Optional()])
    submit = SubmitField("Filter")


class StartChoiceForm(BaseForm):
    """Run a cohort as "leaders choose" until a deadline."""

    deadline = DateField(
        "Leaders choose until",
        validators=[DataRequired("Give the last day leaders can choose.")],
        description="At the end of this day (UTC), everyone who has not chosen is paired by the optimum.",
    )
    submit = SubmitField("Start leader choice")
