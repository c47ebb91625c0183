"""Every exercise's check fails on a plausible wrong answer and passes on the solution.

The trials run inside nbval's run of each learner notebook (``--exercise-trials``, see
``exercise_trials`` in ``tests/exercises.py``), through otter's own ``grader.check``.
Wrong answers live in ``tests/wrong_answers/<notebook>.py`` as ``WRONG = {question: [code, ...]}`` (the
targeted misconception first; a bare string is one mistake): the trials run every one through the check.
"""

import ast
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from exercises import ROOT, mistakes, wrong_answers

from parallel_course.otter_files import check_name, raw_directive, solution_code

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LEARNER = "notebooks/" + SOLUTIONS[0].name


def graded(solution: Path) -> list[str]:
    """The questions of a solution notebook that carry points (a quiz carries none)."""
    found = []
    for cell in nbformat.read(solution, as_version=4).cells:
        if raw_directive(cell) == "BEGIN QUESTION":
            spec = yaml.safe_load(cell.source.split("\n", 1)[1])
            found += [spec["name"]] if spec.get("points", 0) else []
    return found


def steps(count: int) -> list[str]:
    """A question's trial steps when ``count`` mistakes are catalogued for it."""
    marks = [f" {k}" for k in range(1, count + 1)] if count > 1 else [""]
    tried = [step for mark in marks for step in (f"wrong answer{mark}", f"its check fails{mark}")]
    return ["nothing attempted, its check says so", *tried, "solution", "its check passes", "graded",
            "nothing attempted again"]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_question_has_a_wrong_answer(solution):
    questions = solution_code(solution)
    assert questions, f"{solution.name} has no exercises"
    assert set(wrong_answers(solution.stem)) == set(questions)
    assert all(mistakes(solution.stem).values()), "at least one mistake per question"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_graded_exercise_keeps_at_least_three_mistakes(solution):
    found = mistakes(solution.stem)
    for question in graded(solution):
        assert len(found[question]) >= 3, f"{question}: {len(found[question])} mistakes catalogued"
        assert len(set(found[question])) == len(found[question]), f"{question}: a mistake catalogued twice"


@functools.cache
def collected(mode: str) -> tuple[str, ...]:
    """The nodeids nbval collects with ``--exercise-trials`` from the first learner notebook, in one
    ``pytest --collect-only`` run; ``mode`` "offline" or "real" (the model's variables)."""
    model = {"real": {"OPENAI_API_KEY": "unused-key", "COURSE_MODEL": "course-test-model", "COURSE_DOTENV": "0"},
             "offline": {"COURSE_MODEL": "fake"}}[mode]
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "--nbval-lax",
               "--exercise-trials", LEARNER]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, **model})
    return tuple(line for line in done.stdout.splitlines() if "::" in line)


def of(path: str, nodeids: tuple[str, ...]) -> list[str]:
    return [node for node in nodeids if node.startswith(path + "::")]


def test_each_check_of_a_learner_notebook_is_followed_by_its_trials():
    learner = LEARNER
    expected, wrong = [], mistakes(SOLUTIONS[0].stem)
    code_cells = [c for c in nbformat.read(ROOT / learner, as_version=4).cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        expected.append(f"{learner}::Cell {number}")
        if check_name(cell):
            expected += [f"{learner}::{check_name(cell)}: {step}" for step in steps(len(wrong[check_name(cell)]))]
    assert len(expected) == len(code_cells) + sum(5 + 2 * len(codes) for codes in wrong.values())
    assert of(learner, collected("offline")) == expected


def test_in_real_model_mode_the_trials_only_try_the_solution():
    """A check may accept more from a real model (it cannot know its answers): no wrong answer there, and no
    hidden test (they assume the course's fakes)."""
    offline = of(LEARNER, collected("offline"))
    tried = re.compile(r": (wrong answer|its check fails|graded)( \d+)?$")
    expected = [node for node in offline if not tried.search(node)]
    wrong = mistakes(SOLUTIONS[0].stem)
    assert len(expected) == len(offline) - 2 * sum(len(codes) for codes in wrong.values()) - len(wrong)
    assert of(LEARNER, collected("real")) == expected


def visible_tests(solution: Path, question: str) -> list[str]:
    """The sources of ``question``'s visible test cells in a solution notebook."""
    found, current, in_tests = [], None, False
    for cell in nbformat.read(solution, as_version=4).cells:
        directive = raw_directive(cell)
        if directive == "BEGIN QUESTION":
            current = cell.source.split("name:", 1)[1].split()[0]
        elif directive in ("BEGIN TESTS", "END TESTS"):
            in_tests = directive == "BEGIN TESTS"
        elif in_tests and current == question and cell.cell_type == "code" and "hidden: true" not in cell.source:
            found.append(cell.source)
    return found


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_visible_assertion_has_a_hint_in_the_courses_words(solution):
    """Every visible assertion carries a hint (never the raw assert line) of a readable length."""
    for question in graded(solution):
        tests = visible_tests(solution, question)
        assert tests, question
        for test in tests:
            for node in ast.walk(ast.parse(test)):
                if not isinstance(node, ast.Assert):
                    continue
                assert node.msg is not None, f"{question}: an assertion without a hint: {ast.unparse(node)}"
                parts = [v.value for v in ast.walk(node.msg) if isinstance(v, ast.Constant)]
                text = "".join(v for v in parts if isinstance(v, str))
                assert 10 < len(text) <= 300, f"{question}: a hint of {len(text)} characters: {text}"


def literal_answers(code: str) -> list[str]:
    """How a solution's literal answers would print: ``name = <literal>`` at the top of its answer cells
    (a number, a string of 8 characters or more, a whole dict or list)."""
    found = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > 2:
                found.append(repr(value))
            elif isinstance(value, str) and len(value) >= 8 or isinstance(value, dict | list) and value:
                found.append(repr(value) if not isinstance(value, str) else value)
    return found


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_hint_prints_the_expected_answer(solution):
    """A hint names the cause, never the answer: no visible assertion's message holds a literal answer."""
    answers = solution_code(solution)
    for question in graded(solution):
        expected = literal_answers(answers[question])
        for test in visible_tests(solution, question):
            for node in ast.walk(ast.parse(test)):
                if isinstance(node, ast.Assert) and node.msg is not None:
                    text = "".join(v.value for v in ast.walk(node.msg) if isinstance(v, ast.Constant)
                                   and isinstance(v.value, str))
                    assert not [a for a in expected if a in text], f"{question}: a hint prints the answer: {text}"
