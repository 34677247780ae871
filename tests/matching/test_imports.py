"""The library stays pure: importing it pulls in no web framework or database layer."""

import subprocess
import sys

import matching


def test_import_matching_loads_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, matching, matching.cli, matching.check, matching.generate\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'mentoring') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_public_api_is_listed_in_all():
    expected = {
        "Leader",
        "Mentor",
        "Goal",
        "Rules",
        "Problem",
        "Pair",
        "Solution",
        "Unmatched",
        "MentorLoad",
        "solve",
        "load_problem",
        "dump_solution",
        "problem_from_dict",
        "solution_to_dict",
        "InputError",
        "DEFAULT_WEIGHTS",
        "CRITERIA",
    }
    assert expected <= set(matching.__all__)
    assert all(hasattr(matching, name) for name in matching.__all__)


def test_public_functions_have_a_docstring():
    for name in matching.__all__:
        item = getattr(matching, name)
        if callable(item):
            assert (item.__doc__ or "").strip(), name


def test_every_public_function_and_method_of_the_engine_has_type_hints_and_a_docstring():
    import ast
    from pathlib import Path

    root = Path(matching.__file__).parent
    missing = []
    for path in sorted(root.glob("*.py")):
        if path.name.startswith("graph"):  # the session graph is documented with its own module
            continue
        tree = ast.parse(path.read_text())
        top = list(tree.body)
        public = [node for node in top if isinstance(node, ast.ClassDef) and not node.name.startswith("_")]
        nodes = top + [item for node in public for item in node.body]
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                if not ast.get_docstring(node):
                    missing.append(f"{path.name}:{node.name} has no docstring")
                if isinstance(node, ast.FunctionDef) and node.returns is None:
                    missing.append(f"{path.name}:{node.name} has no return annotation")
    assert missing == []
