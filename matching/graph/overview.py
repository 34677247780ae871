"""The programme's graph across cohorts as SVG that reads without hovering, under a strict Content-Security-Policy.

Two drawings, both deterministic (same records, same bytes) and labelled on the page itself:
- `mentoring_svg`: mentors on the left, the leaders they mentored on the right, one line per pair (wider with more
  held sessions, coloured by cohort), so a mentor who mentored several leaders over time fans out;
- `departments_svg`: departments on a circle, each sized by its people, joined by lines as wide as the held
  sessions between them.
Only SVG presentation attributes are used: no style, no script, no links; every text is XML-escaped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from matching.graph.svg import PALETTE, xml_safe

OUTLINE = "#222222"
TEXT = "#1d2430"
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class PairLine:
    """One pair of the programme: mentor and leader ids and names, its cohort, and its held sessions."""

    mentor: str
    mentor_name: str
    leader: str
    leader_name: str
    cohort: str
    held: int


@dataclass(frozen=True)
class DepartmentNode:
    """A department: how many people of it take part."""

    name: str
    people: int


@dataclass(frozen=True)
class DepartmentLink:
    """Held sessions between two departments (leader's and mentor's; the same department is a loop, not drawn)."""

    a: str
    b: str
    held: int


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(xml_safe(text), {'"': "&quot;", "'": "&apos;"})


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _width(held: int) -> float:
    return 1.0 + min(held, 8) * 0.6


def _order(mentors: list[str], leaders_of: dict[str, list[str]]) -> list[str]:
    """Leaders in the order of their first mentor, so most lines run straight across."""
    seen: dict[str, None] = {}
    for mentor in mentors:
        for leader in leaders_of[mentor]:
            seen.setdefault(leader, None)
    return list(seen)


def mentoring_svg(pairs: list[PairLine], cohorts: list[str], title: str) -> str:
    """Mentors (left) and leaders (right), a line per pair; mentors with most leaders first, ties by name."""
    leaders_of: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for pair in sorted(pairs, key=lambda p: (p.mentor, p.cohort, p.leader)):
        if pair.leader not in leaders_of[pair.mentor]:
            leaders_of[pair.mentor].append(pair.leader)
        names[pair.mentor], names[pair.leader] = pair.mentor_name, pair.leader_name
    mentors = sorted(leaders_of, key=lambda m: (-len(leaders_of[m]), names[m].lower(), m))
    leaders = _order(mentors, leaders_of)
    row, top, left, right, width = 22.0, 56.0, 230.0, 670.0, 900
    height = int(top + max(len(mentors), len(leaders), 1) * row + 20)
    colour = {cohort: PALETTE[i % len(PALETTE)] for i, cohort in enumerate(cohorts)}
    y_mentor = {m: top + i * row for i, m in enumerate(mentors)}
    y_leader = {x: top + i * row for i, x in enumerate(leaders)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="mentoring-graph-title">',
        f'<title id="mentoring-graph-title">{_esc(title)}</title>',
        f'<text x="{left - 12}" y="24" text-anchor="end" {FONT} font-size="14" font-weight="700" fill="{TEXT}">Mentors'
        "</text>",
        f'<text x="{right + 12}" y="24" {FONT} font-size="14" font-weight="700" fill="{TEXT}">Leaders</text>',
    ]
    for pair in sorted(pairs, key=lambda p: (p.cohort, p.mentor, p.leader)):
        out.append(
            f'<line x1="{left}" y1="{y_mentor[pair.mentor]:.1f}" x2="{right}" y2="{y_leader[pair.leader]:.1f}" '
            f'stroke="{colour.get(pair.cohort, OUTLINE)}" stroke-width="{_width(pair.held):.1f}" '
            'stroke-opacity="0.85"/>'
        )
    for mentor in mentors:
        y, count = y_mentor[mentor], len(leaders_of[mentor])
        radius = 4 + min(count, 6)
        out.append(
            f'<circle cx="{left}" cy="{y:.1f}" r="{radius}" fill="#ffffff" stroke="{OUTLINE}" stroke-width="2"/>'
        )
        label = f"{_short(names[mentor])} ({count})"
        out.append(
            f'<text x="{left - radius - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT} font-size="12" fill="{TEXT}">'
            f"{_esc(label)}</text>"
        )
    for leader in leaders:
        y = y_leader[leader]
        out.append(f'<circle cx="{right}" cy="{y:.1f}" r="5" fill="{OUTLINE}"/>')
        out.append(
            f'<text x="{right + 11}" y="{y + 4:.1f}" {FONT} font-size="12" fill="{TEXT}">{_esc(_short(names[leader]))}'
            "</text>"
        )
    legend_y = 40.0
    for cohort in cohorts:
        out.append(
            f'<line x1="{width - 150}" y1="{legend_y}" x2="{width - 126}" y2="{legend_y}" stroke="{colour[cohort]}" '
            'stroke-width="4"/>'
        )
        out.append(
            f'<text x="{width - 120}" y="{legend_y + 4}" {FONT} font-size="12" fill="{TEXT}">'
            f"{_esc(_short(cohort, 18))}</text>"
        )
        legend_y += 18
    out.append("</svg>")
    return "\n".join(out)


def departments_svg(nodes: list[DepartmentNode], links: list[DepartmentLink], title: str) -> str:
    """Departments on a circle (area by people), lines as wide as the held sessions between them."""
    ordered = sorted(nodes, key=lambda n: (-n.people, n.name.lower(), n.name))
    width, height, centre, middle = 1000, 760, 500.0, 380.0
    ring = 250.0 if len(ordered) > 1 else 0.0
    most = max((n.people for n in ordered), default=1) or 1
    place: dict[str, tuple[float, float, float]] = {}
    for i, node in enumerate(ordered):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(ordered), 1)
        radius = 6 + 28 * math.sqrt(node.people / most)
        place[node.name] = (centre + ring * math.cos(angle), middle + ring * math.sin(angle), radius)
    heaviest = max((link.held for link in links), default=1) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="department-graph-title">',
        f'<title id="department-graph-title">{_esc(title)}</title>',
    ]
    for link in sorted(links, key=lambda x: (x.a, x.b)):
        if link.a == link.b or link.a not in place or link.b not in place or link.held <= 0:
            continue
        (x1, y1, _), (x2, y2, _) = place[link.a], place[link.b]
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#3b4cca" '
            f'stroke-width="{1 + 9 * link.held / heaviest:.1f}" stroke-opacity="0.55"/>'
        )
    for i, node in enumerate(ordered):
        x, y, radius = place[node.name]
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{PALETTE[i % len(PALETTE)]}" '
            f'stroke="{OUTLINE}" stroke-width="1.5"/>'
        )
        outward = 1 if x >= centre else -1
        anchor = "start" if outward > 0 else "end"
        label = f"{_short(node.name, 22)} ({node.people})"
        out.append(
            f'<text x="{x + outward * (radius + 6):.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" {FONT} '
            f'font-size="13" fill="{TEXT}">{_esc(label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
