"""`make grade` (scripts/grade.py): a class of synthetic submissions to notebook 01, graded in one batch.

The autograder zip is generated fresh from ``solutions/`` (a stale ``build/`` cannot hide a bug).
One batch holds every case of issue 7 at once: the solution (full marks), the learner notebook
(zero), a wrong answer (partial), and the broken and tampering cases. A second run is killed
mid-batch (the rows already written survive, the running notebook dies with the grader), and a
third resumes it: everything done is skipped and the infinite loop ends in a timeout. Before them,
``--only`` regrades one student whose notebook changed, every other row left as it was.

Cheap cases are *reduced* notebooks: the learner notebook without the lesson cells the answers
and tests do not need (dependency slicing below), so the batch stays small and fast.
"""

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from exercises import ROOT
from grading_support import (
    NAME,
    answered,
    answers,
    grading_folders,
    insert_after,
    is_check,
    is_setup,
    learner,
    minimal,
    parent_of,
    processes_named,
    read_rows,
    reduced,
    run_grader,
    write,
    wrong,
)

from course_tools.grading import cli, gradescope, reports
from course_tools.grading.assignments import check_calls, load_assignment
from course_tools.grading.submissions import read_submission
from course_tools.grading.text import shown

TAMPER_OTTER = """\
import otter
import otter.test_files.ok_test as _ok
_ok.run_doctest = lambda name, source, env: (True, "")  # full marks under `otter run`
otter.Notebook.check = lambda self, q, *a, **k: print(q, "results: All test cases passed!")"""
TAMPER_GRADER = """\
grader.check = lambda q: print(q, "results: All test cases passed!")
class FakeGrader:
    def check(self, q): return "All test cases passed!"
grader = FakeGrader()"""
TAMPER_COMPILE = """\
import builtins
_real_compile = builtins.compile
def _compile(source, filename, mode, *args, **kwargs):  # every assert becomes `None`
    if isinstance(source, str) and "assert" in source:
        source = "None"
    return _real_compile(source, filename, mode, *args, **kwargs)
builtins.compile = _compile"""
WRITE_FILES = """\
from pathlib import Path
Path("grades.csv").write_text("hacked")
Path("tests").mkdir(exist_ok=True)
Path("tests/q01_ticket_line.py").write_text("OK_FORMAT = True\\ntest = {'name': 'q01_ticket_line', 'suites': []}")
Path("sybil_was_here.txt").write_text("x")"""


