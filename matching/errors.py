"""Errors the matching library raises for input a caller can fix, as structured records.

Every error carries the field it is about as a path (`leaders[3].grade`, `rules.weights.goals`,
`pinned[0]`) and the ids of the people concerned, as attributes: a caller maps them to its own
form fields and names without reading the message. `str(error)` is still one plain sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class InputError(ValueError):
    """Invalid problem or sessions input: `path` names the field, `problem` says what is wrong, `ids` who."""

    def __init__(
        self, path: str, problem: str, *, ids: Iterable[str] = (), owner: str = "", joiner: str = ": "
    ) -> None:
        self.path = path
        self.problem = problem
        self.ids: tuple[str, ...] = tuple(dict.fromkeys(str(x) for x in ids))
        self.owner = owner  # "leader 'L3'" when a dataclass was built directly, so the path is its own field
        self.joiner = joiner
        where = f"{owner} {path}" if owner and path else (owner or path)
        super().__init__(f"{where}{joiner}{problem}" if where else problem)

    @property
    def field(self) -> str:
        """The field path (the same as `path`)."""
        return self.path

    @property
    def root(self) -> str:
        """The top-level key of the path: `rules` for `rules.weights.goals`, `leaders` for `leaders[3].grade`."""
        return self.path.split(".", 1)[0].split("[", 1)[0]

    @property
    def index(self) -> int | None:
        """The list position in the path's first part (3 for `leaders[3].grade`), None when there is none."""
        head = self.path.split(".", 1)[0]
        if "[" not in head:
            return None
        inside = head.split("[", 1)[1].split("]", 1)[0]
        return int(inside) if inside.isdigit() else None

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data: path, problem, ids and the sentence."""
        return {"path": self.path, "problem": self.problem, "ids": list(self.ids), "message": str(self)}

    def owned_by(self, owner: str, ids: Iterable[str] = ()) -> InputError:
        """The same error, labelled with the object that holds the field (e.g. "leader 'L3'")."""
        return type(self)(self.path, self.problem, ids=(*ids, *self.ids), owner=owner, joiner=self.joiner)

    def under(self, prefix: str, ids: Iterable[str] = ()) -> InputError:
        """The same error as a plain InputError whose field path starts with `prefix`."""
        path = f"{prefix}.{self.path}" if prefix and self.path else (prefix or self.path)
        return InputError(path, self.problem, ids=(*ids, *self.ids), joiner=self.joiner)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.path, self.problem, self.ids, self.owner, self.joiner)


def _rebuild(cls: type[InputError], path: str, problem: str, ids: tuple[str, ...], owner: str, joiner: str) -> Any:
    return cls(path, problem, ids=ids, owner=owner, joiner=joiner)


class FieldError(InputError):
    """An InputError about one field whose path is still relative to the object that holds it."""
