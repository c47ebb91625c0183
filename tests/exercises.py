"""Read otter-format notebooks: the questions of a solution, the answer cells of a learner notebook."""

import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
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


def check_name(cell) -> str | None:
    """The question a ``grader.check("...")`` cell checks, if it is one."""
    match = CHECK.match(cell.source) if cell.cell_type == "code" else None
    return match.group(1) if match else None


def is_answer_cell(cell) -> bool:
    return "otter_answer_cell" in cell.metadata.get("tags", [])


def wrong_then_right(learner: Path, wrong: dict[str, str], right: dict[str, str]) -> nbformat.NotebookNode:
    """The learner notebook with each answer cell replaced by: wrong answer, check, right answer, check.

    Check cells get ``metadata.course_check = "wrong" | "right"`` so results can be read back.
    """
    nb = nbformat.read(learner, as_version=4)
    cells = []
    for cell in nb.cells:
        if is_answer_cell(cell):
            continue
        name = check_name(cell)
        if name is None:
            cells.append(cell)
            continue
        cells.append(nbformat.v4.new_code_cell(wrong[name]))
        cells.append(_check(name, "wrong"))
        cells.append(nbformat.v4.new_code_cell(right[name]))
        cells.append(_check(name, "right"))
    nb.cells = cells
    return nb


def _check(name: str, kind: str):
    cell = nbformat.v4.new_code_cell(f'grader.check("{name}")')
    cell.metadata["course_check"] = kind
    return cell
