"""A hostile folder: odd files and names, each costing its own row, graded beside honest notebooks of 01.

Graded by a grader that is not the machine's root (the root of a user namespace), and in ``make
test-full`` by a root grader too; then graded again, with nothing left to grade.
"""

import contextlib
import csv
import io
import json
import os
import re
import shutil
import stat
import time
from pathlib import Path

import nbformat
import pytest
from grading_support import (
    NAME,
    NOT_ROOT,
    answered,
    answers,
    grading_folders,
    insert_after,
    is_setup,
    learner,
    minimal,
    reduced,
    run_grader,
    write,
)

from course_tools.grading import reports
from course_tools.grading.text import shown

# the hostile folder runs in make test-full (.ci/run runs it), by a root grader and by one that is not: make test
# keeps to the checks of every day, within its budget (README)
pytestmark = pytest.mark.full

FORMULA_HINT = """\
def _formula(text):
    raise AssertionError("=1+2")  # a wrong answer that raises
ticket_line = RunnableParallel(x=_formula)"""


def build_hostile_folder(folder: Path, assignment) -> dict[str, str]:
    """Write the folder; return {the ``submission`` its row must show: the expected status, or "full"/"zero"}."""
    sol = answers()
    solved, blank = reduced(answered(sol), assignment), reduced(learner(), assignment)
    expected = {}

    def put(student: str, nb, outcome: str, name: str = f"{NAME}.ipynb") -> Path:
        path = write(nb, folder, student, name)
        expected[shown(str(path.relative_to(folder)))] = outcome
        return path

    def raw(rel: str, data: bytes, outcome: str = "unreadable") -> Path:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[shown(rel)] = outcome
        return path

    put("honest", solved, "full")
    put("untouched", blank, "zero")
    # cells too deep to parse: the grader plans around them, the kernel fails them
    put("minus", insert_after(reduced(answered(sol), assignment), is_setup, "-" * 10_000 + "1"), "full")
    put("tilde", insert_after(reduced(answered(sol), assignment), is_setup, "x = " + "~" * 10_000 + "1"), "full")
    # names that are not UTF-8, or hold a carriage return, a newline, a quote, a formula
    put("zed\r", solved, "full")
    for student in [os.fsdecode(b"caf\xe9"), os.fsdecode(b"\xff\xfe"), "zed\nx", 'q"u,o']:
        put(student, minimal(), "zero")  # init and check cells only: quick to run
    for student in ["=HYPERLINK(1)", "@SUM(1)", "+cmd", "-2+3", "'quoted"]:
        put(student, reduced(answered({**sol, "q01_ticket_line": FORMULA_HINT}), assignment), "lost q01_ticket_line")
    # safe names that collide: one feedback file each
    put("zed", solved, "full")
    put("zed.", minimal(), "zero")
    put("zed_", minimal(), "zero")
    # too large: never read whole
    with open(raw("huge/" + f"{NAME}.ipynb", b'{"cells": [', "unreadable"), "ab") as f:
        f.truncate(200_000_000)  # a sparse 200 MB file
    raw(f"big/{NAME}.ipynb", b'{"cells": [], "pad": "' + b"x" * 20_000_000 + b'"}')
    # JSON nested too deeply, and a notebook whose parts have the wrong types
    raw(f"deep/{NAME}.ipynb", b'{"cells": [], "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    raw(f"deepcell/{NAME}.ipynb", b'{"cells": [{"cell_type": "code", "source": ' + b"[" * 500 + b"]" * 500 + b"}]}")
    odd = json.loads(nbformat.writes(solved))
    odd["metadata"]["otter"] = ["not", "a", "dict"]  # matched by its file name all the same
    raw(f"oddmeta/{NAME}.ipynb", json.dumps(odd).encode(), "full")
    # files that are not notebooks, and the wrong case
    raw("zipper/submission.zip", b"PK\x05\x06" + b"\0" * 18)
    raw(f"upper/{NAME}.IPYNB", nbformat.writes(solved).encode())
    raw("notes/notes.txt", b"my answers are in my head\n")
    raw(f"loose_{NAME}.py", b"print('hi')\n")
    (folder / "nobody").mkdir()
    (folder / "nobody" / "week1").mkdir()
    expected["nobody/"] = "unreadable"
    # links (never followed) and files that must never be opened
    for rel, target in [
        (f"mem/{NAME}.ipynb", "/proc/self/mem"),
        (f"copycat/{NAME}.ipynb", str(folder / "honest" / f"{NAME}.ipynb")),
        ("linkdir", str(folder / "honest")),
    ]:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, folder / rel)
        expected[rel] = "unreadable"
    (folder / "fifo").mkdir()
    os.mkfifo(folder / "fifo" / f"{NAME}.ipynb")
    expected[f"fifo/{NAME}.ipynb"] = "unreadable"
    with contextlib.suppress(PermissionError):  # a device file needs root
        (folder / "device").mkdir()
        os.mknod(folder / "device" / f"{NAME}.ipynb", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        expected[f"device/{NAME}.ipynb"] = "unreadable"
    # hidden entries are skipped
    for rel in (".DS_Store", f"honest/.ipynb_checkpoints/{NAME}-checkpoint.ipynb", f"__MACOSX/honest/._{NAME}.ipynb"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"\0\1")
    return expected


def peak_rss_mb(process) -> float:
    """The peak resident memory of ``process`` (VmHWM), polled until it exits."""
    peak = 0.0
    while process.poll() is None:
        with contextlib.suppress(OSError, StopIteration):
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak = max(peak, int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM:"))) / 1024)
        time.sleep(0.05)
    return peak


# make test grades as most instructors run the grader, not as root; make test-full (and .ci/run) as root too
@pytest.fixture(scope="module", params=[pytest.param("root", marks=pytest.mark.full), "user namespace"])
def hostile(request, tmp_path_factory):
    """The hostile folder graded once (the peak memory measured), then again: nothing left to grade; by a
    root grader, and by one that is not the machine's root (the root of a user namespace)."""
    prefix = NOT_ROOT if request.param == "user namespace" else ()
    if prefix and shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is not installed")
    autograder, subs, out, assignment = grading_folders(tmp_path_factory, "hostile")
    expected = build_hostile_folder(subs, assignment)
    started = time.monotonic()
    grader = run_grader(subs, out, autograder, "--timeout", "90", wait=False, prefix=prefix)
    peak = peak_rss_mb(grader)
    stderr = grader.communicate()[1].decode(errors="replace")
    first = (out / "grades.csv").read_bytes()
    seconds = time.monotonic() - started
    again = run_grader(subs, out, autograder, "--timeout", "90", check=False, prefix=prefix)
    return {
        "subs": subs, "out": out, "assignment": assignment, "expected": expected, "exit": grader.returncode,
        "stderr": stderr, "peak_mb": peak, "first": first, "again": again, "seconds": seconds,
    }  # fmt: skip


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_hostile_folder_costs_one_row_per_file_and_never_the_batch(hostile):
    assert hostile["exit"] == 0, hostile["stderr"][-3000:]
    rows = csv_rows(hostile["out"] / "grades.csv")
    by_file = {reports.csv_value(r["submission"]): r for r in rows}
    assert len(rows) == len(by_file)  # one row per file
    assert set(by_file) == set(hostile["expected"])  # every file, and nothing hidden
    assignment = hostile["assignment"]
    for rel, outcome in hostile["expected"].items():
        row = by_file[rel]
        if outcome == "full":
            assert row["status"] == "graded" and float(row["total"]) == assignment.max_points, (rel, row)
        elif outcome == "zero":
            assert row["status"] == "graded" and float(row["total"]) == 0, (rel, row)
        elif outcome == "lost q01_ticket_line":
            lost = assignment.tests["q01_ticket_line"].possible
            assert row["status"] == "graded" and float(row["total"]) == assignment.max_points - lost, (rel, row)
        else:
            assert row["status"] == outcome and row["reason"], (rel, row)
    reasons = {rel: by_file[rel]["reason"] for rel in hostile["expected"]}
    assert "larger than 20.0 MB (200,000,000 bytes): not read" in reasons[f"huge/{NAME}.ipynb"]
    assert "larger than 20.0 MB" in reasons[f"big/{NAME}.ipynb"]
    assert "nested too deeply" in reasons[f"deep/{NAME}.ipynb"]
    assert "cell 0 has no cell_type or source text" in reasons[f"deepcell/{NAME}.ipynb"]
    assert "symbolic link (to /proc/self/mem)" in reasons[f"mem/{NAME}.ipynb"]
    assert "symbolic link" in reasons[f"copycat/{NAME}.ipynb"] and "symbolic link" in reasons["linkdir"]
    assert "not a regular file (a FIFO): not opened" in reasons[f"fifo/{NAME}.ipynb"]
    assert "rename it to .ipynb" in reasons[f"upper/{NAME}.IPYNB"]
    assert "a .zip file" in reasons["zipper/submission.zip"] and "a .txt file" in reasons["notes/notes.txt"]
    assert "empty folder" in reasons["nobody/"]
    assert by_file[f"mem/{NAME}.ipynb"]["notebook"] == NAME  # the file name says which notebook
    assert by_file[f"caf\\xe9/{NAME}.ipynb"]["student"] == "caf\\xe9"  # shown escaped
    assert by_file[f"zed\\r/{NAME}.ipynb"]["student"] == "zed\\r"


def test_no_two_submissions_share_a_feedback_file(hostile):
    feedback = sorted((hostile["out"] / "feedback").rglob("*.md"))
    assert len(feedback) == len(hostile["expected"])
    folders = {p.parent.name for p in feedback}
    assert {"zed", "honest"} <= folders and len([f for f in folders if f.startswith("zed")]) == 5
    assert all(p.parent.parent == hostile["out"] / "feedback" for p in feedback)
    zed = (hostile["out"] / "feedback" / "zed" / f"{NAME}.md").read_text()
    zed_dot = next(p for p in feedback if p.parent.name.startswith("zed~") and "— zed.\n" in p.read_text())
    assert "**Score: 0 /" in zed_dot.read_text() and "**Score: 0 /" not in zed


def test_the_reports_round_trip_and_hold_no_formula(hostile):
    for name in ("grades.csv", "summary.csv"):
        text = (hostile["out"] / name).read_text(encoding="utf-8")
        rows = csv_rows(hostile["out"] / name)
        assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for v in r.values()), name
        assert len(rows) == len(list(csv.reader(io.StringIO(text, newline="")))) - 1
    grades = csv_rows(hostile["out"] / "grades.csv")
    assert len(grades) == len(hostile["expected"])
    students = {r["student"] for r in grades}
    assert {"'=HYPERLINK(1)", "'@SUM(1)", "'+cmd", "'-2+3", "''quoted", "zed\\r", "zed\\nx", 'q"u,o'} <= students
    assert all(re.fullmatch(r"\d+(\.\d+)?", r["total"]) for r in grades if r["total"])  # numbers stay numbers
    summary = {r["question"]: r for r in csv_rows(hostile["out"] / "summary.csv")}
    assert int(summary["total"]["submissions"]) == sum(r["status"] == "graded" for r in grades)


def test_a_hostile_folder_resumes_without_regrading(hostile):
    assert hostile["again"].returncode == 0, hostile["again"].stderr[-3000:]
    assert (hostile["out"] / "grades.csv").read_bytes() == hostile["first"]  # same rows, none twice


def test_the_grader_stays_small_beside_a_200_mb_notebook(hostile):
    print(f"grader: peak {hostile['peak_mb']:.0f} MB, {hostile['seconds']:.1f} s")
    assert 0 < hostile["peak_mb"] <= 300, hostile["peak_mb"]


