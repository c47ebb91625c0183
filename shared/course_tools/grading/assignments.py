"""Assignments: each notebook's tests, read from its autograder zip with otter's own classes.

The zip is the only source of tests: a submission's metadata tests are never read. The learner
notebook (the template) gives the questions' order, the code cells a learner was given (so the
review flags look only at the learner's own code) and the modules to import before forking.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import zipfile
from pathlib import Path

from otter.test_files import OKTestFile

from parallel_course.otter_files import read_ok_test

# the init cell of a learner notebook (scripts/assign.py's form, and otter's own in older copies)
INIT_CELL = re.compile(
    r"^\s*(#[^\n]*\n\s*)?import (otter|parallel_course as pc)\s*\n"
    r"\s*grader\s*=\s*(otter\.Notebook|pc\.Checks)\([^)]*\)\s*$"
)
# what a test case checks: its first line, ``_property = "cap"`` (a doctest example in the zip)
PROPERTY = re.compile(r"^(?:>>> )?_property = ['\"]([^'\"\n]+)['\"]", re.MULTILINE)


@dataclasses.dataclass
class Assignment:
    """One notebook's grading material."""

    name: str
    zip_path: Path
    tests: dict[str, OKTestFile]  # question -> otter's test file (cases, hidden flags, points)
    order: list[str]  # questions in notebook order
    files: dict[str, bytes]  # support files the zip ships in files/ (copied next to the notebook)
    template_cells: set[str]  # sources of the learner notebook's code cells (for review flags)

    @property
    def max_points(self) -> float:
        return sum(test.possible for test in self.tests.values())

    def properties(self) -> list[tuple[str, str, float]]:
        """(``question:property``, property, points) for every test case, in notebook order: grades.csv's
        property columns."""
        return [
            (property_column(q, case, n), property_of(case, n), case.points)
            for q in self.order
            for n, case in enumerate(self.tests[q].test_cases, 1)
        ]


def property_of(case, number: int) -> str:
    """What a test case checks, from the zip's copy of it: its ``_property`` line, else ``test N`` (1-based)."""
    found = PROPERTY.search(case.body)
    return found.group(1) if found else f"test {number}"


def property_column(question: str, case, number: int) -> str:
    return f"{question}:{property_of(case, number)}"


def load_assignment(zip_path: Path, template_dir: Path) -> Assignment:
    """Read the tests (otter's OK format) and support files of one autograder zip."""
    name = zip_path.stem
    tests, files = {}, {}
    with zipfile.ZipFile(zip_path) as zf:
        config = json.loads(zf.read("otter_config.json")) if "otter_config.json" in zf.namelist() else {}
        name = config.get("assignment_name") or name
        for info in zf.infolist():
            if info.filename.startswith("tests/") and info.filename.endswith(".py"):
                test = read_ok_test(zf.read(info).decode("utf-8"), f"{zip_path.name}:{info.filename}")
                tests[test.name] = test
            elif info.filename.startswith("files/") and not info.is_dir():
                files[info.filename[len("files/") :]] = zf.read(info)
    if not tests:
        raise ValueError(f"{zip_path} holds no tests/*.py")
    order, template_cells = [], set()
    for source in template_code(template_dir / f"{name}.ipynb"):
        template_cells.add(source.strip())
        order += [q for q in check_calls(source) if q in tests and q not in order]
    order += sorted(q for q in tests if q not in order)
    return Assignment(name, zip_path, tests, order, files, template_cells)


def load_assignments(autograder_dir: Path, template_dir: Path) -> dict[str, Assignment]:
    """{assignment name: Assignment} for every zip in ``autograder_dir``."""
    assignments = {}
    for zip_path in sorted(Path(autograder_dir).glob("*.zip")):
        assignment = load_assignment(zip_path, template_dir)
        assignments[assignment.name] = assignment
    return assignments


def template_code(path: Path) -> list[str]:
    """The code cells of a learner notebook (none if it is missing)."""
    if not path.exists():
        return []
    nb = json.loads(path.read_text())
    return [cell_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]


def template_imports(template_dir: Path) -> list[str]:
    """Every module the learner notebooks import: what the grader loads once, before forking."""
    modules: list[str] = []
    for path in sorted(Path(template_dir).glob("*.ipynb")):
        for source in template_code(path):
            modules += [m for m in imported_modules(source) if m not in modules and m.split(".")[0] != "otter"]
    return modules


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def check_calls(source: str) -> list[str]:
    """Questions checked by ``<anything>.check("name")`` calls in a cell (none if it does not parse)."""
    names = []
    for node in ast.walk(_parsed(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "check"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def imported_modules(source: str) -> list[str]:
    """Modules imported at the top level of a cell (``import a.b`` -> ``a.b``)."""
    modules = []
    for node in _parsed(source).body:
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module)
    return modules


def _parsed(source: str) -> ast.Module:
    """The cell's syntax tree; an empty one if it does not parse (the learner's syntax error)."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ast.Module(body=[], type_ignores=[])
