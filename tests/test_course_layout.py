"""The checklist for a new notebook (CONTRIBUTING.md), enforced where a test can: each solution has its
learner notebook, its wrong answers, its README row with a time, its name in CONTRIBUTING's list."""

import re
import runpy

import pytest
from exercises import ROOT

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def readme_rows() -> dict[str, str]:
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        match = re.match(r"\| (\d\d) \| \[[^\]]+\]\(notebooks/(\w+)\.ipynb\) \|", line)
        if match:
            rows[match.group(2)] = line
    return rows


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_every_notebook_is_in_the_course_everywhere_it_must_be(solution):
    name = solution.stem
    assert (ROOT / "notebooks" / solution.name).exists(), "make assign writes the learner notebook"
    wrong = runpy.run_path(str(ROOT / "tests" / "wrong_answers" / f"{name}.py"))["WRONG"]
    assert wrong, "a wrong answer per exercise (tests/wrong_answers/)"
    row = readme_rows().get(name)
    assert row, f"README's notebook table has a row linking notebooks/{name}.ipynb"
    assert re.search(r"\| \d+ min \|", row), "the row says how long the notebook takes"
    assert f"`{name}`" in (ROOT / "CONTRIBUTING.md").read_text(), "CONTRIBUTING lists the file name"


def test_the_readme_counts_the_notebooks_and_lists_no_other():
    assert set(readme_rows()) == {p.stem for p in SOLUTIONS}
    first = (ROOT / "README.md").read_text().split("\n\n")[2]
    assert f"{NUMBERS[len(SOLUTIONS)]} executable Jupyter notebooks" in first


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_the_readme_times_are_the_counted_ones_and_a_lesson_fits_one_sitting(solution):
    from reading_time import LIMIT, readme_times  # scripts/reading_time.py

    main, deeper = (int(m) for m in re.findall(r"\| (\d+) min ", readme_rows()[solution.stem]))
    assert (main, deeper) == readme_times(ROOT / "notebooks" / solution.name), "python scripts/reading_time.py"
    if "capstone" not in solution.stem:
        assert main <= LIMIT, f"the main path takes {main} min, more than one sitting ({LIMIT} min)"
