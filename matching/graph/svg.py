"""A deterministic SVG drawing of the session graph, safe to inline under a strict Content-Security-Policy.

Only SVG presentation attributes are used: no style attributes or elements, no scripts, no event
handlers, no links. Every name is XML-escaped; names appear on hover through <title> elements.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from xml.sax.saxutils import escape

import networkx as nx

from matching.graph.network import graph_pairs, graph_people, sessions_until
from matching.graph.wire import natural_key, sorted_natural

# Okabe & Ito's colour-blind-safe palette (black left out: it is the outline colour), then Paul Tol's
# "muted" colours. Past eight departments the colours are harder to tell apart for colour-blind
# readers, and past seventeen they repeat; the legend and every node's tooltip still name the department.
PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999",
    "#332288", "#882255", "#117733", "#44AA99", "#999933", "#AA4499", "#CC6677", "#DDCC77", "#88CCEE",
)  # fmt: skip
EDGE_COLOUR = "#555555"
OUTLINE = "#222222"
FONT = 'font-family="system-ui, sans-serif"'
LEGEND_WIDTH = 210
MAX_WIDTH_SESSIONS = 8  # edges stop getting wider after this many held sessions

_ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """The text without the control characters XML 1.0 cannot carry."""
    return _ILLEGAL_XML.sub("", str(text))


def _esc(text: str) -> str:
    return escape(xml_safe(text), {'"': "&quot;", "'": "&apos;"})


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _component_layout(graph: nx.Graph, nodes: list[str], seed: int) -> dict[str, tuple[float, float]]:
    """Positions of one connected component inside a unit square."""
    if len(nodes) == 1:
        return {nodes[0]: (0.5, 0.5)}
    if len(nodes) == 2:
        return {nodes[0]: (0.15, 0.5), nodes[1]: (0.85, 0.5)}
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from(
        sorted(
            graph.subgraph(nodes).edges,
            key=lambda e: (natural_key(e[0]), natural_key(e[1])),
        )
    )
    pos = nx.spring_layout(sub, seed=seed)
    xs = [float(p[0]) for p in pos.values()]
    ys = [float(p[1]) for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    return {n: (0.15 + 0.7 * (float(pos[n][0]) - min(xs)) / span, 0.15 + 0.7 * (float(pos[n][1]) - min(ys)) / span)
            for n in nodes}  # fmt: skip


def _layout(
    people: list[str], edges: list[tuple[str, str, int]], seed: int, aspect: float
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Positions (in node spacings) and the drawing's width and height; input order does not matter.

    Each connected component (a pair, a mentor with two leaders, an unpaired person) is laid out on
    its own and the components are packed in rows, largest first, so that pairs never overlap.
    """
    graph = nx.Graph()
    graph.add_nodes_from(people)
    graph.add_edges_from((a, b) for a, b, _ in edges)
    leaders = {a for a, _, _ in edges}
    # Leaders first inside a component, so a lone pair is always drawn leader on the left.
    components = [sorted(c, key=lambda n: (n not in leaders, natural_key(n))) for c in nx.connected_components(graph)]
    components.sort(key=lambda c: (-len(c), natural_key(min(c, key=natural_key))))
    cells = [_cell(len(c)) for c in components]
    row_width = max(
        math.sqrt(sum(w * h for w, h in cells) * aspect),
        max((w for w, _ in cells), default=1.0),
    )
    placed: list[tuple[float, float]] = []
    x = y = row_height = 0.0
    for w, h in cells:
        if x > 0 and x + w > row_width + 1e-9:
            x, y, row_height = 0.0, y + row_height, 0.0
        placed.append((x, y))
        x, row_height = x + w, max(row_height, h)
    total_w = max((px + w for (px, _), (w, _) in zip(placed, cells, strict=True)), default=1.0)
    total_h = max((py + h for (_, py), (_, h) in zip(placed, cells, strict=True)), default=1.0)
    pos: dict[str, tuple[float, float]] = {}
    for component, (px, py), (w, h) in zip(components, placed, cells, strict=True):
        for node, (u, v) in _component_layout(graph, component, seed).items():
            pos[node] = (px + u * w, py + v * h)
    return pos, total_w, total_h


def _cell(size: int) -> tuple[float, float]:
    """Width and height, in node spacings, of the cell a component of this many people is drawn in."""
    if size <= 2:
        return (1.0, 1.0) if size == 1 else (2.6, 1.0)
    side = 1.3 * math.ceil(math.sqrt(size))
    return side, side


def _node(shape: str, x: float, y: float, r: float, fill: str, title: str) -> str:
    common = f'fill="{fill}" stroke="{OUTLINE}" stroke-width="1"'
    if shape == "leader":
        side = r * 1.8
        return (
            f'<rect x="{_num(x - side / 2)}" y="{_num(y - side / 2)}" width="{_num(side)}" '
            f'height="{_num(side)}" {common}><title>{title}</title></rect>'
        )
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" {common}><title>{title}</title></circle>'


