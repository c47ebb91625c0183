"""The similarity report (course_tools.grading.similarity) on a class of notebook 01: planted copies are
flagged, honest pairs are not, an untouched notebook pairs with nothing, hostile names and code are escaped.

Text only: no grader run, no kernel."""

import csv

import pytest
from grading_support import answered, learner, write
from similarity_class import ALICE, CAROL, COPIES, renamed, write_class

from course_tools.grading import similarity
from course_tools.grading.reports import csv_value

TEMPLATES = similarity.ROOT / "notebooks"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The report on similarity_class's seven students: {frozenset of two students: csv row}, the html."""
    tmp = tmp_path_factory.mktemp("similarity")
    subs, out = tmp / "subs", tmp / "out"
    write_class(subs)
    rows = similarity.similarity_report(subs, out, TEMPLATES)
    with open(out / "similarity.csv", newline="") as f:
        assert list(csv.DictReader(f)) == rows
    return {frozenset((r["student_a"], r["student_b"])): r for r in rows}, (out / "similarity.html").read_text()


def test_copies_are_flagged_and_honest_pairs_are_not(report):
    rows, _ = report
    assert len(rows) == 21  # every pair of seven students
    assert {pair for pair, row in rows.items() if row["flagged"] == "yes"} == COPIES
    for pair in COPIES:  # comments, spacing and names do not hide a copy
        assert float(rows[pair]["similarity"]) >= 0.9, rows[pair]
        assert rows[pair]["questions"] == "q01_predict q01_quiz q01_ticket_line q01_triage q01_when"
    derived = frozenset(("erin", "frank"))  # the wrong answers were written from the solution, each answer edited
    assert 0.3 < float(rows[derived]["similarity"]) < similarity.THRESHOLD
    independent = [float(row["similarity"]) for pair, row in rows.items() if pair not in COPIES | {derived}]
    assert max(independent) < 0.25


def test_an_untouched_notebook_pairs_with_nothing(report):
    rows, _ = report
    untouched = [row for pair, row in rows.items() if "grace" in pair]
    assert len(untouched) == 6
    assert all(r["similarity"] == "0.000" and r["questions"] == "" for r in untouched)


def test_the_html_shows_the_flagged_pairs_side_by_side(report):
    _, page = report
    assert page.count('<tr class="pair">') == 2 and page.count("<section") == 2
    assert "erin" not in page and "grace" not in page
    first, second = page.split('<section id="pair-2">')
    assert '<section id="pair-1">' in first
    for section, students in ((first, ("alice", "bob")), (second, ("carol", "dave"))):
        assert all(s in section for s in students)
        assert section.count('<td class="cells">') == 10  # five questions, two students
        assert "<mark>" in section
    assert "# my own solution" in page and "urgent_ones" in page  # each student's own text, escaped
    assert "http" not in page.replace("http-equiv", "")  # self-contained


def test_hostile_names_and_code_are_escaped(tmp_path, capsys):
    """A student named like a formula, one like a script, answers that close the page's tags: all text."""
    hostile = dict(CAROL, q01_triage=CAROL["q01_triage"] + '\nnote = "</pre></td><script>alert(1)</script>"')
    names = ['=HYPERLINK("evil.example","x")', "<script>alert(2)", "carol"]  # folder names: no "/"
    for name, code in zip(names, (hostile, renamed(hostile), ALICE), strict=True):
        write(answered(code, learner()), tmp_path / "subs", name)
    assert similarity.main([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--templates", str(TEMPLATES)]) == 0
    assert "1 of 3 pair(s) at or above 60%" in capsys.readouterr().out
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "<script" not in page.lower() and "</td><script" not in page
    assert "&lt;script&gt;alert(2)" in page and "&lt;/pre&gt;&lt;/td&gt;&lt;script&gt;" in page
    text = (tmp_path / "out" / "similarity.csv").read_text()
    assert "'=HYPERLINK" in text and ',"=' not in text and "\n=" not in text
    with open(tmp_path / "out" / "similarity.csv", newline="") as f:
        flagged = [r for r in csv.DictReader(f) if r["flagged"] == "yes"]
    assert {csv_value(flagged[0]["student_a"]), csv_value(flagged[0]["student_b"])} == set(names[:2])


def test_a_failure_after_grading_is_a_line_on_stderr(tmp_path, capsys):
    similarity.after_grading(tmp_path / "missing", tmp_path / "out", TEMPLATES)
    err = capsys.readouterr().err
    assert err.startswith("similarity report not written: FileNotFoundError") and err.count("\n") == 1
