"""Reverse-mentoring matching: an exact, explainable optimiser and session-graph analytics.

A pure library (stdlib, numpy, scipy, PuLP with HiGHS, networkx): no web framework, no database.
"""

from matching.errors import InputError
from matching.fields import natural_key
from matching.io import dump_solution, load_problem, problem_from_dict, problem_to_dict, solution_to_dict
from matching.problem import Goal, Leader, Mentor, Problem
from matching.records import (
    goals_from_records,
    leaders_from_columns,
    leaders_from_records,
    mentors_from_columns,
    mentors_from_records,
)
from matching.rules import CRITERIA, CRITERION_NAMES, DEFAULT_WEIGHTS, Criterion, Rules
from matching.solution import MentorLoad, Pair, Solution, Unmatched
from matching.solve import solve

__all__ = [
    "CRITERIA",
    "CRITERION_NAMES",
    "DEFAULT_WEIGHTS",
    "Criterion",
    "Goal",
    "InputError",
    "Leader",
    "Mentor",
    "MentorLoad",
    "Pair",
    "Problem",
    "Rules",
    "Solution",
    "Unmatched",
    "dump_solution",
    "goals_from_records",
    "leaders_from_columns",
    "leaders_from_records",
    "load_problem",
    "mentors_from_columns",
    "mentors_from_records",
    "natural_key",
    "problem_from_dict",
    "problem_to_dict",
    "solution_to_dict",
    "solve",
]
