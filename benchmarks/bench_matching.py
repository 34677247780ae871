"""Benchmark of the matching engine against scipy's linear_sum_assignment and OR-Tools (`make bench`).

Each case runs in a fresh process, so the peak memory (maximum resident set size, taken right after
our solve) belongs to that case alone. A case is LEADERSxMENTORS, optionally `:scores` for a problem
with explicit scores (about 60 listed mentors per leader, the path an analyst's own model takes) or
`:cap` for max_per_department_per_mentor = 1 (scipy has no side constraints: no scipy column there).

* ours: loading the problem from its JSON form (`problem_from_dict`) plus `solve`, end to end; also
  its processor time (and the loading's share), which on a busy machine is closer to what an idle
  one would take than the wall time is (the engine scores on one thread by default).
* scipy: the dense matrix build (every compatible pair's score, each mentor's column repeated per
  place, coverage first through a large bonus) plus `linear_sum_assignment`, on the same scores.
* OR-Tools: `SimpleMinCostFlow` alone on our final candidate pool (network built and solved), the
  practical limit for this pool: the column shows how far the whole pipeline is from it.

Ratios are measured in the same process, one right after the other, so machine load moves both.
Imports (ours, scipy's, OR-Tools') happen before any timing.

    .venv/bin/python benchmarks/bench_matching.py [--cases 500x1500,2000x6000:scores] [--seed 3] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("500x1500", "2000x6000", "2000x6000:scores", "10000x30000", "2000x1000", "10000x4000", "10000x4000:cap")
SCIPY_MAX_CELLS = 120_000_000  # leaders x places of the dense matrix given to scipy
SCORES_PER_LEADER = 60
TARGETS = {  # case -> (max seconds, max ratio to scipy, max MB)
    "500x1500": (0.15, None, None),
    "2000x6000": (None, 1.0, None),
    "2000x6000:scores": (None, 1.0, None),
    "10000x30000": (6.0, None, 1024),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _with_scores(data: dict, seed: int) -> dict:
    """The generated problem with about 60 listed mentors per leader and a score for each (hundredths)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    mentors = [p["id"] for p in data["mentors"]]
    scores = []
    for leader in data["leaders"]:
        for j in rng.choice(len(mentors), min(SCORES_PER_LEADER, len(mentors)), replace=False).tolist():
            scores.append({"leader": leader["id"], "mentor": mentors[j], "score": round(float(rng.uniform(1, 100)), 2)})
    return data | {"scores": scores}


def _scipy(problem, feats) -> dict:
    """Dense scores -> scipy's assignment, coverage first through a bonus larger than any score total."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from matching.candidates import chunks, given_candidates
    from matching.fast import FastScorer

    start = time.perf_counter()
    scorer = FastScorer(feats, problem.rules)
    n, m = len(feats.leaders.ids), len(feats.mentors.ids)
    if feats.given is not None:  # the listed pairs that pass the rules, spread into a dense matrix
        pool = given_candidates(scorer)
        dense = np.full((n, m), -np.inf)
        dense[pool.li, pool.mj] = pool.score
    else:
        dense = np.vstack([scorer.block(rows) for rows in chunks(np.arange(n), m)]) if n else np.zeros((0, m))
    columns = np.repeat(np.arange(m), feats.mentors.slots)
    allowed = np.isfinite(dense)
    bonus = 1.0 + float(np.abs(np.where(allowed, dense, 0.0)).max(initial=0.0)) * n
    matrix = np.where(allowed, dense + bonus, 0.0)[:, columns]
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    seconds = time.perf_counter() - start
    keep = allowed[rows, columns[cols]]
    picked = dense[rows, columns[cols]][keep]
    return {"scipy_s": seconds, "scipy_matched": int(keep.sum()), "scipy_total": round(float(picked.sum()), 2)}


def _ortools_on_pool(problem) -> float:
    """Seconds for OR-Tools' min-cost flow alone on our final candidate pool (network built and solved)."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    from matching import flow
    from matching.solve import _Search

    search = _Search(problem, None, 10)
    search.run()
    data = search._input()
    if not flow.is_network(data):
        return float("nan")
    start = time.perf_counter()
    net = flow.build_network(data)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, net.cap, net.cost)
    solver.set_nodes_supplies(np.array([0, 1]), np.array([net.supply, -net.supply]))
    solver.solve()
    return time.perf_counter() - start


