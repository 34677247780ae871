"""Forms of a published cohort's Changes pages."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mentoring.forms import BaseForm
from mentoring.programme.forms import SEARCH_MAX, QueryForm
from mentoring.services.usecases.pair_changes import REASON_MAX


class EndPairForm(BaseForm):
    """End a published pair, with a reason both people read."""

    reason = TextAreaField(
        "Why the pair ends",
        validators=[DataRequired("Say why the pair ends: both people read it in their email."), Length(max=REASON_MAX)],
        description="Both people read this in their email.",
    )
    to_waitlist = BooleanField("Put the leader on the waitlist for a new mentor", default=True)
    submit = SubmitField("Propose ending this pair")


class ReplaceForm(BaseForm):
    """Choose one of the proposed new mentors."""

    mentor_id = HiddenField(validators=[DataRequired()])


class PairSearchForm(QueryForm):
    """Find a pair by the leader's or mentor's name."""

    q = StringField("Name of the leader or mentor", validators=[Optional(), Length(max=SEARCH_MAX)])
