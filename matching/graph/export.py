"""Exports of the session graph: GraphML for Gephi or yEd, and the per-pair metrics as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from typing import Any

import networkx as nx

from matching.graph.network import graph_pairs, graph_people, pair_summary
from matching.graph.svg import xml_safe


def to_graphml(
    graph: nx.Graph,
    labels: Mapping[str, str] | None = None,
    as_of: dt.date | None = None,
) -> str:
    """The session graph as GraphML text for Gephi or yEd, with scalar node and edge attributes only."""
    labels = labels or {}
    out = nx.Graph()
    for person in graph_people(graph):
        label = labels.get(person.id, person.id)
        out.add_node(
            person.id,
            label=xml_safe(label),
            role=person.role,
            department=xml_safe(person.department),
        )
    for pair in graph_pairs(graph):
        summary = pair_summary(pair, as_of)
        attrs: dict[str, Any] = {
            "leader": pair.leader,
            "mentor": pair.mentor,
            "started": pair.started.isoformat(),
            "weight": float(summary["held"]),
            "held": summary["held"],
            "minutes_held": summary["minutes_held"],
            "cancelled_by_leader": summary["cancelled_by_leader"],
            "cancelled_by_mentor": summary["cancelled_by_mentor"],
            "missed": summary["missed"],
            "last_held": summary["last_held"].isoformat() if summary["last_held"] else "",
            "goals": xml_safe(", ".join(pair.goals)),
            "goals_covered": xml_safe(", ".join(summary["goals_covered"])),
        }
        # GraphML has no null: a missing mean rating is left out rather than written as 0.
        for side in ("leader", "mentor"):
            mean = summary[f"mean_rating_by_{side}"]
            if mean is not None:
                attrs[f"mean_rating_by_{side}"] = float(mean)
        out.add_edge(pair.leader, pair.mentor, **attrs)
    return "\n".join(nx.generate_graphml(out, prettyprint=True)) + "\n"


_CSV_COLUMNS = (
    "leader", "mentor", "started", "held", "last_held", "days_since", "stalled", "at_risk",
    "cancelled_by_leader", "cancelled_by_mentor", "missed", "minutes_held", "mean_rating_by_leader",
    "mean_rating_by_mentor", "median_response_hours", "goals", "goals_covered", "risk_reasons",
)  # fmt: skip


_FORMULA_START = re.compile(r"(^|[;,])( *)([=+\-@\t\r])")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, (int, float)):
        return str(value)
    # Spreadsheets run cells that start with these characters as formulas, and one that splits on
    # ";" or "," (a separator chosen when the file is opened) makes a new cell of every part: so a
    # formula-like start of the text or of any part is made text with a leading apostrophe.
    return _FORMULA_START.sub(r"\1\2'\3", str(value))


def metrics_csv(metrics: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """The per-pair rows of compute_metrics as CSV text, with formula-like cells escaped."""
    labels = labels or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = list(_CSV_COLUMNS)
    if labels:
        header[2:2] = ["leader_name", "mentor_name"]
    writer.writerow(header)
    for row in metrics["pairs"]:
        values: list[Any] = [row.get(c) for c in _CSV_COLUMNS]
        if labels:
            values[2:2] = [labels.get(row["leader"], ""), labels.get(row["mentor"], "")]
        writer.writerow([_csv_cell(v) for v in values])
    return buffer.getvalue()
