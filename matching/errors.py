"""Errors the matching library raises for input a caller can fix."""


class InputError(ValueError):
    """Invalid problem or sessions input; the message is one plain sentence naming the bad field."""
