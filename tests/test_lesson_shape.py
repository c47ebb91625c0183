"""Every lesson has the shape CONTRIBUTING promises: the fixed sections in order (pitfalls where they bite, inside
Concepts), a self-check quiz before its exercises, at least three graded exercises on the main path among them a
"predict, run, compare" and a "fix the broken chain", a concept diagram, a "Further reading" that links the pinned
langchain-core source and the next notebook, and an optional "Going deeper" appendix after it."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from parallel_course.otter_files import cells_in_tests, raw_directive
from parallel_course.questionnaire import QUIZZES, quiz

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LESSONS = [s for s in SOLUTIONS if "capstone" not in s.stem]  # the capstone is one open project
PIN = re.search(r"^langchain-core==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
SOURCE_LINK = re.compile(rf"github\.com/langchain-ai/langchain/blob/langchain-core(==|%3D%3D){re.escape(PIN)}/")


SECTIONS = ["## Objectives", "## Setup", "## Concepts", "## Self-check", "## Exercises", "## Summary",
            "## Further reading"]
DEEPER = "## Going deeper"


def headings(nb) -> list[str]:
    return [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]


def graded_questions(nb) -> dict[str, str]:
    """{question name: its exercise's title line} for the questions worth points."""
    found, pending = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith(DEEPER):
            break
        if raw_directive(cell) == "BEGIN QUESTION":
            spec = yaml.safe_load(cell.source.split("\n", 1)[1])
            pending = spec["name"] if spec.get("points", 0) else None
        elif pending and cell.cell_type == "markdown":
            found[pending], pending = cell.source.splitlines()[0], None
    return found


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_the_fixed_sections_in_order_then_the_optional_appendix(solution):
    order = headings(nbformat.read(solution, as_version=4))
    assert order in (SECTIONS, [*SECTIONS, DEEPER]), order
    deeper = next((c.source for c in nbformat.read(solution, as_version=4).cells if c.source.startswith(DEEPER)), "")
    assert not deeper or "optional" in deeper.lower()[:300], "Going deeper says at once that it is optional"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_a_self_check_quiz_comes_before_the_exercises(solution):
    nb = nbformat.read(solution, as_version=4)
    order = headings(nb)
    assert "## Self-check" in order, "a `## Self-check` section with pc.quiz(...)"
    if "## Exercises" in order:
        assert order.index("## Self-check") < order.index("## Exercises")
    assert any(f'pc.quiz("{solution.stem}")' in c.source for c in nb.cells if c.cell_type == "code")
    assert 5 <= len(quiz(solution.stem).questions) <= 8
    assert (QUIZZES / f"{solution.stem}.yaml").exists()


@pytest.mark.parametrize("solution", LESSONS, ids=lambda p: p.stem[:2])
def test_at_least_three_graded_exercises_with_a_prediction_and_a_fix(solution):
    titles = graded_questions(nbformat.read(solution, as_version=4))
    assert len(titles) >= 3, titles
    assert any("predict, run, compare" in t for t in titles.values()), "an exercise titled '... predict, run, compare'"
    assert any("fix the broken chain" in t for t in titles.values()), "an exercise titled '... fix the broken chain'"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_a_concept_diagram(solution):
    nb = nbformat.read(solution, as_version=4)
    assert any("pc.diagram(" in c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_further_reading_ends_the_main_path(solution):
    nb = nbformat.read(solution, as_version=4)
    assert [h for h in headings(nb) if h != DEEPER][-1] == "## Further reading"
    reading = next(c.source for c in reversed(nb.cells) if c.source.startswith("## Further reading"))
    assert SOURCE_LINK.search(reading), f"a langchain-core source file linked at the pinned {PIN}"
    later = [s for s in SOLUTIONS if s.name > solution.name]
    if later:
        assert f"{later[0].name}" in reading, f"points to the next notebook, {later[0].name}"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_every_proof_cell_says_what_it_verified(solution):
    from proof_cells import is_proof, says_what_it_verified  # scripts/proof_cells.py

    silent, cells = [], nbformat.read(solution, as_version=4).cells
    tests = cells_in_tests(cells)
    for number, cell in enumerate(cells):
        proof = cell.cell_type == "code" and number not in tests and is_proof(cell.source)
        if proof and not says_what_it_verified(cell.source):
            silent.append(number)
    assert not silent, f"proof cells that print no line of what they verified: cells {silent}"