def build_class(folder: Path, assignment) -> dict[str, str]:
    """Write every case of the batch; return {student: what the case is}."""
    sol, bad = answers(), wrong()
    partial_q = next(iter(bad))
    cases = {
        "alice": "the solution: full marks",
        "bob": "the learner notebook as distributed: zero",
        "carol": f"one wrong answer ({partial_q}): partial",
        "dave": "a syntax error in an answer cell",
        "erin": "an exception in the middle",
        "grace": "the kernel dies (os._exit) after two questions",
        "heidi": "check cells deleted and edited, metadata tests replaced (right answers)",
        "ivan": "patches otter's test runner and otter.Notebook.check",
        "judy": "replaces the grader object, edits check cells and metadata tests",
        "mallory": "patches builtins.compile so every assert passes",
        "oscar": "malformed JSON",
        "peggy": "an empty file",
        "quinn": "a notebook for an unknown assignment",
        "rupert": "huge outputs",
        "sybil": "writes files into its working directory",
        "trent": "no metadata, matched by its file name (top level, student from the file name)",
        "uma": "ends its process as the grader's own code does when it fails (exit code 70, nothing said)",
    }
    write(reduced(answered(sol), assignment), folder, "alice")  # the solution as graded, its lesson cells cut
    write(reduced(learner(), assignment), folder, "bob")
    write(reduced(answered({**sol, partial_q: bad[partial_q]}), assignment), folder, "carol")
    first_q = list(sol)[0]
    write(
        reduced(answered({**sol, first_q: "ticket_line = RunnableParallel(\n    words=len,\n"}), assignment),
        folder,
        "dave",
    )
    write(
        insert_after(reduced(answered(sol), assignment), is_setup, 'raise RuntimeError("boom in the middle")'),
        folder,
        "erin",
    )
    second_q = list(sol)[1]
    write(
        insert_after(reduced(answered(sol), assignment), is_check(second_q), "import os\nos._exit(1)"), folder, "grace"
    )
    nb = reduced(answered(sol), assignment)
    nb.cells = [c for c in nb.cells if not is_check(first_q)(c)]
    next(c for c in nb.cells if is_check(list(sol)[2])(c)).source = 'print("All test cases passed!")'
    for test in nb.metadata["otter"]["tests"].values():
        test["suites"][0]["cases"] = [{"code": ">>> assert True\n", "hidden": False, "locked": False}]
    write(nb, folder, "heidi")
    write(minimal(TAMPER_OTTER), folder, "ivan")
    nb = minimal(TAMPER_GRADER)
    for cell in nb.cells:
        if check_calls(cell.source):
            cell.source = f'print("{check_calls(cell.source)[0]} results: All test cases passed!")'
    for test in nb.metadata["otter"]["tests"].values():
        test["suites"][0]["cases"] = [{"code": ">>> assert True\n", "hidden": True, "locked": False}]
    write(nb, folder, "judy")
    write(minimal(TAMPER_COMPILE), folder, "mallory")
    (folder / "oscar").mkdir()
    (folder / "oscar" / f"{NAME}.ipynb").write_text('{"cells": [{"cell_type": "code", ')
    (folder / "peggy").mkdir()
    (folder / "peggy" / f"{NAME}.ipynb").write_text("")
    nb = minimal()
    nb.metadata["otter"]["assignment_name"] = "99_unknown_topic"
    write(nb, folder, "quinn", "99_unknown_topic.ipynb")
    huge = 'print("x" * 20_000_000)\nfor i in range(100_000):\n    print(i)'
    write(insert_after(reduced(answered(sol), assignment), is_setup, huge), folder, "rupert")
    write(insert_after(reduced(answered(sol), assignment), is_setup, WRITE_FILES), folder, "sybil")
    nb = minimal()
    del nb.metadata["otter"]
    write(nb, folder, "", f"trent_{NAME}.ipynb")
    write(minimal("import os\nos._exit(70)"), folder, "uma")
    return cases


