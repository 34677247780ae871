"""SQLAlchemy models, one module per aggregate."""

from mentoring.models.choices import ChoiceRound, ChoiceStatus, MentorChoice, Suggestion
from mentoring.models.cohorts import Cohort, Match, MatchRun, PairRule, RunPair
from mentoring.models.exports import ExportFile, ExportKind, ExportStatus
from mentoring.models.health import HealthPairRow, HealthSummary
from mentoring.models.identity import ExternalIdentity, Invitation, InvitationRole, OneTimeToken, TokenPurpose
from mentoring.models.imports import PeopleUpload
from mentoring.models.jobs import RunJob, RunStage
from mentoring.models.meetings import Feedback, FitCheck, Meeting, Notification
from mentoring.models.people import Person, normalise_email
from mentoring.models.profiles import Goal, LeaderRequest, MentorEnrolment, MentorProfile, MentorSkill
from mentoring.models.security import AuditEvent, LoginAttempt, LoginSession
from mentoring.models.skills import Skill
from mentoring.models.waitlist import WaitlistEntry, WaitlistStatus

__all__ = [
    "AuditEvent",
    "ChoiceRound",
    "ChoiceStatus",
    "Cohort",
    "ExportFile",
    "ExportKind",
    "ExportStatus",
    "ExternalIdentity",
    "Feedback",
    "FitCheck",
    "Goal",
    "HealthPairRow",
    "HealthSummary",
    "Invitation",
    "InvitationRole",
    "LeaderRequest",
    "LoginAttempt",
    "LoginSession",
    "Match",
    "MatchRun",
    "Meeting",
    "MentorChoice",
    "MentorEnrolment",
    "MentorProfile",
    "MentorSkill",
    "Notification",
    "OneTimeToken",
    "PairRule",
    "PeopleUpload",
    "Person",
    "RunJob",
    "RunPair",
    "RunStage",
    "Skill",
    "Suggestion",
    "TokenPurpose",
    "WaitlistEntry",
    "WaitlistStatus",
    "normalise_email",
]
