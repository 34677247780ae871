"""Use cases: each public function is one transaction, committed at its end."""


class ServiceError(Exception):
    """A use case refused: the message is written for the person who asked."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or is not theirs to see."""


class Forbidden(ServiceError):
    """The person may not do this."""


class Conflict(ServiceError):
    """The action clashes with the current state (a run in progress, a cohort already published)."""


class InvalidField(ServiceError):
    """A value a person entered cannot be used; `field` names the form field ("goals.2.skill" for a row's field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