# ---------------------------------------------------------------------------------------------
# Running the grader


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Build the class, grade it once; return what the tests read."""
    autograder, subs, out, assignment = grading_folders(tmp_path_factory, "grading")
    tmp = subs.parent
    cases = build_class(subs, assignment)
    before = digest(subs)
    started = time.monotonic()
    run_grader(subs, out, autograder, "--timeout", "90")
    return {
        "tmp": tmp,
        "subs": subs,
        "out": out,
        "autograder": autograder,
        "assignment": assignment,
        "cases": cases,
        "rows": read_rows(out),
        "before": before,
        "seconds": time.monotonic() - started,
    }


def scores(row: dict, assignment) -> dict[str, float]:
    return {q: float(row[q]) for q in assignment.order}


def timed(assignment) -> set[str]:
    """Questions with a test that measures time: their score may differ between two runs of one answer."""
    clock = re.compile(r"Timer|elapsed|perf_counter|monotonic|time\.time|benchmark")
    return {q for q, test in assignment.tests.items() if any(clock.search(c.body) for c in test.test_cases)}


def assert_same_scores(row: dict, reference: dict, assignment, skip: frozenset = frozenset()) -> None:
    """Equal points on every question but ``skip``; timed questions: the same or less."""
    ours, theirs = scores(row, assignment), scores(reference, assignment)
    for q in assignment.order:
        if q in skip:
            continue
        if q in timed(assignment):
            assert ours[q] <= assignment.tests[q].possible, (q, ours[q])
        else:
            assert ours[q] == theirs[q], (q, ours[q], theirs[q])


# ---------------------------------------------------------------------------------------------
# The class


def test_every_case_has_its_own_row_with_a_status_and_a_reason(batch):
    rows = batch["rows"]
    assert set(rows) == set(batch["cases"])
    assert {row["status"] for row in rows.values()} <= set(cli.STATUSES)
    broken = set(batch["cases"]) - {"alice", "bob", "carol", "heidi", "judy", "ivan", "trent"}
    for student in broken:
        assert rows[student]["reason"], f"{student} ({batch['cases'][student]}) has no reason"


def test_the_solution_gets_full_marks(batch):
    row, assignment = batch["rows"]["alice"], batch["assignment"]
    assert row["status"] == "graded"
    assert float(row["max"]) == assignment.max_points
    lost = {q for q, s in scores(row, assignment).items() if s < assignment.tests[q].possible}
    assert not lost, f"the solution loses points on {sorted(lost)}"
    assert float(row["total"]) == assignment.max_points, row


def test_the_learner_notebook_gets_zero_and_the_wrong_answer_loses_only_its_question(batch):
    rows, assignment = batch["rows"], batch["assignment"]
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["total"]) == 0
    partial_q = next(iter(wrong()))
    assert float(rows["carol"][partial_q]) < assignment.tests[partial_q].possible
    assert_same_scores(rows["carol"], rows["alice"], assignment, skip=frozenset({partial_q}))
    assert 0 < float(rows["carol"]["total"]) < assignment.max_points


def test_a_syntax_error_costs_only_its_question(batch):
    row, assignment = batch["rows"]["dave"], batch["assignment"]
    first_q = assignment.order[0]
    assert row["status"] == "graded" and "SyntaxError" in row["reason"]
    assert float(row[first_q]) == 0
    assert_same_scores(row, batch["rows"]["alice"], assignment, skip=frozenset({first_q}))


def test_an_exception_in_the_middle_does_not_stop_the_notebook(batch):
    row = batch["rows"]["erin"]
    assert row["status"] == "graded" and "RuntimeError" in row["reason"]
    assert_same_scores(row, batch["rows"]["alice"], batch["assignment"])


def test_a_dying_kernel_keeps_the_questions_graded_before_it(batch):
    row, assignment = batch["rows"]["grace"], batch["assignment"]
    assert row["status"] == "error"
    assert "died" in row["reason"] and "exit code 1" in row["reason"]
    first, second, *rest = assignment.order
    assert float(row[first]) + float(row[second]) > 0  # the quiz (0 points) may come first
    assert_same_scores(row, batch["rows"]["alice"], assignment, skip=frozenset(rest))
    assert all(float(row[q]) == 0 for q in rest)
    feedback = (batch["out"] / "feedback" / "grace" / f"{NAME}.md").read_text()
    assert feedback.count("Not tested: grading stopped before this question") == len(rest)


def test_a_process_that_ends_as_a_grader_fault_is_graded_again_once_alone(batch):
    """A fault of the grader's own code in the notebook's process (exit 70, nothing said) must not cost marks;
    a notebook that ends so itself gains nothing but one more run."""
    row = batch["rows"]["uma"]
    assert row["status"] == "error" and float(row["total"]) == 0
    assert "graded again alone" in row["reason"] and "exit code 70" in row["reason"], row["reason"]
    assert "graded again" not in batch["rows"]["grace"]["reason"]  # another exit code: once is enough


def test_tests_come_from_the_zip_whatever_the_check_cells_and_metadata_say(batch):
    rows, assignment = batch["rows"], batch["assignment"]
    heidi = rows["heidi"]  # right answers, check cells deleted or edited: tested after the last cell
    assert heidi["status"] == "graded"
    assert_same_scores(heidi, rows["alice"], assignment)
    assert "check cell missing or edited" in heidi["reason"]
    judy = rows["judy"]  # nothing answered, grader replaced, checks print "passed", metadata says assert True
    assert judy["status"] == "graded" and float(judy["total"]) == 0
    feedback = (batch["out"] / "feedback" / "judy" / f"{NAME}.md").read_text()
    cases = sum(len(assignment.tests[q].test_cases) for q in assignment.order)
    assert feedback.count("- ❌ test") == cases  # every case of the zip ran, and failed


def test_patching_otter_gains_nothing_and_is_flagged(batch):
    ivan = batch["rows"]["ivan"]
    assert ivan["status"] == "graded" and float(ivan["total"]) == 0
    assert "review: code uses otter" in ivan["reason"]


def test_a_runner_that_passes_everything_is_caught_by_the_integrity_probes(batch):
    row = batch["rows"]["mallory"]
    assert row["status"] == "tampered" and float(row["total"]) == 0
    assert "tampering detected" in row["reason"] and "builtins" in row["reason"]


def test_unreadable_and_unmatched_files_get_rows(batch):
    rows = batch["rows"]
    assert rows["oscar"]["status"] == "unreadable" and "not valid JSON" in rows["oscar"]["reason"]
    assert rows["peggy"]["status"] == "unreadable" and "empty file" in rows["peggy"]["reason"]
    assert rows["oscar"]["notebook"] == NAME  # matched by file name all the same
    quinn = rows["quinn"]
    assert quinn["status"] == "unmatched" and quinn["notebook"] == "" and "99_unknown_topic" in quinn["reason"]
    trent = rows["trent"]
    assert trent["notebook"] == NAME and trent["status"] == "graded" and trent["submission"] == f"trent_{NAME}.ipynb"


def test_huge_outputs_are_truncated_not_kept(batch):
    row = batch["rows"]["rupert"]
    assert row["status"] == "graded" and "output truncated (20.6 MB not kept)" in row["reason"]
    assert_same_scores(row, batch["rows"]["alice"], batch["assignment"])
    assert (batch["out"] / "feedback" / "rupert" / f"{NAME}.md").stat().st_size < 20_000


def test_a_submission_writes_only_into_its_own_temporary_folder(batch):
    row = batch["rows"]["sybil"]
    assert row["status"] == "graded"
    assert_same_scores(row, batch["rows"]["alice"], batch["assignment"])  # its tests/q01_ticket_line.py changed nothing
    assert digest(batch["subs"]) == batch["before"]  # no submission touched
    assert not list(batch["tmp"].rglob("sybil_was_here.txt"))  # not in the submissions, OUT, the grader's cwd
    assert not (ROOT / "sybil_was_here.txt").exists() and not (Path.cwd() / "sybil_was_here.txt").exists()
    assert "wrote files in its own folder: grades.csv, sybil_was_here.txt, tests/q01_ticket_line.py" in row["reason"]
    assert (batch["out"] / "grades.csv").read_text().startswith("student,notebook,")
    assert list((batch["tmp"] / "tmp").iterdir()) == []  # nothing left in the grader's temporary folder


def test_summary_and_feedback(batch):
    rows, assignment, out = batch["rows"], batch["assignment"], batch["out"]
    with open(out / "summary.csv", newline="") as f:
        summary = {r["question"]: r for r in csv.DictReader(f)}
    assert list(summary)[: len(assignment.order) + 1] == [*assignment.order, "total"]  # then the properties
    scored = [r for r in rows.values() if r["status"] in ("graded", "timeout", "error", "tampered")]
    for q in assignment.order:
        values = [float(r[q]) for r in scored]
        assert int(summary[q]["submissions"]) == len(scored)
        assert float(summary[q]["mean_score"]) == pytest.approx(sum(values) / len(values), abs=1e-3)
        full = sum(v == assignment.tests[q].possible for v in values) / len(values)
        assert float(summary[q]["pass_rate"]) == pytest.approx(full, abs=1e-3)
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    carol = (out / "feedback" / "carol" / f"{NAME}.md").read_text()
    assert f"**Score: {rows['carol']['total']} / {rows['carol']['max']}**" in carol
    assert all(f"## {q}" in carol for q in assignment.order)
    assert "Failed example:" in carol and "Trying:" not in carol  # a visible test's message, trimmed
    alice = (out / "feedback" / "alice" / f"{NAME}.md").read_text()
    hidden = [c.body for q in assignment.order for c in assignment.tests[q].test_cases if c.hidden]
    assert not any(line in alice for body in hidden for line in body.splitlines() if len(line) > 20)


def visible_hints(assignment, question: str) -> set[str]:
    """The hints the visible tests of ``question`` give: each ``assert ..., "hint"``'s message."""
    import ast

    found = set()
    for case in assignment.tests[question].test_cases:
        if case.hidden:
            continue
        source = "\n".join(line[4:] for line in case.body.splitlines() if line.startswith((">>> ", "... ")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assert) and node.msg is not None:
                with contextlib.suppress(ValueError):
                    found.add(str(ast.literal_eval(node.msg)))
    return found


def test_the_summary_names_the_hint_most_learners_hit(batch):
    rows, assignment, out = batch["rows"], batch["assignment"], batch["out"]
    with open(out / "summary.csv", newline="") as f:
        summary = {r["question"]: r for r in csv.DictReader(f)}
    scored = [r for r in rows.values() if r["status"] in ("graded", "timeout", "error", "tampered")]
    partial_q = next(iter(wrong()))
    carol = json.loads(rows["carol"]["hints"])
    assert list(carol) == [partial_q]  # she lost points on her wrong answer only
    assert carol[partial_q] in visible_hints(assignment, partial_q) or carol[partial_q].startswith("hidden test")
    assert not rows["alice"]["hints"]  # full marks: no hint
    for q in assignment.order:
        given = [json.loads(r["hints"] or "{}").get(q) for r in scored]
        hint = summary[q]["common_hint"]
        assert hint and given.count(hint) == max(given.count(h) for h in set(given) - {None})
        assert float(summary[q]["hint_share"]) == pytest.approx(given.count(hint) / len(scored), abs=1e-3)


def test_each_tested_property_has_its_points_and_its_pass_rate(batch):
    """grades.csv's ``question:property`` columns hold each case's points if it passed; they add up to the
    question's score, and summary.csv gives each property's pass rate."""
    rows, assignment, out = batch["rows"], batch["assignment"], batch["out"]
    columns = [c for c, _, _ in assignment.properties()]
    with open(out / "grades.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header[2 : 2 + len(assignment.order) + len(columns)] == [*assignment.order, *columns]
    scored = [r for r in rows.values() if r["status"] in ("graded", "timeout", "error", "tampered")]
    for row in scored:
        for q in assignment.order:
            got = sum(float(row[c]) for c in columns if c.startswith(f"{q}:"))
            assert got == pytest.approx(float(row[q])), (row["student"], q)
    partial_q = next(iter(wrong()))
    carol = {c.split(":")[0] for c in columns if float(rows["carol"][c]) < float(rows["alice"][c])}
    assert partial_q in carol and carol <= {partial_q} | timed(assignment)  # her wrong answer's properties
    with open(out / "summary.csv", newline="") as f:
        summary = {r["question"]: r for r in csv.DictReader(f)}
    assert list(summary) == [*assignment.order, "total", *columns]
    for column, name, points in assignment.properties():
        assert summary[column]["property"] == name and float(summary[column]["points"]) == points
        passed = sum(float(r[column]) == points for r in scored) / len(scored)
        assert summary[column]["pass_rate"] == (f"{passed:.3f}" if points else ""), column
    feedback = (out / "feedback" / "carol" / f"{NAME}.md").read_text()
    assert all(f"pt) — {name}: " in feedback for _, name, _ in assignment.properties())


def test_every_case_of_every_zip_names_its_property():
    """Each test case's first line is ``_property = "..."``: 1-4 words, unique within its question."""
    from course_tools.grading.assignments import PROPERTY

    zips = sorted((ROOT / "build" / "autograder").glob("*.zip"))
    assert zips, "run make assign"
    for zip_path in zips:
        assignment = load_assignment(zip_path, ROOT / "notebooks")
        for question, test in assignment.tests.items():
            names = []
            for case in test.test_cases:
                found = PROPERTY.match(case.body)
                assert found, f"{zip_path.name} {question}: a case without its first line _property = ..."
                names.append(found.group(1))
            assert len(set(names)) == len(names), (zip_path.name, question, names)
            assert all(1 <= len(n.split()) <= 4 for n in names), (zip_path.name, question, names)


def test_one_student_is_regraded_in_place(batch):
    """``--only carol`` after her notebook changed: her row is new, every other line of grades.csv the same."""
    subs, out, assignment = batch["subs"], batch["out"], batch["assignment"]
    before = (out / "grades.csv").read_bytes().split(b"\r\n")
    summary = (out / "summary.csv").read_bytes()
    write(reduced(answered(answers()), assignment), subs, "carol")  # she fixed her answer
    run_grader(subs, out, batch["autograder"], "--timeout", "90", "--only", "carol")
    after = (out / "grades.csv").read_bytes().split(b"\r\n")
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [after[i].split(b",")[0] for i in changed] == [b"carol"]
    carol = read_rows(out)["carol"]
    assert carol["status"] == "graded" and carol["total"] == carol["max"], carol
    assert carol["sha256"] != batch["rows"]["carol"]["sha256"]
    assert (out / "summary.csv").read_bytes() != summary  # rewritten with her new row


def test_only_a_student_who_sent_nothing_is_an_error():
    subs = [SimpleNamespace(student=name) for name in ("alice", "bob")]
    assert cli.only_student(subs, "bob") == subs[1:]
    with pytest.raises(SystemExit, match="--only 'carl': no submission of that student.*alice, bob"):
        cli.only_student(subs, "carl")


def test_csv_cells_are_text_and_read_back_unchanged():
    values = ["=1+2", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "'a", "''", "alice", "1.5", "", "a=b", '{"q": "=x"}']
    rows = [{"a": v, "b": "0"} for v in values]
    text = reports.write_csv(["a", "b"], rows)
    read = list(csv.DictReader(io.StringIO(text, newline="")))
    assert not [r["a"] for r in read if r["a"].startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert [reports.csv_value(r["a"]) for r in read] == values
    assert reports.csv_text("=1") == "'=1" and reports.csv_text("'=1") == "''=1" and reports.csv_text("1.5") == "1.5"
    summary = reports.table_csv([{"question": "q01", "common_hint": "=1+2", "hint_share": "0.500"}])
    assert list(csv.DictReader(io.StringIO(summary, newline=""))) == [
        {"question": "q01", "common_hint": "'=1+2", "hint_share": "0.500"}
    ]
    evil = reports.write_csv(["student", "total"], [{"student": "x\rforged,10", "total": "0"}])
    assert [r["student"] for r in csv.DictReader(io.StringIO(evil, newline=""))] == ["x\rforged,10"]


@pytest.mark.parametrize(
    ("names"),
    [
        ["alice", "alice.", "alice_", ".alice", "alice~" + hashlib.sha256(b"alice.").hexdigest()[:16]],
        ["a/b", "a_b", "a b", "a\\b", "..", "", "unnamed", "a" * 64, "a" * 65, "A" * 300],
    ],
)
def test_feedback_folders_never_collide(names):
    from course_tools.grading.text import folder_name, safe

    folders = [folder_name(n) for n in names]
    assert len(set(folders)) == len(names)
    assert all(f == n for f, n in zip(folders, names, strict=True) if safe(n) == n and len(n) <= 64)
    assert all(len(f) <= 81 and "/" not in f and f not in (".", "..") for f in folders)


def test_shown_names_stay_apart():

    names = ["zed\r", "zed\\r", os.fsdecode(b"caf\xe9"), "caf\\xe9", "a\u202eb", "a\\u202eb", "plain"]
    assert len({shown(n) for n in names}) == len(names)
    assert shown("plain") == "plain" and shown(os.fsdecode(b"caf\xe9")) == "caf\\xe9"
    assert all(shown(n).isprintable() for n in names)


# ---------------------------------------------------------------------------------------------
# Crash and resume


def test_a_killed_batch_keeps_its_rows_and_leaves_no_notebook_running(batch):
    subs, out, autograder = batch["subs"], batch["out"], batch["autograder"]
    before = (out / "grades.csv").read_text()
    mark = f"frank-{os.getpid()}-{time.monotonic_ns()}"  # a process of the notebook's, found by its name
    loop = (
        "import subprocess, time\n"
        f"subprocess.Popen(['/bin/sh', '-c', 'sleep 600; true', {mark!r}])\n"
        "while True:\n    time.sleep(0.05)"
    )
    write(minimal(loop), subs, "frank")
    (subs / "peggy" / f"{NAME}.ipynb").write_text("{not json")  # changed since graded: its row is replaced
    grader = run_grader(subs, out, autograder, "--timeout", "600", wait=False)
    try:
        deadline = time.monotonic() + 120
        while not processes_named(mark) and time.monotonic() < deadline and grader.poll() is None:
            time.sleep(0.1)
        marked = processes_named(mark)  # the shell, and for a moment the child it forks to run sleep
        child = next((pid for pid in marked if parent_of(pid) not in marked), None)
        assert child, grader.communicate()[1].decode()[-2000:]
        notebook = parent_of(child)
    finally:
        os.kill(grader.pid, signal.SIGKILL)  # the grader only
        grader.wait()
    deadline = time.monotonic() + 5
    while (processes_named(mark) or Path(f"/proc/{notebook}").exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_named(mark), "the notebook's child outlived the grader"
    assert not Path(f"/proc/{notebook}").exists(), "the infinite loop outlived the grader"
    rows = read_rows(out)
    old = {r["student"]: r for r in csv.DictReader(before.splitlines())}
    assert {s: r for s, r in rows.items() if s != "peggy"} == {s: r for s, r in old.items() if s != "peggy"}
    assert "Expecting property name" in rows["peggy"]["reason"] or "not valid JSON" in rows["peggy"]["reason"]
    assert rows["peggy"]["sha256"] != old["peggy"]["sha256"]

    run_grader(subs, out, autograder, "--timeout", "3")  # resume: only frank is left to grade
    resumed = read_rows(out)
    assert resumed["frank"]["status"] == "timeout" and "stopped after 3 s" in resumed["frank"]["reason"]
    assert float(resumed["frank"]["total"]) == 0
    statuses = {row["status"] for row in resumed.values()}  # the class meets every status, each documented
    assert statuses == set(cli.STATUSES)
    assert all(f"| `{status}` |" in (ROOT / "docs" / "instructors.md").read_text() for status in statuses)
    del resumed["frank"]
    assert resumed == rows  # everything graded before was skipped, not graded again


# ---------------------------------------------------------------------------------------------
# Units: the zips' tests, atomic writes, matching


def test_every_zips_tests_are_read_by_otters_own_class(batch):
    """The grader's questions are otter's ``OKTestFile``s, parsed from the zip as ``from_file`` parses."""
    from otter.test_files import OKTestFile

    zips = [batch["autograder"] / f"{NAME}.zip", *sorted((ROOT / "build" / "autograder").glob("*.zip"))]
    for zip_path in zips:
        assignment = load_assignment(zip_path, ROOT / "notebooks")
        with zipfile.ZipFile(zip_path) as zf:
            names = [n for n in zf.namelist() if n.startswith("tests/") and n.endswith(".py")]
            for name in names:
                (batch["tmp"] / "t.py").write_bytes(zf.read(name))
                theirs = OKTestFile.from_file(str(batch["tmp"] / "t.py"))
                ours = assignment.tests[theirs.name]
                assert isinstance(ours, OKTestFile)
                assert [(c.name, c.body, c.hidden, c.points) for c in ours.test_cases] == [
                    (c.name, c.body, c.hidden, c.points) for c in theirs.test_cases
                ]
        assert set(assignment.order) == set(assignment.tests) and len(names) == len(assignment.tests)


def test_gradescope_zips_carry_the_course_and_its_data(batch, tmp_path):
    (written,) = gradescope.gradescope_zips(batch["autograder"], tmp_path / "gradescope")
    with (
        zipfile.ZipFile(batch["autograder"] / f"{NAME}.zip") as original,
        zipfile.ZipFile(written) as zf,
    ):
        for name in original.namelist():
            if name not in ("environment.yml", "setup.sh"):
                assert zf.read(name) == original.read(name), name
        environment, setup = zf.read("environment.yml").decode(), zf.read("setup.sh").decode()
        zf.extractall(tmp_path / "source")
    for package in ("langchain-core", "pandas", "matplotlib", "otter-grader"):
        pin = next(line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith(package))
        name, version = pin.split("==")
        assert f"- {name}==" in environment or f"- {name}[" in environment
        assert next(line for line in environment.splitlines() if f"- {name}" in line).endswith(f"=={version}")
    assert setup.rstrip().endswith("pip install -e /autograder/source/course")
    from parallel_course import colab

    layers = colab.declared(ROOT / "pyproject.toml")
    graded = {colab.requirement_name(line.split("- ", 1)[1]) for line in environment.splitlines() if "==" in line}
    assert graded == layers["runtime"]  # what the notebooks import, and no server, test, lint or browser tool
    assert not graded & set().union(*(names for layer, names in layers.items() if layer != "runtime"))
    import importlib.util

    data_py = tmp_path / "source" / "course" / "shared" / "parallel_course" / "data.py"
    spec = importlib.util.spec_from_file_location("packaged_data", data_py)
    packaged = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(packaged)
    assert packaged.DATA_DIR == tmp_path / "source" / "course" / "data"  # the packaged helper finds its data
    assert len(packaged.load_reviews()) == len(grading_reviews())
    shared = tmp_path / "source" / "course" / "shared"  # its quizzes too: the zip's copy of the package runs them
    check = (
        "import sys\nsys.path.insert(0, sys.argv[1])\nimport parallel_course as pc\n"
        "from parallel_course import questionnaire\n"
        "assert pc.__file__.startswith(sys.argv[1]) and str(questionnaire.QUIZZES).startswith(sys.argv[1])\n"
        f"{answers()['q01_quiz']}\n"
        "assert pc.quiz(sys.argv[2]).problems(quiz_answers) is None\n"
    )
    done = subprocess.run([sys.executable, "-c", check, str(shared), NAME], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    with zipfile.ZipFile(written) as zf:
        shipped = [n for n in zf.namelist() if n.startswith("course/shared/")]
    assert "course/shared/parallel_course/quizzes/01_runnable_parallel_overview.yaml" in shipped
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in shipped)


def grading_reviews():
    import pandas as pd

    return pd.read_csv(ROOT / "data" / "reviews.csv")


def test_grades_csv_is_replaced_atomically(tmp_path, monkeypatch):
    path = tmp_path / "grades.csv"
    reports.write_atomic(path, "old\n")

    def crash(*args):
        raise OSError("disk died mid-write")

    monkeypatch.setattr(reports.os, "replace", crash)
    with pytest.raises(OSError):
        reports.write_atomic(path, "new\n" * 1000)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]  # no temporary file left


def test_the_help_names_the_command_to_type(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("usage: python -m course_tools.grading [-h]")


@pytest.mark.parametrize(
    ("rel", "metadata", "notebook", "student"),
    [
        (f"alice/{NAME}.ipynb", NAME, NAME, "alice"),
        ("alice/homework.ipynb", NAME, NAME, "alice"),
        (f"bob_{NAME}.ipynb", "", NAME, "bob"),
        ("carol-01.ipynb", "", NAME, "carol-01"),
        (f"dave/week1/{NAME}-final.ipynb", "", NAME, "dave"),
        ("erin/notes.ipynb", "", "", "erin"),
    ],
)
def test_matching_and_student_ids(tmp_path, rel, metadata, notebook, student):
    nb = nbformat.v4.new_notebook()
    if metadata:
        nb.metadata["otter"] = {"assignment_name": metadata}
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    sub = read_submission(path, tmp_path, [NAME, "02_creating_parallel_chains"])
    assert (sub.notebook, sub.student) == (notebook, student)
    assert sub.status == ("" if notebook else "unmatched")


def test_check_calls_finds_checks_only_in_code():
    assert check_calls('grader.check("q01_build")') == ["q01_build"]
    assert check_calls('x = 1\ngrader.check("a"); g.check("b")') == ["a", "b"]
    assert check_calls('# grader.check("q01_build")') == []
    assert check_calls('print("grader.check(\\"q\\")")') == []
    assert check_calls("grader.check(") == []


@pytest.mark.full
def test_every_solution_gets_full_marks_from_the_grader(tmp_path):
    """Every learner notebook with its solutions filled in, as a learner submits it, gets full marks.

    `make test` runs each zip's tests as doctests inside nbval's run of the solutions
    (``--exercise-trials``) and grades notebook 01 end to end; this check puts every notebook
    through the whole grader (``make test-full``).
    """
    import assign  # scripts/assign.py

    autograder, subs = tmp_path / "autograder", tmp_path / "submissions" / "instructor"
    autograder.mkdir()
    subs.mkdir(parents=True)
    for solution in assign.solution_paths():
        assign.run_otter_assign(solution, tmp_path / "assign" / solution.stem)
        zip_path = next((tmp_path / "assign" / solution.stem / "autograder").glob("*-autograder_*.zip"))
        (autograder / f"{solution.stem}.zip").write_bytes(zip_path.read_bytes())
        write(answered(answers(solution.stem), name=solution.stem), subs.parent, subs.name, solution.name)
    run_grader(subs.parent, tmp_path / "out", autograder, "--timeout", "120")
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        rows = {row["notebook"]: row for row in csv.DictReader(f)}
    assert set(rows) == {p.stem for p in assign.solution_paths()}
    for notebook, row in rows.items():
        assert row["status"] == "graded" and float(row["total"]) == float(row["max"]), (notebook, row["reason"])
