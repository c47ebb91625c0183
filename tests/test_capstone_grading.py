"""Notebook 10's capstone through `make grade`: the solution earns full marks, each wrong design loses its properties.

The typical wrong designs (``DESIGNS`` in tests/wrong_answers/10_capstone_support_desk.py) pass the
visible check by design, except the one the exercise trials use first (the one-by-one design inside
``async def``): only the hidden tests, one per property, tell them apart. The milestones before the
open design (Exercises 1-3) are answered with their solutions in every submission: only the open
design differs. Each hidden test names its property in its first line (``_property = "cap"``):
grades.csv has a column per property (``q10_support_desk:cap``) and the feedback names it on the
test's line; both must say the same. Timed properties (wall time, p95) are only asserted in the
direction load cannot fake: a design that must lose one is several times too slow, a design that
must keep one is well inside its target. Slow (about 2 min on 2 busy cores): ``make test-full``.
"""

import csv
import re
import runpy
from pathlib import Path

import pytest
from exercises import ROOT, wrong_answers
from grading_support import answered, answers, autograder_zip, reduced, run_grader, write

from course_tools.grading.assignments import load_assignment, property_of

NAME = "10_capstone_support_desk"
QUESTION = "q10_support_desk"
RESULT = re.compile(r"^- (✅|❌) test (\d+) \((visible|hidden)", flags=re.MULTILINE)


def designs() -> dict[str, tuple[str, set[str], set[str]]]:
    """{design: (code, the properties it must lose, the properties it must keep)}."""
    return runpy.run_path(str(ROOT / "tests" / "wrong_answers" / f"{NAME}.py"))["DESIGNS"]


def properties(assignment) -> dict[int, str]:
    """{test number in the feedback (1-based): property} for the hidden tests."""
    cases = assignment.tests[QUESTION].test_cases
    return {n: property_of(c, n) for n, c in enumerate(cases, 1) if c.hidden}


def lost(feedback: Path, numbered: dict[int, str]) -> set[str]:
    """The properties whose hidden test failed, read from a feedback file."""
    section = feedback.read_text().split(f"## {QUESTION} —", 1)[-1]  # the open design's tests only
    results = {int(n): mark == "✅" for mark, n, _ in RESULT.findall(section)}
    assert set(numbered) <= set(results), feedback.read_text()
    return {prop for n, prop in numbered.items() if not results[n]}


def lost_in_grades(out: Path, student: str, numbered: dict[int, str]) -> set[str]:
    """The properties whose hidden test failed, read from grades.csv's ``q10_support_desk:<property>`` columns."""
    with open(out / "grades.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["student"] == student)
    assert sum(float(row[f"{QUESTION}:{p}"]) for p in numbered.values()) <= float(row[QUESTION]), row
    return {p for p in numbered.values() if float(row[f"{QUESTION}:{p}"]) == 0}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("capstone")
    autograder = tmp / "autograder"
    autograder.mkdir()
    autograder_zip(autograder, NAME)
    assignment = load_assignment(autograder / f"{NAME}.zip", tmp)
    subs, out = tmp / "submissions", tmp / "out"
    code = {"solution": answers(NAME)[QUESTION]}
    code |= {design.replace(" ", "_"): spec[0] for design, spec in designs().items()}
    for student, answer in code.items():
        nb = reduced(answered({**answers(NAME), QUESTION: answer}, name=NAME), assignment, name=NAME)
        write(nb, subs, student, f"{NAME}.ipynb")
    run_grader(subs, out, autograder, "--timeout", "150")
    return {"out": out, "assignment": assignment, "numbered": properties(assignment)}


@pytest.mark.full
def test_every_property_has_one_hidden_test(graded):
    names = list(graded["numbered"].values())
    assert sorted(names) == sorted(
        ["correctness", "partial results", "cap", "rate", "wall time", "p95", "cost"]
    ), names
    for design, (_, loses, keeps) in designs().items():
        assert loses and loses <= set(names) and keeps <= set(names) and not loses & keeps, design


@pytest.mark.full
def test_the_solution_earns_full_marks(graded):
    feedback = graded["out"] / "feedback" / "solution" / f"{NAME}.md"
    text = feedback.read_text()
    assert "status: graded" in text and not lost(feedback, graded["numbered"]), text
    assert not lost_in_grades(graded["out"], "solution", graded["numbered"])
    assert f"**Score: {graded['assignment'].max_points:g} / {graded['assignment'].max_points:g}**" in text, text


@pytest.mark.full
@pytest.mark.parametrize("design", list(designs()))
def test_each_wrong_design_loses_its_properties_and_keeps_the_others(graded, design):
    _, loses, keeps = designs()[design]
    student = design.replace(" ", "_")
    got = lost_in_grades(graded["out"], student, graded["numbered"])
    assert got == lost(graded["out"] / "feedback" / student / f"{NAME}.md", graded["numbered"])
    assert loses <= got, f"{design} should lose {sorted(loses)}, lost {sorted(got)}"
    assert not keeps & got, f"{design} should keep {sorted(keeps)}, lost {sorted(got)}"


def test_the_trials_wrong_answer_is_a_design_graded_here():
    """The exercise trials' wrong answer (it fails the visible check) is one of the graded designs."""
    assert wrong_answers(NAME)[QUESTION] in {spec[0] for spec in designs().values()}
