"""Forms of the health dashboard."""

from wtforms import SubmitField

from mentoring.forms import BaseForm


class SendNudgesForm(BaseForm):
    """Send the reminders that are due now (the same as the scheduled `send-nudges` command)."""

    submit = SubmitField("Send due nudges now")


class RequestExportForm(BaseForm):
    """Ask for one export of the cohort (its kind is in the URL); a job builds it."""

    submit = SubmitField("Prepare")
