"""The session graph: how a programme is going, from typed records of people, pairs and sessions.

`records` holds the frozen dataclasses that go in and the typed metrics that come out (`Metrics`,
plain dicts at run time); `wire` reads and checks the SESSIONS.json format and writes it back (for the command
line and other processes); `network` builds the networkx graph; `metrics` computes the figures (linear in
pairs + sessions); `export` writes GraphML and CSV; `svg` draws the graph.
Input format, metric definitions and edge cases are documented in docs/graph.md.
"""

from matching.graph.export import metrics_csv, to_graphml
from matching.graph.metrics import compute_metrics, earlier_pairs, metrics_from_json, session_metrics
from matching.graph.network import build_graph, pair_summary
from matching.graph.records import (
    DepartmentMetrics,
    LeaderMetrics,
    MentorMetrics,
    Metrics,
    PairMetrics,
    PairRecord,
    Person,
    ProgrammeMetrics,
    SessionRecord,
    SessionsData,
    SkillMetrics,
)
from matching.graph.svg import render_svg
from matching.graph.wire import parse_sessions, write_sessions

__all__ = [
    "DepartmentMetrics",
    "LeaderMetrics",
    "MentorMetrics",
    "Metrics",
    "PairMetrics",
    "PairRecord",
    "Person",
    "ProgrammeMetrics",
    "SessionRecord",
    "SessionsData",
    "SkillMetrics",
    "build_graph",
    "compute_metrics",
    "earlier_pairs",
    "metrics_csv",
    "metrics_from_json",
    "pair_summary",
    "parse_sessions",
    "render_svg",
    "session_metrics",
    "to_graphml",
    "write_sessions",
]
