"""Read otter-format notebooks (questions, solutions, answer cells) and try their exercises under nbval."""

import re
import runpy
import zipfile
from collections import defaultdict
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
AUTOGRADER = ROOT / "build" / "autograder"  # written by scripts/assign.py
CHECK = re.compile(r'^grader\.check\("([^"]+)"\)\s*$')
# a check's feedback is read at a glance: at most 6 non-empty lines, no traceback or doctest transcript
SHORT = (
    "_text = repr(_feedback)\n"
    "assert len([_line for _line in _text.splitlines() if _line.strip()]) <= 6, _text\n"
    "assert not any(_w in _text for _w in ('Traceback', 'Trying:', 'Expecting', 'doctest', '.py\"')), _text"
)


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


def wrong_answers(notebook: str) -> dict[str, str]:
    """``WRONG = {question: code}`` from ``tests/wrong_answers/<notebook>.py`` ({} if there is none)."""
    path = ROOT / "tests" / "wrong_answers" / f"{notebook}.py"
    return runpy.run_path(str(path))["WRONG"] if path.exists() else {}


def exercise_trials(items: list) -> list:
    """nbval's cells, with cells added after each exercise (``--exercise-trials``).

    In ``notebooks/``, after a learner's ``grader.check("q")`` (run with nothing attempted): an
    assertion that the check says so, a wrong answer, an assertion that the check fails it with a
    hint, the solution, an assertion that the check passes it (each feedback short: ``SHORT``),
    then the learner's own answer cells again, so the rest of the
    notebook still runs with nothing attempted. In real-model mode (``make test-real``) the
    wrong answer is left out: a check may accept more from a real model, whose answers it
    cannot know, so only the solution must pass. In ``solutions/``, after each question's
    tests: all its tests from ``build/autograder/<notebook>.zip``, hidden ones included, run
    by otter as doctests, the way grading runs them. No extra kernel starts.
    """
    from nbval.plugin import IPyNbCell

    trials, added, notebook = [], {}, None
    for item in items:
        trials.append(item)
        if not isinstance(item, IPyNbCell):
            continue
        if item.path != notebook:
            notebook = item.path
            added = _trial_cells(Path(notebook))
        for name, source in added.get(item.cell_num, {}).items():
            cell = nbformat.v4.new_code_cell(source)
            options = defaultdict(bool, check=False)
            trials.append(
                IPyNbCell.from_parent(item.parent, name=name, cell_num=item.cell_num, cell=cell, options=options)
            )
    return trials


def _trial_cells(path: Path) -> dict[int, dict[str, str]]:
    """{code cell number: {item name: source}} of the cells to run after that cell."""
    if path.parent == ROOT / "notebooks":
        return _learner_trials(path)
    if path.parent == ROOT / "solutions":
        return _graded_tests(path)
    return {}


def _learner_trials(learner: Path) -> dict[int, dict[str, str]]:
    import parallel_course

    wrong, right = wrong_answers(learner.stem), solution_code(ROOT / "solutions" / learner.name)
    real = parallel_course.real_mode()
    added, placeholders = {}, []
    code_cells = [c for c in nbformat.read(learner, as_version=4).cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        if is_answer_cell(cell):
            placeholders.append(cell.source)
        elif question := check_name(cell):
            if question not in wrong:
                raise KeyError(f"tests/wrong_answers/{learner.stem}.py has no wrong answer for {question}")
            check = f'_feedback = grader.check("{question}")\n{SHORT}\nassert '
            added[number] = {
                f"{question}: nothing attempted, its check says so": check + '"not answered yet" in _text, _text'
            }
            added[number] |= {} if real else {
                f"{question}: wrong answer": wrong[question],
                f"{question}: its check fails": check + 'not _feedback.passed_all and "❌" in _text, _text',
            }
            added[number] |= {
                f"{question}: solution": right[question],
                f"{question}: its check passes": check + '_feedback.passed_all and "✅" in _text, _text',
                f"{question}: nothing attempted again": "\n".join(placeholders),
            }
            placeholders = []
    return added


def _graded_tests(solution: Path) -> dict[int, dict[str, str]]:
    zip_path = AUTOGRADER / f"{solution.stem}.zip"
    if not zip_path.exists() or zip_path.stat().st_mtime < solution.stat().st_mtime:
        raise FileNotFoundError(f"{zip_path} is missing or older than {solution.name}: run `make assign`")
    with zipfile.ZipFile(zip_path) as zf:
        specs = {}
        for name in zf.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                env: dict = {}
                exec(zf.read(name).decode(), env)  # the zip otter assign just wrote
                specs[env["test"]["name"]] = env["test"]
    added, question, number = {}, None, -1
    for cell in nbformat.read(solution, as_version=4).cells:
        directive = raw_directive(cell)
        if directive == "BEGIN QUESTION":
            question = yaml.safe_load(cell.source.split("\n", 1)[1])["name"]
        elif directive == "END TESTS":
            added[number] = {
                f"{question}: graded": (
                    "from otter.test_files import OKTestFile as _OKTestFile\n"
                    f"_graded = _OKTestFile.from_spec({specs.pop(question)!r})\n"
                    "_graded.run(globals())\n"
                    "assert _graded.passed_all, _graded.summary()"
                )
            }
        number += cell.cell_type == "code"
    assert not specs, f"{solution.name}: tests in the zip for questions without tests in the notebook: {sorted(specs)}"
    return added
