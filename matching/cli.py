"""The command line: python -m matching solve | check | generate | graph."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence

from matching.errors import InputError


def cmd_solve(args: argparse.Namespace) -> int:
    """Solve PROBLEM.json; print the Solution JSON or write it to -o."""
    from matching.io import dump_solution, dumps_solution, load_problem
    from matching.solve import solve

    solution = solve(load_problem(args.problem), write_lp=args.write_lp)
    if args.output:
        dump_solution(solution, args.output)
        print(
            f"{solution.status}: {solution.matched} of {solution.stats.get('leaders')} leaders matched, "
            f"total score {solution.total_score:g}, {len(solution.unmatched)} short of a mentor; "
            f"written to {args.output}"
        )
    else:
        sys.stdout.write(dumps_solution(solution))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Re-check SOLUTION.json against PROBLEM.json; print each violation, exit 1 if any."""
    from matching.check import check
    from matching.io import load_problem, read_json, solution_from_dict

    problem = load_problem(args.problem)
    solution = solution_from_dict(read_json(args.solution, "solution"))
    violations = check(problem, solution)
    for line in violations:
        print(line)
    if violations:
        print(f"{len(violations)} violation(s) found.", file=sys.stderr)
        return 1
    print(f"OK: {len(solution.pairs)} pair(s) checked; every hard rule, capacity and pin holds.")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Print (or write) a synthetic problem."""
    from matching.generate import generate

    if args.leaders < 0 or args.mentors < 0:
        raise InputError("--leaders and --mentors", "must not be negative.")
    text = json.dumps(generate(args.leaders, args.mentors, args.seed, args.two_mentor_share), indent=1) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError("--as-of", f"{text!r} is not a date in the form YYYY-MM-DD.") from None


def cmd_graph(args: argparse.Namespace) -> int:
    """Print the session-graph metrics of SESSIONS.json."""
    from matching.graph import metrics_from_json  # written alongside; imported only when used
    from matching.io import read_json

    data = read_json(args.sessions, "sessions")
    if not isinstance(data, dict):
        raise InputError("sessions", "the top level must be a JSON object with people, pairs and sessions.")
    as_of = _date(args.as_of) if args.as_of else dt.date.today()
    if args.stall_days < 0 or args.min_sessions < 0:
        raise InputError("--stall-days and --min-sessions", "must not be negative.")
    result = metrics_from_json(data, as_of=as_of, stall_days=args.stall_days, min_sessions=args.min_sessions)
    print(json.dumps(result, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its four subcommands."""
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("solve", help="match leaders to mentors")
    p.add_argument("problem", metavar="PROBLEM.json")
    p.add_argument("-o", "--output", metavar="SOLUTION.json")
    p.add_argument("--write-lp", metavar="MODEL.lp", help="also write the final model (CPLEX LP format)")
    p.set_defaults(func=cmd_solve)
    p = sub.add_parser("check", help="validate a solution against a problem")
    p.add_argument("problem", metavar="PROBLEM.json")
    p.add_argument("solution", metavar="SOLUTION.json")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("generate", help="print a realistic synthetic problem")
    p.add_argument("--leaders", type=int, required=True)
    p.add_argument("--mentors", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--two-mentor-share", type=float, default=0.0, help="share of leaders who want two mentors")
    p.add_argument("-o", "--output", metavar="PROBLEM.json")
    p.set_defaults(func=cmd_generate)
    p = sub.add_parser("graph", help="session-graph metrics as JSON")
    p.add_argument("sessions", metavar="SESSIONS.json")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", default=None)
    p.add_argument("--stall-days", type=int, default=30)
    p.add_argument("--min-sessions", type=int, default=3)
    p.set_defaults(func=cmd_graph)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 check failed, 2 bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as err:
        print(str(err), file=sys.stderr)
        return 2
