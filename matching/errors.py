"""Errors the matching library raises for input a caller can fix."""


class InputError(ValueError):
    """Invalid problem or sessions input; the message is one plain sentence naming the bad field."""


class FieldError(InputError):
    """An InputError about one field; `field` is its path inside the object that holds it."""

    def __init__(self, field: str, problem: str, owner: str = "") -> None:
        self.field = field
        self.problem = problem
        where = f"{owner} {field}" if owner else field
        super().__init__(f"{where}: {problem}")

    def owned_by(self, owner: str) -> "FieldError":
        """The same error, labelled with the object that holds the field (e.g. "leader 'L3'")."""
        return FieldError(self.field, self.problem, owner)

    def under(self, path: str) -> InputError:
        """The same error as a plain InputError whose field path starts with `path`."""
        return InputError(f"{path}.{self.field}: {self.problem}")
