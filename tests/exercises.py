"""Read otter-format notebooks (questions, solutions, answer cells) and try their exercises under nbval."""

import runpy
import zipfile
from collections import defaultdict
from pathlib import Path

import nbformat
import yaml

from parallel_course.otter_files import (
    cells_in_tests,
    check_name,
    is_answer_cell,
    raw_directive,
    read_ok_test,
    solution_code,
)

ROOT = Path(__file__).resolve().parents[1]
AUTOGRADER = ROOT / "build" / "autograder"  # written by scripts/assign.py
# a check's feedback is read at a glance: at most 6 non-empty lines, no traceback or doctest transcript
SHORT = (
    "_text = repr(_feedback)\n"
    "assert len([_line for _line in _text.splitlines() if _line.strip()]) <= 6, _text\n"
    "assert not any(_w in _text for _w in ('Traceback', 'Trying:', 'Expecting', 'doctest', '.py\"')), _text"
)


def mistakes(notebook: str) -> dict[str, list[str]]:
    """``WRONG = {question: [code, ...]}`` from ``tests/wrong_answers/<notebook>.py`` ({} if there is none).

    The targeted misconception comes first; a bare string is one mistake."""
    path = ROOT / "tests" / "wrong_answers" / f"{notebook}.py"
    wrong = runpy.run_path(str(path))["WRONG"] if path.exists() else {}
    return {question: [codes] if isinstance(codes, str) else list(codes) for question, codes in wrong.items()}


def wrong_answers(notebook: str) -> dict[str, str]:
    """{question: its first catalogued mistake} (the one grading tests and benchmarks use)."""
    return {question: codes[0] for question, codes in mistakes(notebook).items()}


def exercise_trials(items: list) -> list:
    """nbval's cells, with cells added after each exercise (``--exercise-trials``).

    In ``notebooks/``, after a learner's ``grader.check("q")`` (run with nothing attempted): an
    assertion that the check says so, then for each catalogued mistake (``mistakes``) the wrong
    answer and an assertion that the check fails it with a hint, the solution, an assertion that
    the check passes it (each feedback short: ``SHORT``), then the learner's own answer cells
    again, so the rest of the notebook still runs with nothing attempted. In real-model mode
    (``make test-real``) the wrong answers are left out: a check may accept more from a real model, whose answers it
    cannot know, so only the solution must pass. In ``solutions/``, in place of each question's
    test cells: all its tests from ``build/autograder/<notebook>.zip``, hidden ones included, run
    once, as doctests split as grading splits them (``course_tools.grading.judging``: the assertions of
    a case that exports ``_judged`` run on its plain JSON copy). No extra kernel starts.
    """
    from nbval.plugin import IPyNbCell

    trials, added, notebook, replaced = [], {}, None, set()
    for item in items:
        if not isinstance(item, IPyNbCell):
            trials.append(item)
            continue
        if item.path != notebook:
            notebook = item.path
            added = _trial_cells(Path(notebook))
            replaced = _test_cells(Path(notebook))
        if item.cell_num not in replaced:
            trials.append(item)
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

    wrong, right = mistakes(learner.stem), solution_code(ROOT / "solutions" / learner.name)
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
            for k, code in enumerate([] if real else wrong[question], 1):
                mark = f" {k}" if len(wrong[question]) > 1 else ""
                added[number] |= {
                    f"{question}: wrong answer{mark}": code,
                    f"{question}: its check fails{mark}": check + 'not _feedback.passed_all and "❌" in _text, _text',
                }
            added[number] |= {
                f"{question}: solution": right[question],
                f"{question}: its check passes": check + '_feedback.passed_all and "✅" in _text, _text',
                f"{question}: nothing attempted again": "\n".join(placeholders),
            }
            placeholders = []
    return added


def _test_cells(path: Path) -> set[int]:
    """The code cell numbers of a solution's test cells (``_graded_tests`` runs their tests)."""
    if path.parent != ROOT / "solutions":
        return set()
    cells = nbformat.read(path, as_version=4).cells
    tests, code = cells_in_tests(cells), [index for index, cell in enumerate(cells) if cell.cell_type == "code"]
    return {number for number, index in enumerate(code) if index in tests}


def _graded_tests(solution: Path) -> dict[int, dict[str, str]]:
    zip_path = AUTOGRADER / f"{solution.stem}.zip"
    if not zip_path.exists() or zip_path.stat().st_mtime < solution.stat().st_mtime:
        raise FileNotFoundError(f"{zip_path} is missing or older than {solution.name}: run `make assign`")
    with zipfile.ZipFile(zip_path) as zf:  # the zip otter assign just wrote
        texts = {n: zf.read(n).decode() for n in zf.namelist() if n.startswith("tests/") and n.endswith(".py")}
    specs = {read_ok_test(text, name).name: text for name, text in texts.items()}
    added, question, number = {}, None, -1
    for cell in nbformat.read(solution, as_version=4).cells:
        directive = raw_directive(cell)
        if directive == "BEGIN QUESTION":
            question = yaml.safe_load(cell.source.split("\n", 1)[1])["name"]
        elif directive == "END TESTS":
            added[number] = {
                f"{question}: graded": (
                    "from course_tools.grading.judging import run_case as _run_case\n"
                    "from parallel_course.otter_files import read_ok_test as _read_ok_test\n"
                    f"_graded = _read_ok_test({specs.pop(question)!r})\n"
                    "_runs = [_run_case(_c.body, globals(), f'{_graded.name} {_i}')\n"
                    "         for _i, _c in enumerate(_graded.test_cases)]\n"
                    "assert all(_passed for _passed, _ in _runs), _runs"
                )
            }
        number += cell.cell_type == "code"
    assert not specs, f"{solution.name}: tests in the zip for questions without tests in the notebook: {sorted(specs)}"
    return added
