"""Read otter-format notebooks (questions, solutions, answer cells) and try their exercises under nbval."""

import runpy
import zipfile
from collections import defaultdict
from pathlib import Path

import nbformat

from parallel_course.otter_files import check_name, is_answer_cell, read_ok_test, solution_code

ROOT = Path(__file__).resolve().parents[1]
AUTOGRADER = ROOT / "build" / "autograder"  # written by scripts/assign.py


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
    """nbval's cells of each learner notebook, with cells added after each exercise (``--exercise-trials``).

    After a learner's ``grader.check("q")`` (run with nothing attempted): an assertion that the check
    says so; for each catalogued mistake (``mistakes``) the wrong answer and an assertion that the check
    fails it with a hint in the course's own words; the solution, an assertion that the check passes it
    and says what grading adds; all of the question's tests from ``build/autograder/<notebook>.zip``,
    hidden ones included, as grading splits and judges them (``course_tools.grading.judging``); then
    the learner's own answer cells again, so the rest of the notebook runs with nothing attempted. So
    each notebook runs once, lesson and solutions and every test. In real-model mode (``make
    test-real``) only the solution and its check: a check may accept more from a real model, whose
    answers it cannot know, and the hidden tests assume the course's fakes. No extra kernel starts.
    """
    from nbval.plugin import IPyNbCell

    trials, added, notebook = [], {}, None
    for item in items:
        if not isinstance(item, IPyNbCell):
            trials.append(item)
            continue
        if item.path != notebook:
            notebook = item.path
            path = Path(notebook)
            added = _learner_trials(path) if path.parent == ROOT / "notebooks" else {}
        trials.append(item)
        for name, source in added.get(item.cell_num, {}).items():
            cell = nbformat.v4.new_code_cell(source)
            options = defaultdict(bool, check=False)
            trials.append(
                IPyNbCell.from_parent(item.parent, name=name, cell_num=item.cell_num, cell=cell, options=options)
            )
    return trials


def _learner_trials(learner: Path) -> dict[int, dict[str, str]]:
    """{code cell number: {item name: source}} of the cells to run after that cell."""
    import parallel_course

    wrong, right = mistakes(learner.stem), solution_code(ROOT / "solutions" / learner.name)
    real = parallel_course.real_mode()
    graded = {} if real else _graded_tests(ROOT / "solutions" / learner.name)
    added, placeholders = {}, []
    code_cells = [c for c in nbformat.read(learner, as_version=4).cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        if is_answer_cell(cell):
            placeholders.append(cell.source)
        elif question := check_name(cell):
            if question not in wrong:
                raise KeyError(f"tests/wrong_answers/{learner.stem}.py has no wrong answer for {question}")
            check = f'_feedback = grader.check("{question}")\n{readable(question)}\nassert '
            added[number] = {
                f"{question}: nothing attempted, its check says so": check + '"not answered yet" in _text, _text'
            }
            for k, code in enumerate([] if real else wrong[question], 1):
                mark = f" {k}" if len(wrong[question]) > 1 else ""
                added[number] |= {
                    f"{question}: wrong answer{mark}": code,
                    f"{question}: its check fails{mark}": check
                    + '_feedback.written and not _feedback.passed_all and "❌" in _text, _text',
                }
            passes = '_feedback.passed_all and "✅" in _text'
            added[number] |= {
                f"{question}: solution": right[question],
                f"{question}: its check passes": check
                + (passes if is_quiz(question) else passes + ' and "Grading also" in _text') + ", _text",
            }
            if not real:
                added[number][f"{question}: graded"] = graded.pop(question)
            added[number][f"{question}: nothing attempted again"] = "\n".join(placeholders)
            placeholders = []
    assert not graded, f"{learner.name}: tests in the zip for questions with no check in the notebook: {sorted(graded)}"
    return added


def is_quiz(question: str) -> bool:
    return question.endswith("_quiz")


def readable(question: str) -> str:
    """Assertions that a check's feedback reads at a glance: no traceback or doctest transcript, nothing
    cut; an exercise's at most 6 non-empty lines (a quiz explains every wrong choice, a line each)."""
    lines = "" if is_quiz(question) else "assert len([_l for _l in _text.splitlines() if _l.strip()]) <= 6, _text\n"
    words = "('Traceback', 'Trying:', 'Expecting', 'doctest', '.py\"', '[...]')"
    return f"_text = repr(_feedback)\n{lines}assert not any(_w in _text for _w in {words}), _text"


def _graded_tests(solution: Path) -> dict[str, str]:
    """{question: a cell that runs all its tests from the autograder zip, as grading judges them}."""
    zip_path = AUTOGRADER / f"{solution.stem}.zip"
    if not zip_path.exists() or zip_path.stat().st_mtime < solution.stat().st_mtime:
        raise FileNotFoundError(f"{zip_path} is missing or older than {solution.name}: run `make assign`")
    with zipfile.ZipFile(zip_path) as zf:  # the zip otter assign just wrote
        texts = {n: zf.read(n).decode() for n in zf.namelist() if n.startswith("tests/") and n.endswith(".py")}
    return {
        read_ok_test(text, name).name: (
            "from course_tools.grading.judging import run_case as _run_case\n"
            "from parallel_course.otter_files import read_ok_test as _read_ok_test\n"
            f"_graded = _read_ok_test({text!r})\n"
            "_runs = [_run_case(_c.body, globals(), f'{_graded.name} {_i}')\n"
            "         for _i, _c in enumerate(_graded.test_cases)]\n"
            "assert all(_passed for _passed, _ in _runs), _runs"
        )
        for name, text in texts.items()
    }
