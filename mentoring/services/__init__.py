"""Use cases: each public function is one transaction, committed at its end."""


class ServiceError(Exception):
    """A use case refused: the message is written for the person who asked."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or is not theirs to see."""


class Forbidden(ServiceError):
    """The person may not do this."""


class Conflict(ServiceError):
    """The action clashes with the current state (a run in progress, a cohort already published)."""
