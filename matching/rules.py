"""The manager's matching rules (Rules); the named score criteria and their default weights come from the rule book."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from matching.errors import FieldError, InputError
from matching.fields import as_int, as_opt_number, reject_unknown
from matching.rulebook import CRITERIA, CRITERION_NAMES, Criterion

DEFAULT_WEIGHTS: Mapping[str, float] = {c.name: c.default_weight for c in CRITERIA}
GIVEN = "given"  # the single reason of a pair whose score came from Problem.scores

OBJECTIVES = ("coverage", "score")
FORBID_ALLOW = ("forbid", "allow")
REPEAT = ("forbid", "allow", "penalize")
RULE_KEYS = (
    "objective",
    "same_department",
    "reporting_line",
    "min_grade_gap",
    "common_language",
    "repeat_pairs",
    "min_score",
    "max_per_department_per_mentor",
    "weights",
    "time_limit_s",
)


def _choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise FieldError(name, f"must be one of {', '.join(repr(o) for o in options)}, got {value!r}.")
    return str(value)


def _weights(value: Any) -> tuple[tuple[str, float], ...]:
    if value is None:
        value = {}
    if isinstance(value, tuple):
        value = dict(value)
    if not isinstance(value, Mapping):
        raise FieldError("weights", "must map criterion names to numbers.")
    for name in value:
        if name not in DEFAULT_WEIGHTS:
            raise FieldError(f"weights.{name}", f"unknown criterion; expected one of {', '.join(CRITERION_NAMES)}.")
    merged = []
    for name in CRITERION_NAMES:
        weight = as_opt_number(value.get(name, DEFAULT_WEIGHTS[name]), f"weights.{name}")
        if weight is None or weight < 0 or weight > 1000:
            raise FieldError(f"weights.{name}", f"must be a number from 0 to 1000, got {value.get(name)!r}.")
        merged.append((name, weight))
    return tuple(merged)


@dataclass(frozen=True)
class Rules:
    """How a cohort is matched: objective, hard rules, score weights and the solver's time limit."""

    objective: str = "coverage"
    same_department: str = "forbid"
    reporting_line: str = "forbid"
    min_grade_gap: float | None = 1
    common_language: bool = True
    repeat_pairs: str = "forbid"
    min_score: float | None = None
    max_per_department_per_mentor: int | None = None
    weights: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    time_limit_s: float = 60

    def __post_init__(self) -> None:
        try:
            self._normalise()
        except FieldError as err:
            raise err.under("rules") from None

    def _normalise(self) -> None:
        put = object.__setattr__
        put(self, "objective", _choice(self.objective, "objective", OBJECTIVES))
        put(self, "same_department", _choice(self.same_department, "same_department", FORBID_ALLOW))
        put(self, "reporting_line", _choice(self.reporting_line, "reporting_line", FORBID_ALLOW))
        gap = as_opt_number(self.min_grade_gap, "min_grade_gap")
        put(self, "min_grade_gap", gap)
        if not isinstance(self.common_language, bool):
            raise FieldError("common_language", f"must be true or false, got {self.common_language!r}.")
        put(self, "repeat_pairs", _choice(self.repeat_pairs, "repeat_pairs", REPEAT))
        put(self, "min_score", as_opt_number(self.min_score, "min_score"))
        cap = self.max_per_department_per_mentor
        put(
            self,
            "max_per_department_per_mentor",
            None if cap is None else as_int(cap, "max_per_department_per_mentor", 1),
        )
        put(self, "weights", _weights(self.weights))
        limit = as_opt_number(self.time_limit_s, "time_limit_s")
        if limit is None or not 0 < limit <= 3600:
            raise FieldError(
                "time_limit_s", f"must be a number of seconds above 0 and at most 3600, got {self.time_limit_s!r}."
            )
        put(self, "time_limit_s", limit)

    def weight(self, criterion: str) -> float:
        """The weight (maximum points) of one criterion."""
        return dict(self.weights)[criterion]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Rules:
        """Rules from their JSON form; missing keys take their defaults."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise InputError("rules", "must be an object.")
        try:
            reject_unknown(data, RULE_KEYS, "")
        except FieldError as err:
            raise err.under("rules") from None
        return cls(**{key: data[key] for key in RULE_KEYS if key in data})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with every key present and weights complete."""
        out: dict[str, Any] = {key: getattr(self, key) for key in RULE_KEYS}
        out["weights"] = dict(self.weights)
        return out


__all__ = ["CRITERIA", "CRITERION_NAMES", "DEFAULT_WEIGHTS", "GIVEN", "Criterion", "Rules"]
