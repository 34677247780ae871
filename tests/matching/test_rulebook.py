"""The rule book is the one definition: every path reads it, and it agrees with the pair-by-pair reference."""

import numpy as np

from matching import CRITERIA, DEFAULT_WEIGHTS, diagnose, fast, problem_from_dict
from matching.features import build_features
from matching.generate import generate
from matching.rulebook import CRITERIA as BOOK_CRITERIA
from matching.rulebook import HARD_RULES, RULE_NAMES
from matching.rules import Rules
from matching.views import Grid, Pairs


def test_the_public_criteria_are_the_rule_books():
    assert CRITERIA is BOOK_CRITERIA
    assert dict(DEFAULT_WEIGHTS) == {c.name: c.default_weight for c in BOOK_CRITERIA}


def test_every_hard_rule_has_its_phrases_and_the_diagnosis_reads_them():
    for rule in HARD_RULES:
        assert rule.unmatched and (rule.pin or rule.pins_may_break), rule.name
        assert (rule.fails is None) != (rule.on_score is None), rule.name
    assert {r.name: r.unmatched for r in HARD_RULES} == diagnose.UNMATCHED_PHRASES
    assert list(RULE_NAMES) == [r.name for r in HARD_RULES]


def test_every_profile_entry_is_in_exactly_one_fast_table_group():
    grouped = [name for group in fast.GROUPS for name in (*group[0], *group[1])]
    profile = [e.name for e in (*BOOK_CRITERIA, *HARD_RULES) if e.profile]
    assert sorted(grouped) == sorted(profile)


def test_each_formula_gives_the_same_on_a_grid_and_on_listed_pairs():
    problem = problem_from_dict(generate(20, 40, seed=5))
    feats = build_features(problem)
    rules = Rules(repeat_pairs="penalize", min_grade_gap=0)
    rows = np.arange(20)
    li, mj = (a.ravel() for a in np.meshgrid(rows, np.arange(40), indexing="ij"))
    for entry in (*BOOK_CRITERIA, *HARD_RULES):
        formula = getattr(entry, "cents", None) or getattr(entry, "fails", None)
        if formula is None:
            continue
        grid = np.broadcast_to(formula(Grid(feats, rows), rules), (20, 40))
        assert np.array_equal(grid.ravel(), formula(Pairs(feats, li, mj), rules)), entry.name