def _legend(x: float, height: float, departments: list[str], colour: Mapping[str, str]) -> list[str]:
    out = [f'<g {FONT} font-size="12" fill="#222222">']
    y = 24.0
    out.append(f'<text x="{_num(x)}" y="{_num(y)}" font-weight="bold">Departments</text>')
    room = max(0, int((height - 200) // 18))  # rows left after the role and line keys
    shown = departments if len(departments) <= room else departments[: max(room - 1, 0)]
    for name in shown:
        y += 18
        out.append(
            f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="12" height="12" fill="{colour[name]}" '
            f'stroke="{OUTLINE}" stroke-width="1"><title>{_esc(name)}</title></rect>'
        )
        out.append(f'<text x="{_num(x + 18)}" y="{_num(y)}">{_esc(_short(name))}<title>{_esc(name)}</title></text>')
    if len(shown) < len(departments):
        y += 18
        out.append(f'<text x="{_num(x)}" y="{_num(y)}">and {len(departments) - len(shown)} more</text>')
    y += 30
    out.append(f'<text x="{_num(x)}" y="{_num(y)}" font-weight="bold">People</text>')
    y += 20
    out.append(
        _node("leader", x + 6, y - 4, 6, "#ffffff", "Leader") + f'<text x="{_num(x + 18)}" y="{_num(y)}">Leader</text>'
    )
    y += 20
    out.append(
        _node("mentor", x + 6, y - 4, 6, "#ffffff", "Mentor") + f'<text x="{_num(x + 18)}" y="{_num(y)}">Mentor</text>'
    )
    y += 30
    out.append(f'<text x="{_num(x)}" y="{_num(y)}" font-weight="bold">Pairs</text>')
    keys = (
        ("no session held", 1.0, True),
        ("1 session held", _edge_width(1), False),
        (f"{MAX_WIDTH_SESSIONS}+ sessions held", _edge_width(MAX_WIDTH_SESSIONS), False),
    )
    for label, width, dashed in keys:
        y += 20
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(y - 4)}" x2="{_num(x + 14)}" y2="{_num(y - 4)}" '
            f'stroke="{EDGE_COLOUR}" stroke-width="{_num(width)}"{dash}/>'
            f'<text x="{_num(x + 18)}" y="{_num(y)}">{label}</text>'
        )
    out.append("</g>")
    return out


def _edge_width(held: int) -> float:
    return 1.0 + 0.75 * min(held, MAX_WIDTH_SESSIONS)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render_svg(
    graph: nx.Graph,
    labels: Mapping[str, str] | None = None,
    width: int = 960,
    height: int = 720,
    as_of: dt.date | None = None,
    seed: int = 7,
) -> str:
    """The session graph as an inline SVG string: colour by department, shape by role, width by sessions held."""
    labels = labels or {}
    people = graph_people(graph)
    pairs = graph_pairs(graph)
    departments = sorted_natural({p.department for p in people})
    colour = {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(departments)}
    name = {p.id: labels.get(p.id, p.id) for p in people}
    held = {(p.leader, p.mentor): sum(s.held for s in sessions_until(p, as_of)) for p in pairs}
    edges = sorted(
        ((a, b, n) for (a, b), n in held.items()),
        key=lambda e: (natural_key(e[0]), natural_key(e[1])),
    )
    plot_w = max(width - LEGEND_WIDTH, 100)
    pos, total_w, total_h = _layout([p.id for p in people], edges, seed, plot_w / max(height, 1))
    scale = min((plot_w - 32) / total_w, (height - 32) / total_h)  # pixels per node spacing
    radius = max(3.0, min(10.0, scale * 0.3))
    left = (plot_w - scale * total_w) / 2
    top = (height - scale * total_h) / 2

    def at(pid: str) -> tuple[float, float]:
        x, y = pos[pid]
        return left + x * scale, top + y * scale

    who = "1 person" if len(people) == 1 else f"{len(people)} people"
    summary = f"Session graph: {who}, {_plural(len(pairs), 'pair')}"
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(summary)}">'
        ),
        f"<title>{_esc(summary)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if not people:
        out.append(f'<text x="{_num(plot_w / 2)}" y="{_num(height / 2)}" text-anchor="middle" {FONT} '
                   f'font-size="14" fill="#555555">No people in this programme yet</text>')  # fmt: skip
    out.append(f'<g stroke="{EDGE_COLOUR}" stroke-opacity="0.75" stroke-linecap="round">')
    for a, b, n in edges:
        (x1, y1), (x2, y2) = at(a), at(b)
        dash = ' stroke-dasharray="4 3"' if n == 0 else ""
        title = _esc(f"{name[a]} and {name[b]}: {_plural(n, 'session')} held")
        out.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke-width="{_num(_edge_width(n))}"{dash}><title>{title}</title></line>'
        )
    out.append("</g>")
    out.append("<g>")
    for person in people:
        x, y = at(person.id)
        title = _esc(f"{name[person.id]} ({person.role}, {person.department})")
        out.append(_node(person.role, x, y, radius, colour[person.department], title))
    out.append("</g>")
    out.extend(_legend(plot_w + 16, height, departments, colour))
    out.append("</svg>")
    return "\n".join(out) + "\n"
