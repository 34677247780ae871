"""Forms of the pair pages: propose, log, feedback and the fit check."""

from __future__ import annotations

from wtforms import DateField, IntegerField, RadioField, SubmitField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange

from mentoring.forms import BaseForm, MultiCheckboxField, choices
from mentoring.models.meetings import FEEDBACK_TEXT_MAX
from mentoring.services.usecases.meetings import DURATION_MAX, DURATION_MIN


class ProposeForm(BaseForm):
    """Propose a session: a date and time in the proposer's own time zone, a length, a format and skills."""

    date = DateField("Date", validators=[InputRequired("Choose a date.")])
    time = TimeField("Start time", validators=[InputRequired("Choose a start time.")])
    duration = IntegerField(
        "Length in minutes",
        default=60,
        validators=[
            InputRequired("Give the length in minutes."),
            NumberRange(DURATION_MIN, DURATION_MAX, f"A session lasts {DURATION_MIN} to {DURATION_MAX} minutes."),
        ],
    )
    format = RadioField(
        "Format",
        choices=choices([("remote", "Remote"), ("in-person", "In person")]),
        default="remote",
        validators=[InputRequired("Choose remote or in person.")],
    )
    skills = MultiCheckboxField("Goals to work on", coerce=int)
    submit = SubmitField("Propose this session")


class PastSessionForm(ProposeForm):
    """Record a session that already took place: the same fields as a proposal, a date in the past."""

    submit = SubmitField("Record this session as held")


LOG_CHOICES = choices(
    [
        ("held", "It took place"),
        ("cancelled-by-me", "I cancelled it"),
        ("cancelled-by-them", "My partner cancelled it"),
        ("missed", "It was missed (no one could make it)"),
    ]
)


class LogForm(BaseForm):
    """Log what became of a planned session once its time has come."""

    outcome = RadioField("What happened?", choices=LOG_CHOICES, validators=[InputRequired("Choose what happened.")])
    submit = SubmitField("Log it")


class FeedbackForm(BaseForm):
    """Feedback on a held session: a rating, two shared texts, who may read them, and a private note."""

    rating = RadioField(
        "How useful was this session? (1 = not at all, 5 = very)",
        choices=choices((str(n), str(n)) for n in range(1, 6)),
        validators=[InputRequired("Choose a rating from 1 to 5.")],
    )
    what_worked = TextAreaField("What worked", validators=[Length(max=FEEDBACK_TEXT_MAX)])
    try_next = TextAreaField("What to try next", validators=[Length(max=FEEDBACK_TEXT_MAX)])
    visibility = RadioField(
        "Who may read these two answers?",
        choices=choices([("pair", "My partner only"), ("manager", "My partner and the programme manager")]),
        default="pair",
        validators=[InputRequired("Choose who may read your feedback.")],
        description="The programme manager always sees the rating, never text you keep to the pair.",
    )
    private_note = TextAreaField(
        "Private note", validators=[Length(max=FEEDBACK_TEXT_MAX)], description="Only you ever see this note."
    )
    submit = SubmitField("Save my feedback")


class FitCheckForm(BaseForm):
    """Is this a good fit? Asked after the first held session; the answer can be changed."""

    good_fit = RadioField(
        "Is this pair a good fit for you?",
        choices=choices([("yes", "Yes, a good fit"), ("no", "No, not a good fit")]),
        validators=[InputRequired("Answer yes or no.")],
        description="A “no” asks the programme team to look at this pair with you.",
    )
    submit = SubmitField("Save my answer")
