"""The session graph's SVG drawing, GraphML and CSV exports: safe, deterministic and faithful."""

import csv
import datetime as dt
import io
import random
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from matching.graph import (
    build_graph,
    compute_metrics,
    metrics_csv,
    render_svg,
    to_graphml,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>" onload="x'


def small() -> dict:
    """Three people, two pairs: L1-M1 held three times (one rating each), L2-M1 never held."""
    return {
        "people": [
            {"id": "L1", "role": "leader", "department": "Sales & <Ops>"},
            {"id": "L2", "role": "leader", "department": "Legal"},
            {"id": "M1", "role": "mentor", "department": HOSTILE},
        ],
        "pairs": [
            {"leader": "L1", "mentor": "M1", "started": "2024-01-01", "goals": ["video", "blog"]},
            {"leader": "L2", "mentor": "M1", "started": "2024-01-01"},
        ],
        "sessions": [
            {"leader": "L1", "mentor": "M1", "date": d, "status": "held", "minutes": 40, "skills": ["video"],
             "ratings": {"leader": r}}
            for d, r in (("2024-01-05", 4), ("2024-01-12", 5), ("2024-01-19", 5))
        ]
        + [{"leader": "L2", "mentor": "M1", "date": "2024-01-10", "status": "cancelled-by-leader"}],
    }  # fmt: skip


def big(people: int = 200, seed: int = 3) -> dict:
    """A cohort of `people` (half leaders, half mentors) in 1:1 pairs, some mentors with two leaders."""
    rnd = random.Random(seed)
    half = people // 2
    departments = [f"Dept {k}" for k in range(12)]
    data: dict = {"people": [], "pairs": [], "sessions": []}
    for k in range(1, half + 1):
        data["people"].append({"id": f"L{k}", "role": "leader", "department": rnd.choice(departments)})
        data["people"].append({"id": f"M{k}", "role": "mentor", "department": rnd.choice(departments)})
    for k in range(1, half - 5):
        mentor = f"M{k if k % 9 else k + 1}"
        if {"leader": f"L{k}", "mentor": mentor} in [{x: p[x] for x in ("leader", "mentor")} for p in data["pairs"]]:
            continue
        data["pairs"].append({"leader": f"L{k}", "mentor": mentor, "started": "2024-01-01"})
        for day in range(rnd.randint(0, 6)):
            data["sessions"].append(
                {"leader": f"L{k}", "mentor": mentor, "date": f"2024-02-{day + 10}", "status": "held"}
            )
    return data


# ---------------------------------------------------------------- SVG

ALLOWED_ELEMENTS = {"svg", "title", "rect", "circle", "line", "g", "text"}
ALLOWED_ATTRIBUTES = {
    "width", "height", "viewBox", "role", "aria-label", "x", "y", "cx", "cy", "r", "x1", "y1", "x2", "y2",
    "fill", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-dasharray",
    "font-family", "font-size", "font-weight", "text-anchor",
}  # fmt: skip


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _person_title(shape: ET.Element) -> str | None:
    """The tooltip of a person's node ("name (role, department)"), None for anything else."""
    title = shape.find(f"{SVG}title")
    is_shape = shape.tag in (f"{SVG}rect", f"{SVG}circle") and title is not None
    if is_shape and re.search(r" \((leader|mentor), ", title.text or ""):
        return title.text
    return None


def test_svg_uses_only_presentation_attributes_and_no_active_content():
    svg = render_svg(build_graph(big()), labels={"L1": HOSTILE})
    for element in _tree(svg).iter():
        assert element.tag.removeprefix(SVG) in ALLOWED_ELEMENTS
        assert set(element.attrib) <= ALLOWED_ATTRIBUTES, element.attrib
        assert not any(re.search(r"url\(|javascript:|[<>]", value) for value in element.attrib.values())
    assert "<script" not in svg and "<style" not in svg


def test_names_and_departments_come_out_as_text():
    graph = build_graph(small())
    svg = render_svg(graph, labels={"L1": HOSTILE, "L2": "Ann\x00 Lee"})
    assert "<script" not in svg and 'onload="x' not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x" in svg
    titles = [t.text for t in _tree(svg).iter(f"{SVG}title")]
    assert f"{HOSTILE} (leader, Sales & <Ops>)" in titles  # the hostile label, read back as plain text
    assert "Ann Lee (leader, Legal)" in titles  # a control character XML cannot carry is dropped
    assert f"M1 (mentor, {HOSTILE})" in titles


def test_the_drawing_is_deterministic_whatever_the_input_order():
    data = big()
    first = render_svg(build_graph(data))
    assert render_svg(build_graph(data)) == first
    shuffled = dict(data)
    for key in ("people", "pairs", "sessions"):
        shuffled[key] = random.Random(key).sample(data[key], len(data[key]))
    assert render_svg(build_graph(shuffled)) == first


def test_shapes_by_role_and_edges_by_sessions_held():
    root = _tree(render_svg(build_graph(small())))
    kinds = {_person_title(n).split(" (")[0]: n.tag.removeprefix(SVG) for n in root.iter() if _person_title(n)}
    assert kinds == {"L1": "rect", "L2": "rect", "M1": "circle"}
    lines = {
        line.find(f"{SVG}title").text: line.attrib
        for line in root.iter(f"{SVG}line")
        if line.find(f"{SVG}title") is not None
    }
    held = lines["L1 and M1: 3 sessions held"]
    none = lines["L2 and M1: 0 sessions held"]
    assert "stroke-dasharray" in none and "stroke-dasharray" not in held
    assert float(held["stroke-width"]) > float(none["stroke-width"])


def test_nodes_are_coloured_by_department_with_a_legend():
    root = _tree(render_svg(build_graph(small())))
    fills = {_person_title(n).split(" (")[0]: n.get("fill") for n in root.iter() if _person_title(n)}
    assert len({fills["L1"], fills["L2"], fills["M1"]}) == 3
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Departments", "Legal", "Sales & <Ops>", "Leader", "Mentor", "no session held"} <= set(legend)


def test_two_hundred_people_fit_the_canvas():
    width, height = 960, 720
    root = _tree(render_svg(build_graph(big(200)), width=width, height=height))
    people = [shape for shape in root.iter() if _person_title(shape)]
    assert len(people) == 200
    for shape in people:
        x = float(shape.get("cx", shape.get("x")))
        y = float(shape.get("cy", shape.get("y")))
        assert 0 <= x <= width - 200 and 0 <= y <= height
        assert float(shape.get("r", shape.get("width"))) >= 3


@pytest.mark.parametrize("data", [{"people": [], "pairs": []}, {"people": [small()["people"][0]], "pairs": []}])
def test_empty_and_tiny_programmes_draw(data):
    root = _tree(render_svg(build_graph(data)))
    assert root.tag == f"{SVG}svg"


# ---------------------------------------------------------------- GraphML


def test_graphml_reads_back_with_its_attributes():
    text = to_graphml(build_graph(small()), labels={"L1": HOSTILE})
    graph = nx.read_graphml(io.BytesIO(text.encode()))
    assert set(graph.nodes) == {"L1", "L2", "M1"}
    assert graph.nodes["L1"] == {"label": HOSTILE, "role": "leader", "department": "Sales & <Ops>"}
    assert graph.nodes["L2"]["label"] == "L2"
    held = graph.edges["L1", "M1"]
    assert (held["held"], held["minutes_held"], held["weight"]) == (3, 120, 3.0)
    assert held["mean_rating_by_leader"] == pytest.approx(4.667)
    assert "mean_rating_by_mentor" not in held  # GraphML has no null
    assert (held["goals"], held["goals_covered"], held["last_held"]) == ("blog, video", "video", "2024-01-19")
    quiet = graph.edges["L2", "M1"]
    assert (quiet["held"], quiet["cancelled_by_leader"], quiet["last_held"]) == (0, 1, "")


def test_graphml_can_count_only_sessions_up_to_a_date():
    text = to_graphml(build_graph(small()), as_of=dt.date(2024, 1, 12))
    assert nx.read_graphml(io.BytesIO(text.encode())).edges["L1", "M1"]["held"] == 2


# ---------------------------------------------------------------- CSV


def test_csv_escapes_cells_a_spreadsheet_would_run():
    metrics = compute_metrics(build_graph(small()), dt.date(2024, 3, 1))
    text = metrics_csv(metrics, labels={"L1": "=HYPERLINK(1)", "L2": "@SUM(A1)", "M1": "-2+3"})
    lines = text.splitlines()
    assert lines[0].startswith("leader,mentor,leader_name,mentor_name,started,held,")
    assert lines[1].startswith("L1,M1,'=HYPERLINK(1),'-2+3,2024-01-01,3,2024-01-19,")
    assert lines[2].startswith("L2,M1,'@SUM(A1),'-2+3,2024-01-01,0,,")
    assert ",yes," in lines[1]  # stalled


FORMULA_NAMES = ["Ann;=1+1;x", "Bo,=1+1,x", "Cy; @SUM(A1)", "Di,+2", "Ed;-1+1", "Fay;\t=1", "=2*3"]


@pytest.mark.parametrize("separator", [",", ";"])
def test_csv_has_no_formula_under_either_separator(separator):
    # Given names whose parts after a ";" or a "," look like formulas
    metrics = compute_metrics(build_graph(small()), dt.date(2024, 3, 1))
    labels = {"L1": FORMULA_NAMES[0], "L2": FORMULA_NAMES[1], "M1": FORMULA_NAMES[2]}
    for name in FORMULA_NAMES:
        # When the file is opened by a spreadsheet that splits on `separator` (a comma-separated
        # reader keeps quoted cells whole; a ";" reader also splits inside them)
        rows = list(csv.reader(io.StringIO(metrics_csv(metrics, labels={**labels, "L1": name})), delimiter=separator))
        cells = [cell for row in rows for quoted in row for cell in quoted.split(separator)]
        # Then no cell it makes starts like a formula
        starts = [cell.lstrip(" ") for cell in cells]
        assert not [cell for cell in starts if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], name


def test_csv_keeps_the_text_apart_from_the_apostrophes():
    metrics = compute_metrics(build_graph(small()), dt.date(2024, 3, 1))
    text = metrics_csv(metrics, labels={"L1": "Ann;=1+1;x", "L2": "Plain, name", "M1": "Bo"})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == "Ann;'=1+1;x"
    assert rows[2][2] == "Plain, name"


def test_csv_without_labels_has_no_name_columns():
    metrics = compute_metrics(build_graph(small()), dt.date(2024, 3, 1))
    assert metrics_csv(metrics).splitlines()[0].split(",")[:3] == ["leader", "mentor", "started"]