def child(case: str, seed: int) -> dict:
    """Run one case in this process and return its figures."""
    from matching import flow, problem_from_dict, solve
    from matching.features import build_features
    from matching.generate import generate

    flow.available()  # imports OR-Tools now: imports are not timed on either side

    size, _, kind = case.partition(":")
    n, m = (int(x) for x in size.split("x"))
    data = generate(n, m, seed=seed)
    if kind == "scores":
        data = _with_scores(data, seed)
    if kind == "cap":
        data["rules"] = {"max_per_department_per_mentor": 1}
    start, cpu = time.perf_counter(), time.process_time()
    problem = problem_from_dict(data)
    loaded = time.process_time()
    solution = solve(problem)
    ours = time.perf_counter() - start
    ours_cpu, load_cpu = time.process_time() - cpu, loaded - cpu
    out = {
        "case": case,
        "leaders": n,
        "mentors": m,
        "ours_s": ours,
        "ours_cpu_s": ours_cpu,  # processor time: close to an idle machine's wall time (one thread)
        "load_cpu_s": load_cpu,
        "peak_mb": _peak_mb(),
        "status": solution.status,
        "matched": solution.matched,
        "total": solution.total_score,
        "solver": solution.stats["solver"],
        "candidates": solution.stats["candidates"],
        "compatible_pairs": solution.stats["compatible_pairs"],
        "pricing_rounds": solution.stats["pricing_rounds"],
        "times": solution.stats["times"],
    }
    out["ortools_s"] = _ortools_on_pool(problem)
    places = sum(p.capacity for p in problem.mentors)
    if n * places <= SCIPY_MAX_CELLS and kind != "cap":
        out.update(_scipy(problem, build_features(problem)))
    return out


def _run_case(case: str, seed: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", case, "--seed", str(seed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark of {case} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    best = dict(runs[0])
    for key in ("ours_s", "ours_cpu_s", "load_cpu_s", "peak_mb", "scipy_s", "ortools_s"):
        if key in best:
            best[key] = statistics.median(r[key] for r in runs)
    if "scipy_s" in best:  # ratios of the same process, then their median
        best["ratio"] = statistics.median(r["ours_s"] / r["scipy_s"] for r in runs)
    best["ortools_ratio"] = statistics.median(r["ours_s"] / r["ortools_s"] for r in runs)
    return best


def _verdicts(r: dict) -> list[str]:
    notes = ["proven optimal" if r["status"] == "optimal" else "NOT PROVEN OPTIMAL"]
    if "scipy_s" in r:
        same = r["matched"] == r["scipy_matched"] and abs(r["total"] - r["scipy_total"]) < 0.005
        notes.append("objective equal to scipy" if same else "OBJECTIVE DIFFERS")
    seconds, ratio, mb = TARGETS.get(r["case"], (None, None, None))
    if seconds is not None:
        notes.append(f"{'<=' if r['ours_s'] <= seconds else 'MISSED >'} {seconds:g} s")
    if ratio is not None and "ratio" in r:
        notes.append(f"{'<=' if r['ratio'] <= ratio else 'MISSED >'} {ratio:g} x scipy")
    if mb is not None:
        notes.append(f"{'<=' if r['peak_mb'] <= mb else 'MISSED >'} {mb} MB")
    return notes


def table(results: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| case | ours: load + solve (s) | ours: CPU s (of it loading) "
        "| peak MB | scipy: dense + LSA (s) | ours / scipy | OR-Tools on our pool (s) "
        "| ours / OR-Tools | ours: matched, total | scipy: matched, total | solver, rounds | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "scipy_s" in r:
            scipy_s, ratio = f"{r['scipy_s']:.2f}", f"{r['ratio']:.2f}"
            scipy_obj = f"{r['scipy_matched']:,}, {r['scipy_total']:,.2f}"
        else:
            scipy_s = ratio = scipy_obj = "-"
        lines.append(
            f"| {r['case']} | {r['ours_s']:.2f} | {r['ours_cpu_s']:.2f} ({r['load_cpu_s']:.2f}) "
            f"| {r['peak_mb']:,.0f} | {scipy_s} | {ratio} | {r['ortools_s']:.3f} "
            f"| {r['ortools_ratio']:.1f} | {r['matched']:,}, {r['total']:,.2f} | {scipy_obj} "
            f"| {r['solver']}, {r['pricing_rounds']} | {'; '.join(_verdicts(r))} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", "--sizes", default=",".join(CASES), help="comma-separated LEADERSxMENTORS[:scores]")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1, help="fresh runs per case; medians are shown")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.seed)))
        return 0
    results = []
    for case in args.cases.split(","):
        runs = [_run_case(case.strip(), args.seed) for _ in range(max(1, args.repeat))]
        results.append(_median(runs))
        r = results[-1]
        print(
            f"{case}: ours {r['ours_s']:.2f} s ({r['ours_cpu_s']:.2f} s CPU), "
            f"peak {r['peak_mb']:.0f} MB, {r['status']}",
            file=sys.stderr,
        )
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    failed = any("MISSED" in v or "DIFFERS" in v or "NOT PROVEN" in v for r in results for v in _verdicts(r))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
