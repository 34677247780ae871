"""The programme graph drawings: labelled on the page, deterministic, escaped, one line per pair."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from matching.graph.overview import DepartmentLink, DepartmentNode, PairLine, departments_svg, mentoring_svg

SVG = "{http://www.w3.org/2000/svg}"
PAIRS = [
    PairLine("1", "Ann Mentor", "10", "Lea Leader", "Spring", 3),
    PairLine("1", "Ann Mentor", "11", "Max <script>", "Autumn", 0),
    PairLine("2", "Bob Mentor", "12", "Ola Leader", "Spring", 1),
]


def texts(svg: str) -> list[str]:
    return [node.text or "" for node in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def test_every_person_is_named_on_the_drawing_and_a_mentor_shows_how_many_leaders():
    svg = mentoring_svg(PAIRS, ["Spring", "Autumn"], "Who mentored whom")
    shown = texts(svg)
    # Then names are text on the drawing (not only tooltips), the busiest mentor first with their count
    assert "Ann Mentor (2)" in shown and "Bob Mentor (1)" in shown
    assert {"Lea Leader", "Max <script>", "Ola Leader"} <= set(shown)
    assert len(ElementTree.fromstring(svg).findall(f"{SVG}line")) == len(PAIRS) + 2  # pairs + two legend keys
    # and names are escaped, never markup
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_the_same_records_give_the_same_bytes_in_any_order():
    first = mentoring_svg(PAIRS, ["Spring", "Autumn"], "t")
    assert mentoring_svg(list(reversed(PAIRS)), ["Spring", "Autumn"], "t") == first


def test_departments_are_sized_by_people_and_joined_by_held_sessions():
    nodes = [DepartmentNode("Sales", 4), DepartmentNode("Digital", 16), DepartmentNode("Legal", 1)]
    links = [
        DepartmentLink("Digital", "Sales", 9),
        DepartmentLink("Legal", "Sales", 0),
        DepartmentLink("Sales", "Sales", 5),
    ]
    svg = departments_svg(nodes, links, "Departments")
    root = ElementTree.fromstring(svg)
    radii = {float(c.get("r")) for c in root.iter(f"{SVG}circle")}
    # Then the biggest department has the biggest circle, every department is labelled with its people
    assert max(radii) > min(radii)
    assert {"Digital (16)", "Sales (4)", "Legal (1)"} <= set(texts(svg))
    # and only links with held sessions between two departments are drawn
    assert len(root.findall(f"{SVG}line")) == 1
    assert not re.search(r"<(script|style|a)\b", svg)
