"""Forged marks: a hostile class of notebook 01 that tries to decide its own grade, beside honest ones.

Each attacker has read the grader's source. It patches the test runner inside its process, answers
with objects equal to everything, or talks to the grader's pipes directly (forged results, an early
``done``, test requests out of turn, floods and unreadable lines). The class is graded by a grader
that is not the machine's root (the root of a user namespace), and in ``make test-full`` by a root
grader too. Each time:
no attacker earns a point its answers did not, every honest notebook gets its exact marks, and the
assertions of the hidden tests never reach a notebook or a feedback file.
"""

import json
import shutil
import time

import pytest
from exercises import ROOT
from grading_support import (
    NOT_ROOT,
    answered,
    answers,
    grading_folders,
    learner,
    minimal,
    read_rows,
    reduced,
    run_grader,
    write,
)

from course_tools.grading import judging

# the forging class runs in make test-full (.ci/run runs it), by a root grader and by one that is not: make test
# keeps to the checks of every day, within its budget (README)
pytestmark = pytest.mark.full

# The grader's test runner, patched from a cell: every case runs, and passes, but the probes (told by name).
PATCH_JUDGING = """\
import sys
_j = sys.modules["course_tools.grading.judging"]
_real = _j.run_examples
def _fake(examples, globs, name, doctest_module=None):
    passed, message, scope = _real(examples, globs, name, doctest_module)
    return (passed, message, scope) if name == "probe" else (True, "", scope)
_j.run_examples = _fake"""
# The same one level up: every case passes and exports the right answer a student would guess.
PATCH_EXECUTION = """\
import sys, json
_e = sys.modules["course_tools.grading.execution"]
_real = _e._run_case
def _fake(doctest, shell, name, examples, export=True):
    result = _real(doctest, shell, name, examples, export)
    if name != "probe":
        result.update(passed=True, message="", judged=json.dumps({"translate": True, "pipeline": True}))
    return result
_e._run_case = _fake"""
# Keeps every case it receives and shows them in an error later: what can a notebook learn?
STEAL_CASES = """\
import sys
_e = sys.modules["course_tools.grading.execution"]
_real, STOLEN = _e._run_case, []
def _keep(doctest, shell, name, examples, export=True):
    STOLEN.extend(source for source, _ in examples)
    return _real(doctest, shell, name, examples, export)
_e._run_case = _keep"""
SHOW_STOLEN = "raise RuntimeError('STOLEN ' + ' | '.join(s.strip() for s in STOLEN if s.startswith('_judged')))"
# Every file descriptor it can find gets a line that would pass every question.
WRITE_RESULTS = """\
import json, os
_lines = []
for _step, _q in enumerate(["q01_ticket_line", "q01_predict", "q01_when", "q01_triage"]):
    _cases = [{"name": f"{_q} {_i}", "passed": True, "message": "", "judged": None} for _i in range(3)]
    _lines.append({"event": "question", "step": _step, "question": _q, "cases": _cases, "intact": True})
    _lines.append({"id": _step, "cases": _cases, "intact": True})
_blob = "".join(json.dumps(_l) + "\\n" for _l in _lines).encode()
for _fd in range(3, 256):
    try:
        os.write(_fd, _blob)
    except OSError:
        pass"""
EARLY_DONE = (
    WRITE_RESULTS
    + """
for _fd in range(3, 256):
    try:
        os.write(_fd, b'{"event": "done", "written": [], "threads": 0, "processes": 0}\\n')
    except OSError:
        pass
os._exit(0)"""
)
ASK_FOR_TESTS = """\
import json, os
for _ in range(16_000):
    for _fd in range(3, 32):
        try:
            os.write(_fd, b'{"event": "tests", "step": 0, "question": "q01_when"}\\n')
        except OSError:
            pass"""
UNREADABLE = """\
import os
for _fd in range(3, 64):
    try:
        os.write(_fd, b"[" * 100_000 + b"\\n" + b"x" * 8_000_000)
    except OSError:
        pass"""
# Says the grader's code crashed, then carries on: the warden must not wait for it.
FAKE_CRASH = """\
import json, os, time
for _fd in range(3, 64):
    try:
        os.write(_fd, json.dumps({"crashed": "nothing to see"}).encode() + b"\\n")
    except OSError:
        pass
time.sleep(600)"""
OPEN_THE_WARDEN = """\
import os
_found = []
for _path in ["/proc/1/fd/0", "/proc/1/fd/3", "/proc/1/fd/4", "/proc/1/mem", "/proc/1/environ"]:
    try:
        open(_path, "rb").read(1)
        _found.append(_path)
    except OSError:
        pass
raise RuntimeError(f"RESULT {_found}")"""

