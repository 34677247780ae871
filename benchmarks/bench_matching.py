"""Benchmark of the matching engine against scipy's linear_sum_assignment (`make bench`).

For each size (leaders x mentors) a generated problem is solved in a fresh process, so the peak
memory (maximum resident set size) belongs to that size alone. Up to 2,000 x 6,000 the same scores
are also given to scipy as a dense matrix with each mentor's column repeated once per place, and
both objectives (leaders matched, total score) are compared.

    .venv/bin/python benchmarks/bench_matching.py [--sizes 100x300,500x1500] [--seed 3] [--repeat 1]
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
SIZES = ("100x300", "500x1500", "2000x6000", "10000x30000")
SCIPY_MAX_CELLS = 2_000 * 6_000
TARGET_RATIO, TARGET_SECONDS, TARGET_MB = 3.0, 60.0, 4096


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _scipy(problem, feats) -> dict:
    """Dense scores -> scipy's assignment, coverage first through a bonus larger than any score total."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from matching.candidates import chunks
    from matching.fast import FastScorer

    scorer = FastScorer(feats, problem.rules)
    n, m = len(feats.leaders.ids), len(feats.mentors.ids)
    dense = np.vstack([scorer.block(rows) for rows in chunks(np.arange(n), m)]) if n else np.zeros((0, m))
    start = time.perf_counter()
    columns = np.repeat(np.arange(m), feats.mentors.slots)
    allowed = np.isfinite(dense)
    bonus = 1.0 + float(np.abs(np.where(allowed, dense, 0.0)).max(initial=0.0)) * n
    matrix = np.where(allowed, dense + bonus, 0.0)[:, columns]
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    seconds = time.perf_counter() - start
    keep = allowed[rows, columns[cols]]
    picked = dense[rows, columns[cols]][keep]
    return {"scipy_s": seconds, "scipy_matched": int(keep.sum()), "scipy_total": round(float(picked.sum()), 2)}


def child(size: str, seed: int, full_check: bool) -> dict:
    """Run one size in this process and return its figures."""
    from matching import problem_from_dict, solve
    from matching.features import build_features
    from matching.generate import generate

    n, m = (int(x) for x in size.split("x"))
    start = time.perf_counter()
    problem = problem_from_dict(generate(n, m, seed=seed))
    built = time.perf_counter() - start
    start = time.perf_counter()
    solution = solve(problem)
    ours = time.perf_counter() - start
    out = {
        "size": size,
        "leaders": n,
        "mentors": m,
        "build_problem_s": built,
        "ours_s": ours,
        "peak_mb": _peak_mb(),
        "status": solution.status,
        "matched": solution.matched,
        "total": solution.total_score,
        "candidates": solution.stats["candidates"],
        "compatible_pairs": solution.stats["compatible_pairs"],
        "pairs_added_by_pricing": solution.stats["pairs_added_by_pricing"],
        "leaders_rescanned": solution.stats["leaders_rescanned"],
        "times": solution.stats["times"],
    }
    if full_check:  # the same proof, rescoring every left-out pair instead of using the per-leader bound
        start = time.perf_counter()
        again = solve(problem, full_dual_check=True)
        out["full_check_s"] = time.perf_counter() - start
        out["full_check_same"] = (again.matched, again.total_score) == (solution.matched, solution.total_score)
    if n * m <= SCIPY_MAX_CELLS:
        out.update(_scipy(problem, build_features(problem)))
    return out


def _run_size(size: str, seed: int, full_check: bool) -> dict:
    extra = [] if full_check else ["--no-full-check"]
    done = subprocess.run(
        [sys.executable, __file__, "--child", size, "--seed", str(seed), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark of {size} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    best = dict(runs[0])
    for key in ("ours_s", "peak_mb", "scipy_s", "full_check_s"):
        if key in best:
            best[key] = statistics.median(r[key] for r in runs)
    return best


def _verdicts(r: dict) -> list[str]:
    notes = []
    if "scipy_s" in r:
        same = r["matched"] == r["scipy_matched"] and abs(r["total"] - r["scipy_total"]) < 0.005
        notes.append("objective equal" if same else "OBJECTIVE DIFFERS")
        if r["size"] == "2000x6000":
            notes.append(f"ratio {'<=' if r['ours_s'] / r['scipy_s'] <= TARGET_RATIO else '>'} {TARGET_RATIO:g}")
    if "full_check_s" in r:
        notes.append("full dual check agrees" if r["full_check_same"] else "FULL DUAL CHECK DIFFERS")
    if r["size"] == "10000x30000":
        ok = r["status"] == "optimal" and r["ours_s"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
        notes.append("proven optimal within 60 s and 4 GB" if ok else "TARGET MISSED")
    return notes


def table(results: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| leaders x mentors | ours (s) | peak memory (MB) | scipy LSA (s) | ours / scipy | ours: matched, total "
        "| scipy: matched, total | status | candidates / compatible pairs | full dual check (s) | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "scipy_s" in r:
            scipy_s, ratio = f"{r['scipy_s']:.2f}", f"{r['ours_s'] / r['scipy_s']:.2f}"
            scipy_obj = f"{r['scipy_matched']:,}, {r['scipy_total']:,.2f}"
        else:
            scipy_s = ratio = scipy_obj = "-"
        full = f"{r['full_check_s']:.2f}" if "full_check_s" in r else "-"
        lines.append(
            f"| {r['leaders']:,} x {r['mentors']:,} | {r['ours_s']:.2f} | {r['peak_mb']:,.0f} | {scipy_s} | {ratio} "
            f"| {r['matched']:,}, {r['total']:,.2f} | {scipy_obj} | {r['status']} "
            f"| {r['candidates']:,} / {r['compatible_pairs']:,} | {full} | {'; '.join(_verdicts(r)) or '-'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated LEADERSxMENTORS")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1, help="fresh runs per size; the median is shown")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures here")
    parser.add_argument("--no-full-check", action="store_true", help="skip timing the full dual check")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.seed, not args.no_full_check)))
        return 0
    results = []
    for size in args.sizes.split(","):
        runs = [_run_size(size.strip(), args.seed, not args.no_full_check) for _ in range(max(1, args.repeat))]
        results.append(_median(runs))
        r = results[-1]
        print(f"{size}: ours {r['ours_s']:.2f} s, peak {r['peak_mb']:.0f} MB, {r['status']}", file=sys.stderr)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    failed = any("MISSED" in v or "DIFFERS" in v or "ratio >" in v for r in results for v in _verdicts(r))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
