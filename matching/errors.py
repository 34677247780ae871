"""Errors the matching library raises for input a caller can fix, as structured records.

Every error carries the field it is about as a path (`leaders[3].grade`, `rules.weights.goals`,
`pinned[0]`) and the ids of the people concerned, as attributes: a caller maps them to its own
form fields and names without reading the message. `str(error)` is still one plain sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def name_people(template: str, ids: Sequence[str], names: Mapping[str, str] | None = None, more: int = 0) -> str:
    """A sentence with its people filled in: `{0}`, `{1}`... are ids[0], ids[1]...; `{people}` lists them all
    ("'3', '9' and 2 more"). With `names`, each id is shown by its name (ids without one stay quoted)."""
    shown = [names[i] if names is not None and i in names else repr(i) for i in ids]
    listing = ", ".join(shown) + (f" and {more} more" if more else "")
    return template.format(*shown, people=listing)


class InputError(ValueError):
    """Invalid problem or sessions input: `path` names the field, `problem` says what is wrong, `ids` who."""

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        ids: Iterable[str] = (),
        owner: str = "",
        joiner: str = ": ",
        template: str = "",
    ) -> None:
        self.path = path
        self.ids: tuple[str, ...] = tuple(dict.fromkeys(str(x) for x in ids))
        # `template` names people by position ({0} is ids[0]): `render(names)` shows them by name.
        self.template = template
        self.problem = name_people(template, self.ids) if template else problem
        self.owner = owner  # "leader 'L3'" when a dataclass was built directly, so the path is its own field
        self.joiner = joiner
        where = f"{owner} {path}" if owner and path else (owner or path)
        super().__init__(f"{where}{joiner}{self.problem}" if where else self.problem)

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

    def render(self, names: Mapping[str, str]) -> str:
        """The problem with each person named (`names`: id -> name), for people rather than for programs."""
        return name_people(self.template, self.ids, names) if self.template else self.problem

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data: path, problem, ids, the template naming them, and the sentence."""
        return {
            "path": self.path,
            "problem": self.problem,
            "ids": list(self.ids),
            "template": self.template,
            "message": str(self),
        }

    def owned_by(self, owner: str, ids: Iterable[str] = ()) -> InputError:
        """The same error, labelled with the object that holds the field (e.g. "leader 'L3'")."""
        if self.template:  # positions in the template refer to the error's own ids: keep them first
            return type(self)(
                self.path, self.problem, ids=self.ids, owner=owner, joiner=self.joiner, template=self.template
            )
        return type(self)(self.path, self.problem, ids=(*ids, *self.ids), owner=owner, joiner=self.joiner)

    def under(self, prefix: str, ids: Iterable[str] = ()) -> InputError:
        """The same error as a plain InputError whose field path starts with `prefix`."""
        path = f"{prefix}.{self.path}" if prefix and self.path else (prefix or self.path)
        if self.template:
            return InputError(path, self.problem, ids=self.ids, joiner=self.joiner, template=self.template)
        return InputError(path, self.problem, ids=(*ids, *self.ids), joiner=self.joiner)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.path, self.problem, self.ids, self.owner, self.joiner, self.template)


def _rebuild(
    cls: type[InputError], path: str, problem: str, ids: tuple[str, ...], owner: str, joiner: str, template: str
) -> Any:
    return cls(path, problem, ids=ids, owner=owner, joiner=joiner, template=template)


class FieldError(InputError):
    """An InputError about one field whose path is still relative to the object that holds it."""