# Answers that compare equal to anything, and their honest twin: the same values as plain data.
EQUAL_TO_EVERYTHING = {
    "q01_ticket_line": """\
class _Any(str):
    __hash__ = str.__hash__
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def endswith(self, *args): return True
    def rsplit(self, *args, **kwargs): return [self, self]
    def upper(self): return self
ticket_line = RunnableParallel(text=lambda text: text) | (lambda d: _Any("X (8 words)"))""",
    "q01_predict": """\
class _Near(float):
    def __sub__(self, other): return _Near(0.0)
    def __rsub__(self, other): return _Near(0.0)
    def __abs__(self): return _Near(0.0)
    def __lt__(self, other): return True
    def __gt__(self, other): return True
    def __le__(self, other): return True
predicted_sequential = _Near(0.5)
predicted_parallel = _Near(0.1)""",
    "q01_when": """\
class _AnyDict(dict):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
speeds_up = _AnyDict(translate=True, pipeline=True, hashing=False, lookups=True)""",
}
TWIN = {
    "q01_ticket_line": 'ticket_line = RunnableParallel(text=lambda text: text) | (lambda d: "X (8 words)")',
    "q01_predict": "predicted_sequential = 0.5\npredicted_parallel = 0.1",
    "q01_when": "speeds_up = dict(translate=True, pipeline=True, hashing=False, lookups=True)",
}


def build_class(subs, assignment) -> dict[str, str]:
    sol = answers()
    write(answered(sol), subs, "alice")
    write(learner(), subs, "bob")
    write(reduced(answered(EQUAL_TO_EVERYTHING), assignment), subs, "f_equal")
    write(reduced(answered(TWIN), assignment), subs, "twin")
    attacks = {
        "f_patch_judging": minimal(PATCH_JUDGING),
        "f_patch_judging_solved": reduced(answered({**sol, "q01_ticket_line": PATCH_JUDGING}), assignment),
        "f_patch_execution": minimal(PATCH_EXECUTION),
        "f_steal": minimal(STEAL_CASES),
        "f_write_results": minimal(WRITE_RESULTS),
        "f_early_done": minimal(EARLY_DONE),
        "f_ask_for_tests": minimal(ASK_FOR_TESTS),
        "f_unreadable": minimal(UNREADABLE),
        "f_open_warden": minimal(OPEN_THE_WARDEN),
        "f_fake_crash": minimal(FAKE_CRASH),
    }
    steal = attacks["f_steal"]
    steal.cells.append(type(steal.cells[-1])(cell_type="code", source=SHOW_STOLEN, metadata={}, outputs=[],
                                             execution_count=None))  # fmt: skip
    for student, nb in attacks.items():
        write(nb, subs, student)
    return attacks


def graded(tmp_path_factory, label: str, prefix: tuple[str, ...] = ()):
    zips, subs, out, assignment = grading_folders(tmp_path_factory, label)
    attacks = build_class(subs, assignment)
    started = time.monotonic()
    run_grader(subs, out, zips, "--timeout", "60", prefix=prefix)
    feedback = {p.parent.name: p.read_text() for p in (out / "feedback").rglob("*.md")}
    return {"rows": read_rows(out), "feedback": feedback, "assignment": assignment, "attacks": attacks,
            "out": out, "seconds": time.monotonic() - started}  # fmt: skip


# make test grades as most instructors run the grader, not as root; make test-full (and .ci/run) as root too
@pytest.fixture(scope="module", params=[pytest.param("root", marks=pytest.mark.full), "user namespace"])
def forged(request, tmp_path_factory):
    if request.param == "root":
        return graded(tmp_path_factory, "forgery-root")
    if shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is not installed")
    return graded(tmp_path_factory, "forgery-userns", prefix=NOT_ROOT)


def outside_assertions(assignment) -> list[str]:
    """The source lines of every hidden assertion judged in the grader: what no notebook may ever see."""
    lines = []
    for question in assignment.order:
        for i, case in enumerate(assignment.tests[question].test_cases):
            _, outside = judging.split(case.body, f"{question} {i}") if case.hidden else (None, None)
            lines += [e.source.strip() for e in outside or [] if len(e.source.strip()) > 20]
    return lines


def test_honest_notebooks_keep_their_exact_marks(forged):
    alice, bob = forged["rows"]["alice"], forged["rows"]["bob"]
    assert alice["status"] == "graded" and float(alice["total"]) == float(alice["max"]) > 0, alice["reason"]
    assert bob["status"] == "graded" and float(bob["total"]) == 0, bob["reason"]


