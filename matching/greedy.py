"""A greedy assignment, used only when the solver stops without any solution (time limit)."""

from __future__ import annotations

import numpy as np

from matching.candidates import Pool
from matching.features import Features, PairSet
from matching.rules import Rules


def greedy(feats: Features, pool: Pool, pins: PairSet, rules: Rules) -> np.ndarray:
    """Pins first, then candidate pairs by falling score (ties by id order), within every limit."""
    m = len(feats.mentors.ids)
    keys = pool.keys(m)
    slots = feats.leaders.slots.copy()
    places = feats.mentors.slots.copy()
    per_dept: dict[tuple[int, int], int] = {}
    cap = rules.max_per_department_per_mentor
    chosen = np.zeros(len(keys), dtype=bool)
    pinned = pins.contains(keys)
    blocked = feats.forbidden.contains(keys)
    order = np.lexsort((np.arange(len(keys)), -pool.score, ~pinned))
    for k in order.tolist():
        i, j = int(pool.li[k]), int(pool.mj[k])
        d = int(feats.leaders.dept[i])
        if blocked[k] or slots[i] == 0 or places[j] == 0:
            continue
        if not pinned[k] and rules.objective == "score" and pool.score[k] <= 0:
            continue
        if cap is not None and d >= 0 and per_dept.get((j, d), 0) >= cap:
            continue
        chosen[k] = True
        slots[i] -= 1
        places[j] -= 1
        per_dept[j, d] = per_dept.get((j, d), 0) + 1
    return chosen
