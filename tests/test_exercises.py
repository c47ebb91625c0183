"""Every exercise's check fails on a plausible wrong answer and passes on the solution.

The learner notebook is run with each answer cell replaced by a wrong answer and its
check, then the solution and the check again, through otter's own ``grader.check``.
Wrong answers live in ``tests/wrong_answers/<notebook>.py`` as ``WRONG = {question: code}``.
"""

import runpy

import pytest
from exercises import ROOT, solution_code, wrong_then_right
from nbclient import NotebookClient

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
PASSED = "All test cases passed!"


def wrong_answers(notebook: str) -> dict[str, str]:
    path = ROOT / "tests" / "wrong_answers" / f"{notebook}.py"
    return runpy.run_path(str(path))["WRONG"] if path.exists() else {}


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_question_has_a_wrong_answer(solution):
    questions = solution_code(solution)
    assert questions, f"{solution.name} has no exercises"
    assert set(wrong_answers(solution.stem)) == set(questions)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_checks_fail_wrong_answers_and_pass_solutions(solution):
    learner = ROOT / "notebooks" / solution.name
    nb = wrong_then_right(learner, wrong_answers(solution.stem), solution_code(solution))
    resources = {"metadata": {"path": str(learner.parent)}}
    NotebookClient(nb, timeout=60, kernel_name="parallel-course", resources=resources).execute()
    results = {}
    for cell in nb.cells:
        kind = cell.metadata.get("course_check")
        if kind:
            text = "".join(str(out.get("data", {}).get("text/plain", "")) for out in cell.outputs)
            results.setdefault(cell.source, {})[kind] = PASSED in text
    assert results, "no check cells found"
    for check, outcome in results.items():
        assert outcome == {"wrong": False, "right": True}, f"{check}: {outcome}"