def test_answers_equal_to_everything_score_what_their_plain_twin_scores(forged):
    rows, assignment = forged["rows"], forged["assignment"]
    equal, twin = rows["f_equal"], rows["twin"]
    assert equal["status"] == twin["status"] == "graded", (equal["reason"], twin["reason"])
    assert {q: equal[q] for q in assignment.order} == {q: twin[q] for q in assignment.order}
    assert float(twin["total"]) < float(twin["max"])  # the twin's hidden tests fail: so do the attacker's


def test_no_attack_earns_a_point(forged):
    rows = forged["rows"]
    for student in set(forged["attacks"]) - {"f_patch_judging_solved"}:
        assert float(rows[student]["total"]) == 0, (student, rows[student])
    solved = rows["f_patch_judging_solved"]  # its other answers are right: it keeps exactly those points
    lost = float(forged["assignment"].tests["q01_ticket_line"].possible)
    assert float(solved["total"]) == float(solved["max"]) - lost, solved


def test_talking_to_the_graders_pipes_is_tampering(forged):
    rows = forged["rows"]
    for student in ("f_write_results", "f_early_done", "f_ask_for_tests", "f_unreadable"):
        row = rows[student]
        assert row["status"] == "tampered" and "tampering detected" in row["reason"], (student, row)
        assert float(row["seconds"]) < 30, (student, row["seconds"])  # stopped at once, not at its timeout


def test_a_notebook_that_says_it_crashed_is_stopped_at_once(forged):
    row = forged["rows"]["f_fake_crash"]
    assert row["status"] == "error" and "nothing to see" in row["reason"], row
    assert float(row["seconds"]) < 30, row["seconds"]  # not its 60 s timeout


def test_the_warden_cannot_be_opened(forged):
    assert "RuntimeError: RESULT []" in forged["feedback"]["f_open_warden"]


def test_hidden_assertions_never_reach_a_notebook_or_a_feedback_file(forged):
    secret = outside_assertions(forged["assignment"])
    assert secret  # notebook 01 judges its hidden tests outside
    stolen = forged["feedback"]["f_steal"]
    assert "STOLEN" in stolen and "_judged" in stolen  # the notebook did receive its cases' own part
    everything = "\n".join(forged["feedback"].values()) + (forged["out"] / "grades.csv").read_text()
    assert not [line for line in secret if line in everything]
    hidden = [
        line[4:].strip() for q in forged["assignment"].order for case in forged["assignment"].tests[q].test_cases
        if case.hidden for line in case.body.splitlines() if len(line[4:].strip()) >= 16
    ]  # fmt: skip
    assert "[a hidden test]" in stolen  # what it stole of its hidden cases was cut out of its feedback
    assert not [line for line in hidden if line in "\n".join(forged["feedback"].values())]


def test_every_point_of_notebook_01_is_judged_outside(forged):
    """What docs/instructors.md says of notebook 01: no point depends on a verdict its notebook gives."""
    assignment = forged["assignment"]
    inside = [
        (q, i) for q in assignment.order for i, case in enumerate(assignment.tests[q].test_cases)
        if judging.split(case.body, "")[1] is None and assignment.tests[q].possible > 0
    ]  # fmt: skip
    assert inside == []


def test_the_judged_copy_is_plain_data():
    with pytest.raises(judging.NotPlain):
        judging.plain({"a": object()})
    with pytest.raises(judging.NotPlain):
        judging.plain("x" * (judging.JUDGED_LIMIT + 1))

    class Everything(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    assert json.loads(judging.plain([Everything("no"), 1.5])) == ["no", 1.5]
    case = judging.split(">>> _judged = 1\n>>> assert _judged == 'yes'\n", "t")[1]
    assert judging.judge(case, judging.plain(Everything("no")), "t")[0] is False


def test_assertions_judged_outside_read_only_the_exported_answer():
    """In the grader a case's assertions see ``_judged``, ``pc`` and the builtins: nothing of the notebook."""
    import ast
    import builtins
    import zipfile

    from parallel_course.otter_files import read_ok_test

    allowed = {judging.JUDGED, "pc", *dir(builtins)}
    zips = sorted((ROOT / "build" / "autograder").glob("*.zip"))
    assert zips, "run make assign"
    judged = 0
    for path in zips:
        with zipfile.ZipFile(path) as zf:
            tests = [read_ok_test(zf.read(n).decode(), n) for n in zf.namelist() if n.startswith("tests/")]
        for test in tests:
            for i, case in enumerate(test.test_cases):
                _, outside = judging.split(case.body, f"{test.name} {i}")
                if outside is None:
                    continue
                judged += 1
                tree = ast.parse("".join(e.source for e in outside))
                stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                stored |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
                stored |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
                loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
                assert judging.JUDGED not in stored, f"{path.name} {test.name} {i}: assigns {judging.JUDGED} twice"
                assert loaded - stored <= allowed, f"{path.name} {test.name} {i}: reads {loaded - stored - allowed}"
    assert judged
