"""otter's files: OK-format test files (read and written as otter does) and otter-assign notebooks.

A solution notebook marks its questions with raw cells (``# BEGIN QUESTION`` ... ``# END QUESTION``);
a learner notebook has answer cells (tagged ``otter_answer_cell``) and ``grader.check("q")`` cells.
"""

import pprint
import re
from pathlib import Path

import nbformat
import yaml

ANSWER_TAG = "otter_answer_cell"
CHECK = re.compile(r'^grader\.check\("([^"]+)"\)\s*$')


def raw_directive(cell) -> str | None:
    """The otter directive of a raw cell ("BEGIN QUESTION", "END SOLUTION", ...), if any."""
    if cell.cell_type != "raw" or not cell.source.startswith("# "):
        return None
    return cell.source.splitlines()[0][2:].strip()


def solution_code(solution: Path) -> dict[str, str]:
    """{question name: the code of its solution cells} from an otter-format solution notebook."""
    answers, question, in_solution = {}, None, False
    for cell in nbformat.read(solution, as_version=4).cells:
        directive = raw_directive(cell)
        if directive == "BEGIN QUESTION":
            question = yaml.safe_load(cell.source.split("\n", 1)[1])["name"]
            answers[question] = ""
        elif directive == "BEGIN SOLUTION":
            in_solution = True
        elif directive == "END SOLUTION":
            in_solution = False
        elif in_solution and cell.cell_type == "code":
            answers[question] += cell.source + "\n"
    return answers


def cells_in_tests(cells: list) -> set[int]:
    """The indices in ``cells`` (a solution notebook's) of its test cells: code between ``# BEGIN TESTS``
    and ``# END TESTS``."""
    indices, in_tests = set(), False
    for index, cell in enumerate(cells):
        in_tests = raw_directive(cell) == "BEGIN TESTS" or (in_tests and raw_directive(cell) != "END TESTS")
        if in_tests and cell.cell_type == "code":
            indices.add(index)
    return indices


def check_name(cell) -> str | None:
    """The question a ``grader.check("...")`` cell checks, if it is one."""
    match = CHECK.match(cell.source) if cell.cell_type == "code" else None
    return match.group(1) if match else None


def is_answer_cell(cell) -> bool:
    return ANSWER_TAG in cell.metadata.get("tags", [])


def read_ok_test(source: str, origin: str = "<test>"):
    """An OK-format test file's text, parsed as otter's ``OKTestFile.from_file`` parses a file."""
    from otter.test_files import OKTestFile

    env: dict = {}
    exec(compile(source, origin, "exec"), env)  # an instructor's file: trusted
    if not env.get("OK_FORMAT") or not isinstance(env.get("test"), dict):
        raise ValueError(f"{origin} is not an OK-format otter test (OK_FORMAT = True, test = {{...}})")
    try:
        return OKTestFile.from_spec(env["test"], path=origin)
    except AssertionError:
        raise ValueError(f"{origin}: otter supports one doctest suite without setup/teardown") from None


def ok_test_text(spec: dict) -> str:
    """The text of an OK-format test file for ``spec``, as otter assign writes it with ``tests: files: true``."""
    return f"OK_FORMAT = True\n\ntest = {pprint.pformat(spec, width=200)}\n"
