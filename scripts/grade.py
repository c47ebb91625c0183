"""Grade a folder of learner notebooks against the otter autograder zips, in parallel, without Docker.

    make grade SUBMISSIONS=path/to/folder [OUT=build/grades]
    python scripts/grade.py SUBMISSIONS [--out OUT] [--workers N] [--timeout S] [--time-scale X]
    python -m scripts.grade SUBMISSIONS ...            (the same, from the repository root)

Every ``.ipynb`` under SUBMISSIONS is matched to an assignment (its ``metadata.otter.assignment_name``,
else its file name) and graded with the hidden and visible tests of ``build/autograder/<name>.zip``
(``make autograder`` writes them). OUT receives ``grades.csv`` (one row per student x notebook),
``summary.csv`` + ``summary.png`` (per-question pass rate and mean score) and ``feedback/<student>/
<notebook>.md`` (what a learner reads). See ``docs/instructors.md``.

How a submission is run, and why not with ``otter run``
-------------------------------------------------------
``otter run`` executes the notebook in a Jupyter kernel and lets code *inside that kernel* (otter's
``Checker``) decide which tests passed; a submission that patches otter in its first cell gets full
marks (``otter.test_files.ok_test.run_doctest = lambda *a: (True, "")`` is enough). It also reads the
tests from files the submission can overwrite while it runs, and starts a fresh Python, kernel and
otter import for every submission (about 10 s each). This grader keeps otter's test format and scoring
(``OKTestFile``: cases, hidden flags, points, ``score``) and changes who runs what:

* the tests are parsed from the autograder zip in this (trusted) process, before any submission code
  runs; they are never written where a submission could change them, and the submission's metadata
  tests are ignored;
* the notebook runs in a child process forked from this one after the course's imports are done
  (``--workers`` children at a time), in an IPython shell driven like ipykernel does it (a running
  ``asyncio`` loop, top-level ``await``), in its own temporary folder and process group, with stdin,
  stdout and stderr detached and a per-submission ``--timeout``;
* each question's test cases run right after the learner's ``grader.check("q")`` cell (or after the
  last cell if that check cell was deleted or edited), with a private copy of ``doctest`` (otter's
  ``run_doctest``, not otter's code in the submission's process), between two integrity probes: a case
  that must fail and a case that must pass. A submission that makes every test pass is caught by them.
  Points are computed here, from the verdicts, with otter's rules (``resolve_test_file_points``,
  ``TestFile.score``; ``tests/test_grading.py`` checks them against otter's own classes).

Code in the submission still runs in the process that runs the tests, as in any notebook grader: a
submission written against *this* grader's internals could fool it. Rows whose code touches otter,
``doctest``, builtins or the interpreter's internals are flagged for review in their reason.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import secrets
import selectors
import shutil
import signal
import sys
import tempfile
import textwrap
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AUTOGRADER_DIR = ROOT / "build" / "autograder"
TEMPLATE_DIR = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "grades"

STATUSES = ("graded", "timeout", "error", "unreadable", "unmatched")
BASE_COLUMNS = ["student", "notebook"]
TAIL_COLUMNS = ["total", "max", "status", "reason", "submission", "sha256", "seconds"]
KEY_COLUMNS = ("student", "notebook", "sha256")

CELL_OUTPUT_LIMIT = 4_000  # characters of each cell's output kept for the feedback
MESSAGE_LIMIT = 2_000  # characters of a failed test case's message
MAX_EVENT_BYTES = 4 * 2**20  # a line from a child longer than this is not the grader's
MAX_EVENTS = 100_000  # events kept per submission (a notebook has a few hundred)
MAX_FILE_BYTES = 256 * 2**20  # RLIMIT_FSIZE of a submission: no file it writes grows beyond this
INIT_CELL = re.compile(r"^\s*(#[^\n]*\n\s*)?import otter\s*\n\s*grader\s*=\s*otter\.Notebook\([^)]*\)\s*$")
# Names whose presence in a learner's own code (not in the template) makes the row "review: ...".
SUSPICIOUS = {
    "otter": r"\botter\b",
    "doctest": r"\bdoctest\b",
    "Checker": r"\bChecker\b",
    "builtins": r"\b__builtins__\b|\bbuiltins\b",
    "sys.modules": r"\bsys\.modules\b",
    "gc": r"\bgc\.(get_objects|get_referrers)\b",
    "/proc": r"/proc/",
    "os.write": r"\bos\.(write|dup2|fdopen)\b",
    "os._exit": r"\bos\._exit\b",
    "signal": r"\bsignal\.",
}


# --------------------------------------------------------------------------------------------------
# Assignments: tests from the autograder zip


@dataclasses.dataclass
class Case:
    """One test case of an OK-format otter test (a doctest)."""

    name: str
    body: str
    hidden: bool
    points: float


@dataclasses.dataclass
class Question:
    """One OK-format otter test file: a question's cases, read and scored as otter 7 does."""

    name: str
    cases: list[Case]
    all_or_nothing: bool = False

    @property
    def possible(self) -> float:
        return sum(case.points for case in self.cases)

    def score(self, passed: list[bool]) -> float:
        """otter's ``TestFile.score``: the points of the passed cases (all or nothing if so marked)."""
        if self.all_or_nothing:
            return self.possible if all(passed) else 0.0
        return sum(case.points for case, ok in zip(self.cases, passed, strict=True) if ok)


def read_ok_test(source: str, origin: str = "<test>") -> Question:
    """Parse an OK-format test file's text like otter's ``OKTestFile.from_file`` (same names, points)."""
    env: dict[str, Any] = {}
    exec(compile(source, origin, "exec"), env)  # the zip is the instructor's: trusted
    if not env.get("OK_FORMAT"):
        raise ValueError(f"{origin} is not an OK-format otter test (OK_FORMAT = True)")
    spec = env["test"]
    suites = spec.get("suites", [])
    if (
        len(suites) != 1
        or suites[0].get("type", "doctest") != "doctest"
        or suites[0].get("setup")
        or suites[0].get("teardown")
    ):
        raise ValueError(f"{origin}: otter supports one doctest suite without setup/teardown")
    raw = [
        (
            c.get("name", f"{spec['name']} - {i + 1}"),
            textwrap.dedent(c["code"]),
            c.get("hidden", True),
            c.get("points"),
        )
        for i, c in enumerate(suites[0]["cases"])
    ]
    points = resolve_points(spec.get("points"), [r[3] for r in raw])
    cases = [Case(name, body, bool(hidden), float(p)) for (name, body, hidden, _), p in zip(raw, points, strict=True)]
    return Question(spec["name"], cases, bool(spec.get("all_or_nothing", False)))


def resolve_points(total: Any, given: list[float | None]) -> list[float]:
    """otter's ``TestFile.resolve_test_file_points``: each case's points from the question's and cases'."""
    if isinstance(total, list):
        if len(total) != len(given):
            raise ValueError("points list and test cases differ in length")
        given, total = list(total), None
    fixed = sum(p for p in given if p is not None)
    unset = sum(p is None for p in given)
    if total is not None:
        if fixed > total:
            raise ValueError("more points in test cases than the question allows")
        share = (total - fixed) / unset if unset else 0.0
    elif fixed == 0 and all(p in (0, None) for p in given):
        share = 1 / unset if unset else 0.0
    else:
        share = 0.0
    return [float(p) if p is not None else share for p in given]


@dataclasses.dataclass
class Assignment:
    """One notebook's grading material, read from its autograder zip (the only source of tests)."""

    name: str
    zip_path: Path
    tests: dict[str, Question]  # question -> its cases (hidden flags, points), from the zip
    order: list[str]  # questions in notebook order
    files: dict[str, bytes]  # support files the zip ships in files/ (copied next to the notebook)
    template_cells: set[str]  # sources of the learner notebook's code cells (for review flags)
    imports: list[str]  # modules the learner notebook imports (imported once before forking)

    @property
    def max_points(self) -> float:
        return sum(test.possible for test in self.tests.values())


def load_assignment(zip_path: Path, template_dir: Path = TEMPLATE_DIR) -> Assignment:
    """Read the tests (otter's OK format) and support files of one autograder zip."""
    name = zip_path.stem
    tests, files = {}, {}
    with zipfile.ZipFile(zip_path) as zf:
        config = json.loads(zf.read("otter_config.json")) if "otter_config.json" in zf.namelist() else {}
        name = config.get("assignment_name") or name
        for info in zf.infolist():
            if info.filename.startswith("tests/") and info.filename.endswith(".py"):
                test = read_ok_test(zf.read(info).decode("utf-8"), f"{zip_path.name}:{info.filename}")
                tests[test.name] = test
            elif info.filename.startswith("files/") and not info.is_dir():
                files[info.filename[len("files/") :]] = zf.read(info)
    if not tests:
        raise ValueError(f"{zip_path} holds no tests/*.py")
    template = template_dir / f"{name}.ipynb"
    order, template_cells, imports = [], set(), []
    if template.exists():
        nb = json.loads(template.read_text())
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = _source(cell)
            template_cells.add(source.strip())
            order += [q for q in check_calls(source) if q in tests and q not in order]
            imports += [m for m in imported_modules(source) if m not in imports]
    order += sorted(q for q in tests if q not in order)
    return Assignment(name, zip_path, tests, order, files, template_cells, imports)


def load_assignments(autograder_dir: Path, template_dir: Path = TEMPLATE_DIR) -> dict[str, Assignment]:
    """{assignment name: Assignment} for every zip in ``autograder_dir``."""
    assignments = {}
    for zip_path in sorted(Path(autograder_dir).glob("*.zip")):
        assignment = load_assignment(zip_path, template_dir)
        assignments[assignment.name] = assignment
    return assignments


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def check_calls(source: str) -> list[str]:
    """Questions checked by ``<anything>.check("name")`` calls in a cell (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    names = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "check"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def imported_modules(source: str) -> list[str]:
    """Modules imported at the top level of a cell (``import a.b`` -> ``a.b``)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    modules = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module)
    return modules


# --------------------------------------------------------------------------------------------------
# Submissions: discovery, reading, matching


@dataclasses.dataclass
class Submission:
    path: Path
    rel: str  # path relative to the submissions folder (shown in grades.csv)
    student: str
    sha256: str
    notebook: str = ""  # assignment name ("" when unmatched)
    nb: dict | None = None  # the parsed notebook (None when unreadable)
    status: str = ""  # "unreadable" / "unmatched" when it cannot be graded, else ""
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.student, self.notebook, self.sha256)


def find_submissions(folder: Path) -> list[Path]:
    """Every ``.ipynb`` under ``folder`` (checkpoints and hidden folders skipped), sorted."""
    paths = []
    for path in sorted(Path(folder).rglob("*.ipynb")):
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        if path.is_file():
            paths.append(path)
    return paths


def match_by_name(stem: str, names: list[str]) -> str:
    """The assignment a file name refers to: a full name in it, else a lone ``NN`` number, else ""."""
    found = [n for n in names if n.lower() in stem.lower()]
    if found:
        return max(found, key=len)
    numbers = set(re.findall(r"(?<!\d)(\d\d)(?!\d)", stem))
    found = [n for n in names if n[:2] in numbers]
    return found[0] if len(found) == 1 else ""


def student_id(rel: Path, notebook: str) -> str:
    """The sub-folder under the submissions folder, else the file name without the assignment name."""
    if len(rel.parts) > 1:
        return rel.parts[0]
    stem = rel.stem
    if notebook:
        stem = re.sub(re.escape(notebook), "", stem, flags=re.I)
    stem = re.sub(r"^[\s._-]+|[\s._-]+$", "", stem)
    return stem or rel.stem


def read_submission(path: Path, folder: Path, assignments: dict[str, Assignment]) -> Submission:
    """Hash, parse and match one file; never raises (problems become a status and a note)."""
    import nbformat

    rel = path.relative_to(folder)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()[:16]
    names = sorted(assignments)
    by_name = match_by_name(rel.stem, names) or (match_by_name(rel.parts[0], names) if len(rel.parts) > 1 else "")
    sub = Submission(path, rel.as_posix(), "", sha)
    try:
        if not data.strip():
            raise ValueError(f"empty file ({len(data)} bytes)")
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"not valid JSON: {e}") from None
        if not isinstance(raw, dict) or "cells" not in raw:
            raise ValueError("JSON but not a Jupyter notebook (no cells)")
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        sub.nb = {"cells": [dict(c) for c in nb.cells], "metadata": dict(nb.metadata)}
    except Exception as e:  # any parse problem is the submission's, not the batch's
        sub.status, sub.notebook = "unreadable", by_name
        sub.notes.append(_short(str(e), 160))
        sub.student = student_id(rel, by_name)
        return sub
    meta = (sub.nb["metadata"].get("otter") or {}).get("assignment_name") or ""
    if meta in assignments:
        sub.notebook = meta
        if by_name and by_name != meta:
            sub.notes.append(f"file name says {by_name}, metadata says {meta}: graded as {meta}")
    elif by_name:
        sub.notebook = by_name
        if meta:
            sub.notes.append(f"metadata names unknown assignment {meta!r}; matched {by_name} by file name")
    else:
        sub.status = "unmatched"
        known = ", ".join(names) or "none: run `make autograder`"
        sub.notes.append(
            f"no autograder for {meta!r} (notebook metadata)" if meta else "no assignment name in metadata or file name"
        )
        sub.notes.append(f"known: {known}")
    sub.student = student_id(rel, sub.notebook)
    return sub


# --------------------------------------------------------------------------------------------------
# The plan a child executes: the learner's cells, with each question's tests after its check cell


@dataclasses.dataclass
class Step:
    kind: str  # "cell" | "tests"
    index: int  # cell index in the notebook ("cell") or -1
    source: str = ""  # the cell's code ("cell")
    question: str = ""  # ("tests")
    cases: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (case name, doctest body)


def make_plan(sub: Submission, assignment: Assignment) -> tuple[list[Step], list[str]]:
    """The steps to run, and the questions whose check cell is missing (tested after the last cell)."""
    steps, checked = [], set()
    for index, cell in enumerate(sub.nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if INIT_CELL.match(source):
            continue  # otter's init cell: the child defines a stand-in `grader` instead
        steps.append(Step("cell", index, source))
        for question in check_calls(source):
            if question in assignment.tests:
                steps.append(_tests_step(question, assignment))
                checked.add(question)
    missing = [q for q in assignment.order if q not in checked]
    steps += [_tests_step(q, assignment) for q in missing]
    return steps, missing


def _tests_step(question: str, assignment: Assignment) -> Step:
    test = assignment.tests[question]
    # doctest names as otter's OKTestFile.run gives them ("q01_build 0"), so messages read the same
    return Step("tests", -1, question=question, cases=[(f"{question} {i}", c.body) for i, c in enumerate(test.cases)])


def review_flags(sub: Submission, assignment: Assignment) -> list[str]:
    """Suspicious names in the learner's own code cells (cells that differ from the template)."""
    found = []
    for cell in sub.nb["cells"]:
        source = _source(cell)
        if cell.get("cell_type") != "code" or source.strip() in assignment.template_cells or INIT_CELL.match(source):
            continue
        found += [name for name, pattern in SUSPICIOUS.items() if re.search(pattern, source) and name not in found]
    return found


# --------------------------------------------------------------------------------------------------
# The child: runs in a forked copy of this process, talks to the parent through one pipe


class _Capture(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.kept, self.dropped = limit, [], 0, 0

    def write(self, text) -> int:
        text = text if isinstance(text, str) else str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"

    def text(self) -> str:
        return "".join(self.parts)


class _GraderStandIn:
    """Replaces otter's ``grader`` while a submission is graded: checks run outside the notebook."""

    def check(self, question=None, *args, **kwargs):
        print(f"{question}: tested by the instructor's grader after this cell")

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _private_doctest():
    """A copy of ``doctest`` that is not in ``sys.modules`` (a submission patching doctest misses it)."""
    import doctest
    import importlib.util

    spec = importlib.util.spec_from_file_location("_grader_doctest", doctest.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _child(
    steps: list[Step], wfd: int, workdir: str, env: dict[str, str], probes: tuple[str, str], parent: int
) -> None:
    """Run ``steps`` in an IPython shell and report every event on ``wfd``. Never returns."""
    code = 0
    try:
        os.setpgid(0, 0)
        _die_with(parent)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        keep = sorted({0, 1, 2, wfd})
        for low, high in zip(keep, keep[1:] + [_max_fd()], strict=True):
            os.closerange(low + 1, high)
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for name in ("OPENAI_API_KEY",):
            os.environ.pop(name, None)
        os.environ.update(env)
        os.chdir(workdir)
        sys.path.insert(0, workdir)
        _run_steps(steps, wfd, probes)
    except BaseException as e:  # report, never propagate into the copy of the parent
        with contextlib.suppress(BaseException):
            _send(wfd, {"event": "grader_error", "error": f"{type(e).__name__}: {e}"})
        code = 70
    os._exit(code)


def _die_with(parent: int) -> None:
    """Linux: get SIGKILL when the grader dies, so a killed batch leaves no notebook running."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the grader died before prctl took effect
        os._exit(71)


def _max_fd() -> int:
    import resource

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return soft if 0 < soft < 65536 else 65536


def _send(wfd: int, event: dict) -> None:
    data = (json.dumps(event, default=str) + "\n").encode()
    while data:
        data = data[os.write(wfd, data) :]


def _run_steps(steps: list[Step], wfd: int, probes: tuple[str, str]) -> None:
    import asyncio

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui=None):  # `%matplotlib inline` works as in a kernel; no GUI event loop
            pass

    shell = GradingShell.instance(config=config)
    shell.user_ns["grader"] = _GraderStandIn()
    failure: dict[str, str] = {}

    def record(etype, evalue, stb):  # IPython's hook for every traceback it shows
        failure["traceback"] = "\n".join(stb)[-3000:]

    shell._showtraceback = record
    shell._tee = lambda channel: contextlib.nullcontext()  # IPython 9 keeps every output in memory: not here
    doctest = _private_doctest()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    async def execute(source: str):  # as ipykernel's do_execute: inside a running loop
        try:
            transformed, preprocessing = shell.transform_cell(source), None
        except Exception:
            transformed, preprocessing = source, sys.exc_info()
        if shell.should_run_async(source, transformed_cell=transformed, preprocessing_exc_tuple=preprocessing):
            return await shell.run_cell_async(
                source,
                store_history=True,
                transformed_cell=transformed,
                preprocessing_exc_tuple=preprocessing,
            )
        return shell.run_cell(source, store_history=True)

    stdout, stderr = sys.stdout, sys.stderr
    for number, step in enumerate(steps):
        if step.kind == "cell":
            _send(wfd, {"event": "cell", "step": number, "index": step.index})
            capture, started = _Capture(CELL_OUTPUT_LIMIT), time.perf_counter()
            failure.clear()
            sys.stdout = sys.stderr = capture
            try:
                result = loop.run_until_complete(execute(step.source))
                error = result.error_before_exec or result.error_in_exec
            finally:
                sys.stdout, sys.stderr = stdout, stderr
            event = {
                "event": "cell_done",
                "step": number,
                "index": step.index,
                "output": capture.text(),
                "dropped": capture.dropped,
                "seconds": round(time.perf_counter() - started, 3),
            }
            if error is not None:
                event.update(
                    ename=type(error).__name__,
                    evalue=_short(str(error), 300),
                    traceback=failure.get("traceback", ""),
                )
            _send(wfd, event)
        else:
            _send(wfd, {"event": "tests", "step": number, "question": step.question})
            fail_probe = _run_case(doctest, shell, "probe", probes[0])
            cases = [_run_case(doctest, shell, name, body) for name, body in step.cases]
            pass_probe = _run_case(doctest, shell, "probe", probes[1])
            _send(
                wfd,
                {
                    "event": "question",
                    "step": number,
                    "question": step.question,
                    "cases": cases,
                    "intact": (not fail_probe["passed"]) and pass_probe["passed"],
                },
            )
    _send(wfd, {"event": "done"})


def _run_case(doctest, shell, name: str, body: str) -> dict:
    """otter's ``run_doctest`` with the private doctest: one test case against the notebook's globals."""
    buffer = io.StringIO()
    formatters = shell.display_formatter.formatters
    try:
        examples = doctest.DocTestParser().parse(body, name)
        test = doctest.DocTest(
            [e for e in examples if isinstance(e, doctest.Example)], shell.user_ns, name, None, None, body
        )
        runner = doctest.DocTestRunner(verbose=True)
        shell.display_formatter.formatters = {}  # as otter's hide_outputs()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            runner.run(test, clear_globs=False)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            failed = runner.summarize(verbose=True).failed
        passed = failed == 0
    except BaseException as e:  # a test that cannot even run fails
        passed = False
        buffer.write(f"\n{type(e).__name__}: {e}")
    finally:
        shell.display_formatter.formatters = formatters
    return {
        "name": name,
        "passed": passed,
        "message": "" if passed else _short(buffer.getvalue(), MESSAGE_LIMIT),
    }


# --------------------------------------------------------------------------------------------------
# The parent: forks children, multiplexes their pipes, enforces the timeouts


@dataclasses.dataclass
class Job:
    sub: Submission
    assignment: Assignment
    steps: list[Step]
    missing_checks: list[str]
    workdir: str = ""
    pid: int = 0
    rfd: int = -1
    started: float = 0.0
    deadline: float = 0.0
    buffer: bytes = b""
    events: list[dict] = dataclasses.field(default_factory=list)
    garbage: int = 0


def warm_up(jobs: list[Job]) -> list[str]:
    """Import, once, what the notebooks import, so every forked child starts with it loaded.

    Only modules that the assignment's learner notebook imports *and* a submission imports: the
    instructor's list decides what may run in this process, the submissions what is worth loading.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    modules = ["IPython.core.interactiveshell", "traitlets.config", "asyncio", "ctypes", "doctest", "resource"]
    for job in jobs:
        used = {m for step in job.steps if step.kind == "cell" for m in imported_modules(step.source)}
        modules += [m for m in job.assignment.imports if m in used and m not in modules and m.split(".")[0] != "otter"]
    failed = []
    for module in modules:
        try:
            __import__(module)
        except Exception:  # the notebook will meet the same error, and it will show in its row
            failed.append(module)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].switch_backend("Agg")
    return failed


def start_job(job: Job, time_scale: float, timeout: float, keep: bool) -> None:
    """Prepare the job's own folder and fork its child."""
    job.workdir = tempfile.mkdtemp(prefix=f"grade-{_safe(job.sub.student)}-")
    shutil.copyfile(job.sub.path, Path(job.workdir) / f"{job.assignment.name}.ipynb")
    for name, data in job.assignment.files.items():
        target = Path(job.workdir) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    env = {
        "COURSE_TIME_SCALE": repr(time_scale),
        "COURSE_MODEL": "fake",  # grading is deterministic: never a real model
        "COURSE_DOTENV": "0",
        "HOME": job.workdir,
        "TMPDIR": job.workdir,
        "IPYTHONDIR": str(Path(job.workdir) / ".ipython"),
        "MPLBACKEND": "Agg",
    }
    nonce = secrets.token_hex(8)
    probes = (f">>> assert {nonce!r} == {nonce[::-1]!r}\n", f">>> assert {nonce!r} == {nonce!r}\n")
    rfd, wfd = os.pipe()
    sys.stdout.flush(), sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(rfd)
        _child(job.steps, wfd, job.workdir, env, probes, parent)
    os.close(wfd)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    os.set_blocking(rfd, False)
    job.pid, job.rfd = pid, rfd
    job.started = time.monotonic()
    job.deadline = job.started + timeout


def _reap(job: Job) -> int | None:
    """Kill what is left of the job's process group and collect its exit status."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(job.pid, signal.SIGKILL)
    _, status = os.waitpid(job.pid, 0)
    os.close(job.rfd)
    return status


def _child_exited(pid: int) -> bool:
    """Whether the child has exited (without reaping it, so its process group can still be killed)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _drain(job: Job, chunks: int = 16) -> bool:
    """Read what the child wrote, up to ``chunks`` x 64 kB (so a flood cannot stall the batch); True at EOF."""
    for _ in range(chunks):
        try:
            chunk = os.read(job.rfd, 65536)
        except BlockingIOError:
            return False
        if not chunk:
            return True
        job.buffer += chunk
        *lines, job.buffer = job.buffer.split(b"\n")
        if len(job.buffer) > MAX_EVENT_BYTES:  # no newline in sight: not the grader's protocol
            job.buffer, job.garbage = b"", job.garbage + 1
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                event = None
            if isinstance(event, dict) and len(job.events) < MAX_EVENTS:
                job.events.append(event)
            else:
                job.garbage += 1
    return False


def run_jobs(jobs: list[Job], workers: int, timeout: float, time_scale: float, on_done, keep: bool = False) -> None:
    """Run every job, ``workers`` children at a time; call ``on_done(job, outcome)`` as each ends."""
    pending, running = list(jobs), {}
    selector = selectors.DefaultSelector()
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.pop(0)
                try:
                    start_job(job, time_scale, timeout, keep)
                except Exception as e:
                    on_done(job, {"kind": "error", "detail": f"could not start: {type(e).__name__}: {e}"})
                    _cleanup(job, keep)
                    continue
                running[job.rfd] = job
                selector.register(job.rfd, selectors.EVENT_READ, job)
            now = time.monotonic()
            wait = min([j.deadline - now for j in running.values()] + [0.25])
            for key, _ in selector.select(timeout=max(0.0, wait)):
                job = key.data
                if _drain(job):
                    _finish(job, running, selector, on_done, keep, None)
            now = time.monotonic()
            for job in list(running.values()):
                if now >= job.deadline:
                    _drain(job)
                    _finish(job, running, selector, on_done, keep, "timeout")
                elif _child_exited(job.pid):
                    _drain(job, chunks=1024)  # what it wrote before exiting (a grandchild may hold the pipe)
                    _finish(job, running, selector, on_done, keep, None)
    finally:
        for job in list(running.values()):  # interrupted: leave no child behind
            selector.unregister(job.rfd)
            _reap(job)
            _cleanup(job, keep)
        selector.close()


def _finish(job: Job, running: dict, selector, on_done, keep: bool, forced: str | None) -> None:
    selector.unregister(job.rfd)
    del running[job.rfd]
    seconds = time.monotonic() - job.started
    status = _reap(job)
    done = any(e.get("event") == "done" for e in job.events)
    outcome = {
        "kind": "done" if done else forced or "died",
        "exit": status,
        "seconds": seconds,
        "written": written_files(job),
    }
    try:
        on_done(job, outcome)
    finally:
        _cleanup(job, keep)


def written_files(job: Job) -> list[str]:
    """Files the submission created in its folder (besides its own notebook and IPython's profile)."""
    root = Path(job.workdir)
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and rel.parts[0] != ".ipython" and rel.as_posix() != f"{job.assignment.name}.ipynb":
            if rel.as_posix() not in job.assignment.files:
                found.append(rel.as_posix())
        if len(found) > 20:
            break
    return found


def _cleanup(job: Job, keep: bool) -> None:
    if job.workdir and not keep:
        shutil.rmtree(job.workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# Results: scores, rows, feedback


@dataclasses.dataclass
class Result:
    row: dict[str, Any]
    feedback: str


@dataclasses.dataclass
class Verdict:
    """One test case's outcome in one submission."""

    case: Case
    passed: bool
    message: str


def score_job(job: Job, outcome: dict, timeout: float, show_hidden: bool = False) -> Result:
    """Turn a finished job's events into a grades.csv row and a feedback file (trusted side)."""
    sub, assignment = job.sub, job.assignment
    reached: dict[str, dict] = {}
    cells, current, testing, tampered = [], None, None, []
    for event in job.events:
        kind = event.get("event")
        if kind == "cell":
            current = event.get("index")
        elif kind == "cell_done":
            cells.append(event)
            current = None
        elif kind == "tests":
            testing = event.get("question")
        elif kind == "question" and event.get("question") in assignment.tests:
            testing = None
            reached[event["question"]] = event  # a question checked twice: the last check counts, as in otter
            if event.get("intact") is not True:
                tampered.append(event["question"])
    where = f" while running cell {current}" if current is not None else f" while testing {testing}" if testing else ""
    status, notes = "graded", list(sub.notes)
    if outcome["kind"] == "timeout":
        status = "timeout"
        notes.insert(0, f"stopped after {timeout:g} s{where}; questions not reached score 0")
    elif outcome["kind"] == "died":
        status = "error"
        grader_error = next((e["error"] for e in job.events if e.get("event") == "grader_error"), "")
        notes.insert(
            0,
            f"grader error: {grader_error}"
            if grader_error
            else f"the kernel (the notebook's process) died ({_exit_text(outcome.get('exit'))}){where}; "
            "questions not reached score 0",
        )
    elif outcome["kind"] == "error":
        status = "error"
        notes.insert(0, outcome["detail"])
    if tampered:
        status = "error"
        notes.insert(
            0,
            f"tampering detected: the integrity probes failed around {', '.join(sorted(set(tampered)))}; "
            "all scores set to 0",
        )
    errors = [c for c in cells if c.get("ename")]
    if errors:
        first = ", ".join(f"cell {c['index']} {c['ename']}" for c in errors[:2])
        notes.append(
            f"{len(errors)} cell{'s' * (len(errors) > 1)} raised ({first}{', ...' if len(errors) > 2 else ''})"
        )
    if job.missing_checks and status == "graded":
        notes.append(f"check cell missing or edited for {', '.join(job.missing_checks)}: tested after the last cell")
    written = outcome.get("written") or []
    if written:
        names = ", ".join(written[:5]) + (", ..." if len(written) > 5 else "")
        notes.append(f"wrote files in its own folder: {names}")
    dropped = sum(c.get("dropped", 0) for c in cells)
    if dropped:
        notes.append(f"output truncated ({_size(dropped)} not kept)")
    if job.garbage:
        notes.append(f"review: {job.garbage} unexpected lines on the grader's channel")
    flags = review_flags(sub, assignment)
    if flags:
        notes.append("review: code uses " + ", ".join(flags))

    scores, verdicts = {}, {}
    for question in assignment.order:
        test = assignment.tests[question]
        got = {c.get("name"): c for c in reached.get(question, {}).get("cases", []) if isinstance(c, dict)}
        verdicts[question] = [
            Verdict(
                case,
                got.get(f"{question} {i}", {}).get("passed") is True,
                str(got.get(f"{question} {i}", {}).get("message", "not run")),
            )
            for i, case in enumerate(test.cases)
        ]
        scores[question] = 0.0 if tampered else test.score([v.passed for v in verdicts[question]])
    total = sum(scores.values())
    row = {
        "student": sub.student,
        "notebook": sub.notebook,
        **{q: _num(s) for q, s in scores.items()},
        "total": _num(total),
        "max": _num(assignment.max_points),
        "status": status,
        "reason": "; ".join(notes),
        "submission": sub.rel,
        "sha256": sub.sha256,
        "seconds": f"{outcome.get('seconds', 0):.1f}",
    }
    text = feedback_text(sub, assignment, row, verdicts, cells, set(reached), show_hidden)
    return Result(row, text)


def ungradable(sub: Submission, assignments: dict[str, Assignment]) -> Result:
    """The row of a submission that cannot be run (unreadable or unmatched)."""
    assignment = assignments.get(sub.notebook)
    row = {
        "student": sub.student,
        "notebook": sub.notebook,
        "total": _num(0) if assignment else "",
        "max": _num(assignment.max_points) if assignment else "",
        "status": sub.status,
        "reason": "; ".join(sub.notes),
        "submission": sub.rel,
        "sha256": sub.sha256,
        "seconds": "0.0",
    }
    text = (
        f"# {sub.notebook or 'unknown notebook'} — {sub.student}\n\n**Status: {sub.status}.** "
        f"{'; '.join(sub.notes)}\n\nThis file could not be graded. Check that you submitted the right "
        "notebook, saved from Jupyter, and ask your instructor.\n"
    )
    return Result(row, text)


def feedback_text(sub, assignment, row, verdicts, cells, reached, show_hidden: bool = False) -> str:
    """The per-question results a learner reads (hidden tests: pass/fail only unless ``show_hidden``)."""
    lines = [
        f"# {assignment.name} — {sub.student}",
        "",
        f"**Score: {row['total']} / {row['max']}** · status: {row['status']}",
        "",
    ]
    if row["reason"]:
        lines += [f"Notes: {row['reason']}", ""]
    lines += ["| Question | Score | Tests passed |", "|---|---|---|"]
    for question in assignment.order:
        results = verdicts[question]
        hidden = sum(v.case.hidden for v in results)
        lines.append(
            f"| {question} | {row[question]} / {_num(assignment.tests[question].possible)} | "
            f"{sum(v.passed for v in results)} / {len(results)}{f' ({hidden} hidden)' if hidden else ''} |"
        )
    for question in assignment.order:
        lines += ["", f"## {question} — {row[question]} / {_num(assignment.tests[question].possible)}", ""]
        if question not in reached:
            lines.append("Not tested: grading stopped before this question (see the notes above).")
            continue
        for number, v in enumerate(verdicts[question], 1):
            kind = "hidden" if v.case.hidden else "visible"
            lines.append(
                f"- {'✅' if v.passed else '❌'} test {number} ({kind}, {_num(v.case.points)} pt): "
                f"{'passed' if v.passed else 'failed'}"
            )
            if not v.passed and (show_hidden or not v.case.hidden) and v.message:
                lines += ["", "  ```", *["  " + line for line in _doctest_failure(v.message)], "  ```"]
    errors = [c for c in cells if c.get("ename")]
    if errors:
        lines += ["", "## Cells that raised an error (no points by themselves)", ""]
        for cell in errors[:10]:
            lines.append(f"- cell {cell['index']}: `{cell['ename']}: {_short(cell.get('evalue', ''), 200)}`")
    truncated = [c for c in cells if c.get("dropped")]
    if truncated:
        lines += ["", "## Outputs too large to keep", ""]
        lines += [f"- cell {c['index']}: {_size(c['dropped'])} of output not kept" for c in truncated[:10]]
    return "\n".join(lines) + "\n"


def _doctest_failure(message: str) -> list[str]:
    """The informative part of a doctest report: the failed example and what it raised or printed."""
    text = message.split("*" * 70, 1)[1] if "*" * 70 in message else message
    kept, block = [], ""
    for line in text.strip().splitlines():
        if line.startswith("Trying:") or line.startswith("*" * 20):
            break  # the log of the examples after the failure
        if line.strip() in ("Failed example:", "Exception raised:", "Expected:", "Got:", "Expected nothing"):
            block = line.strip()
        if block == "Exception raised:" and (line.startswith("      ") or line.strip().startswith("Traceback")):
            continue  # the traceback's header and frames: the exception's own line says it
        kept.append(line)
    return [line[:200] for line in kept[:20]] or ["(no message)"]


# --------------------------------------------------------------------------------------------------
# grades.csv (atomic, resumable), summary.csv and summary.png


def read_grades(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old or the new file, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def grades_csv(rows: list[dict], assignments: dict[str, Assignment]) -> str:
    """The CSV text: a score column for each question of the notebooks present in ``rows``."""
    present = {r.get("notebook") for r in rows}
    questions = [q for name in sorted(assignments) if name in present for q in assignments[name].order]
    columns = BASE_COLUMNS + questions + TAIL_COLUMNS
    rows = sorted(rows, key=lambda r: (r.get("notebook", ""), r.get("student", ""), r.get("submission", "")))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows([{c: r.get(c, "") for c in columns} for r in rows])
    return out.getvalue()


def summarise(rows: list[dict], assignments: dict[str, Assignment]) -> list[dict]:
    """Per notebook and question: points, submissions scored, pass rate (full points), mean score."""
    table = []
    for name, assignment in sorted(assignments.items()):
        scored = [r for r in rows if r.get("notebook") == name and r.get("status") in ("graded", "timeout", "error")]
        if not scored:
            continue
        for question in assignment.order + ["total"]:
            possible = assignment.max_points if question == "total" else assignment.tests[question].possible
            values = [float(r.get(question) or 0) for r in scored]
            table.append(
                {
                    "notebook": name,
                    "question": question,
                    "points": _num(possible),
                    "submissions": len(values),
                    "pass_rate": f"{sum(v >= possible - 1e-9 for v in values) / len(values):.3f}",
                    "mean_score": f"{sum(values) / len(values):.3f}",
                    "mean_percent": f"{100 * sum(values) / len(values) / possible:.1f}" if possible else "",
                }
            )
    return table


def plot_summary(table: list[dict], path: Path) -> None:
    """One panel per notebook: pass rate and mean score (as % of the points) of every question."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    notebooks = sorted({r["notebook"] for r in table})
    fig = Figure(figsize=(9, 3.2 * max(1, len(notebooks))), layout="constrained")
    axes = fig.subplots(max(1, len(notebooks)), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, notebooks, strict=True):
        rows = [r for r in table if r["notebook"] == name]
        labels = [f"{r['question']}\n({r['points']} pt)" for r in rows]
        x = range(len(rows))
        pass_rate = [100 * float(r["pass_rate"]) for r in rows]
        mean = [float(r["mean_percent"] or 0) for r in rows]
        bars1 = ax.bar([i - 0.2 for i in x], pass_rate, width=0.4, label="pass rate (full points)", color="#4C72B0")
        bars2 = ax.bar([i + 0.2 for i in x], mean, width=0.4, label="mean score (% of points)", color="#DD8452")
        for bars, values in ((bars1, pass_rate), (bars2, mean)):
            for bar, value in zip(bars, values, strict=True):
                ax.annotate(
                    f"{value:.0f}",
                    (bar.get_x() + bar.get_width() / 2, value),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
        ax.set_xticks(list(x), labels, fontsize=8)
        ax.set_ylim(0, 128)
        ax.set_ylabel("%")
        ax.set_title(f"{name} — {rows[0]['submissions']} submissions")
        ax.legend(loc="upper center", ncols=2, fontsize=8, frameon=False)
    fig.savefig(path, dpi=110)


# --------------------------------------------------------------------------------------------------
# The batch


def grade(
    submissions: Path,
    out: Path = DEFAULT_OUT,
    *,
    workers: int | None = None,
    timeout: float = 300.0,
    time_scale: float = 0.1,
    autograder_dir: Path = AUTOGRADER_DIR,
    template_dir: Path = TEMPLATE_DIR,
    force: bool = False,
    retry_failed: bool = False,
    keep_workdirs: bool = False,
    show_hidden: bool = False,
    progress: bool = True,
) -> list[dict]:
    """Grade every notebook under ``submissions``; write OUT's files; return the rows of grades.csv."""
    from tqdm import tqdm

    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir():
        raise SystemExit(f"no such folder: {submissions}")
    if time_scale <= 0 or timeout <= 0:
        raise SystemExit("--time-scale and --timeout must be positive")
    workers = workers or os.cpu_count() or 1
    assignments = load_assignments(autograder_dir, template_dir)
    if not assignments:
        raise SystemExit(f"no autograder zips in {autograder_dir}: run `make autograder` first")
    for name, assignment in assignments.items():
        solution = ROOT / "solutions" / f"{name}.ipynb"
        if solution.exists() and solution.stat().st_mtime > assignment.zip_path.stat().st_mtime:
            print(f"warning: {assignment.zip_path} is older than {solution}: run `make autograder`", file=sys.stderr)
    grades_path, feedback_dir = out / "grades.csv", out / "feedback"
    previous = [] if force else read_grades(grades_path)
    if retry_failed:
        previous = [r for r in previous if r.get("status") not in ("timeout", "error")]
    done = {_key(r) for r in previous}

    subs = [read_submission(p, submissions, assignments) for p in find_submissions(submissions)]
    keys = Counter((s.student, s.notebook) for s in subs)
    for sub in subs:
        if keys[(sub.student, sub.notebook)] > 1 and sub.notebook:
            sub.notes.append(f"{keys[(sub.student, sub.notebook)]} submissions of {sub.notebook} by {sub.student}")
    current = {s.rel: s.key for s in subs}  # a file that changed since its row was written: its row goes
    previous = [r for r in previous if current.get(r.get("submission"), _key(r)) == _key(r)]
    rows = {_key(r): r for r in previous}
    todo = [s for s in subs if s.key not in done]
    skipped = len(subs) - len(todo)

    def save(result: Result | None = None, sub: Submission | None = None) -> None:
        if result is not None:
            rows[sub.key] = result.row
            write_atomic(feedback_path(feedback_dir, sub, keys[(sub.student, sub.notebook)] > 1), result.feedback)
        write_atomic(grades_path, grades_csv(list(rows.values()), assignments))

    jobs = []
    for sub in todo:
        if sub.status:
            save(ungradable(sub, assignments), sub)
            continue
        assignment = assignments[sub.notebook]
        steps, missing = make_plan(sub, assignment)
        jobs.append(Job(sub, assignment, steps, missing))
    save()

    failed_imports = warm_up(jobs)
    os.environ["COURSE_TIME_SCALE"] = repr(time_scale)
    if threading.active_count() > 1:
        print(f"warning: {threading.active_count()} threads before forking", file=sys.stderr)
    tqdm.monitor_interval = 0  # no monitor thread: this process forks
    bar = tqdm(total=len(jobs), unit="nb", desc="grading", disable=not progress or not jobs, dynamic_ncols=True)
    counts: Counter = Counter()

    def on_done(job: Job, outcome: dict) -> None:
        try:
            result = score_job(job, outcome, timeout, show_hidden)
        except Exception as e:  # a bug here must not lose the batch: the row says what happened
            result = Result(
                {
                    "student": job.sub.student,
                    "notebook": job.sub.notebook,
                    "status": "error",
                    "reason": f"grader error while scoring: {type(e).__name__}: {e}",
                    "submission": job.sub.rel,
                    "sha256": job.sub.sha256,
                    "total": "0",
                    "max": _num(job.assignment.max_points),
                    "seconds": "",
                },
                f"grader error: {e}\n",
            )
        save(result, job.sub)
        counts[result.row["status"]] += 1
        bar.update(1)
        bar.set_postfix(dict(counts), refresh=False)

    started = time.monotonic()
    try:
        run_jobs(jobs, workers, timeout, time_scale, on_done, keep_workdirs)
    finally:
        bar.close()
    final = list(rows.values())
    table = summarise(final, assignments)
    if table:
        write_atomic(out / "summary.csv", _table_csv(table))
        plot_summary(table, out / "summary.png")
    if progress:
        status = Counter(r.get("status") for r in final)
        print(
            f"graded {len(jobs)} submission(s) in {time.monotonic() - started:.1f} s with {workers} worker(s)"
            f"{f', skipped {skipped} already graded' if skipped else ''}; "
            + ", ".join(f"{k}: {v}" for k, v in sorted(status.items()))
            + f"\n-> {grades_path}"
        )
        if failed_imports:
            print(f"note: could not pre-import {', '.join(failed_imports)}", file=sys.stderr)
    return final


def feedback_path(feedback_dir: Path, sub: Submission, duplicate: bool = False) -> Path:
    """``feedback/<student>/<notebook>.md`` (with the file's hash when a student sent two)."""
    name = f"{sub.notebook or 'unmatched'}{'.' + sub.sha256[:8] if duplicate else ''}.md"
    return feedback_dir / _safe(sub.student) / _safe(name)


def _key(row: dict) -> tuple[str, ...]:
    return tuple(row.get(c, "") for c in KEY_COLUMNS)


def _table_csv(table: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def _num(x: float) -> str:
    return f"{float(x):g}"


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split()) if limit <= 300 else str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _size(chars: int) -> str:
    return f"{chars / 1e6:.1f} MB" if chars >= 1e5 else f"{chars / 1e3:.0f} kB"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]+", "_", name).strip("._") or "unnamed"


def _exit_text(status: int | None) -> str:
    if status is None:
        return "unknown exit"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"killed by {signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig}"
    return f"exit code {os.WEXITSTATUS(status)}"


# --------------------------------------------------------------------------------------------------
# Gradescope: otter's zips plus what the notebooks import


GRADESCOPE_DIR = ROOT / "build" / "gradescope"
NOT_FOR_GRADING = {"jupyterlab", "nbval", "pytest", "jupytext", "otter-grader"}  # otter: pinned by otter's line


def gradescope_zips(autograder_dir: Path = AUTOGRADER_DIR, out_dir: Path = GRADESCOPE_DIR) -> list[Path]:
    """Gradescope-ready copies of otter's zips: the course's packages, helper package and data added.

    otter's ``setup.sh`` builds an image with otter alone; the notebooks also import langchain-core,
    pandas, matplotlib and ``parallel_course`` (whose data sits in the repository's ``data/``). Each
    zip gets ``course/`` (``pyproject.toml``, ``shared/``, ``data/``), an ``environment.yml`` with the
    course's pinned requirements, and a ``setup.sh`` that installs ``course/`` into otter's env.
    """
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    pins = [
        p for p in pins if p and not p.startswith(("#", "-")) and re.split(r"[=<>\[ ]", p)[0] not in NOT_FOR_GRADING
    ]
    course = [ROOT / "pyproject.toml", *sorted((ROOT / "shared" / "parallel_course").glob("*.py"))]
    course += [p for p in sorted((ROOT / "data").rglob("*")) if p.is_file()]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for zip_path in sorted(Path(autograder_dir).glob("*.zip")):
        target = out_dir / zip_path.name
        with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "environment.yml":
                    text = data.decode()
                    otter_line = re.search(r"^\s*- (otter-grader\S*)\s*$", text, re.M).group(1)
                    data = (
                        "name: otter-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n"
                        "  - jupyter_server\n  - pip:\n" + "".join(f"      - {p}\n" for p in [otter_line, *pins])
                    ).encode()
                elif info.filename == "setup.sh":
                    data += (
                        b"\n# the course's helper package (parallel_course) and its data\n"
                        b"mamba run -n otter-env pip install -e /autograder/source/course\n"
                    )
                zf.writestr(info, data)
            for path in course:
                zf.write(path, f"course/{path.relative_to(ROOT).as_posix()}")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Outputs: OUT/grades.csv, OUT/summary.csv, OUT/summary.png, OUT/feedback/<student>/<notebook>.md",
    )
    parser.add_argument("submissions", type=Path, nargs="?", help="folder of submitted .ipynb files (any depth)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/grades)")
    parser.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: cores)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per submission (default: 300)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=0.1,
        help="COURSE_TIME_SCALE while grading (default: 0.1; timing tests are ratios)",
    )
    parser.add_argument("--autograder", type=Path, default=AUTOGRADER_DIR, help="folder of autograder zips")
    parser.add_argument("--templates", type=Path, default=TEMPLATE_DIR, help="folder of learner notebooks")
    parser.add_argument("--force", action="store_true", help="regrade everything (ignore grades.csv)")
    parser.add_argument("--retry-failed", action="store_true", help="regrade rows with status timeout or error")
    parser.add_argument("--show-hidden", action="store_true", help="put hidden tests' failure messages in feedback")
    parser.add_argument("--keep-workdirs", action="store_true", help="keep each submission's temporary folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    parser.add_argument(
        "--gradescope", type=Path, metavar="DIR", help="instead of grading: write Gradescope-ready zips to DIR"
    )
    args = parser.parse_args(argv)
    if args.gradescope:
        for path in gradescope_zips(args.autograder, args.gradescope):
            print(f"wrote {path}")
        return 0
    if args.submissions is None:
        parser.error("give the folder of submissions")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")

    def stop(signum, frame):  # `kill` as Ctrl-C: stop the children, keep the rows, clean the folders
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        grade(
            args.submissions,
            args.out,
            workers=args.workers,
            timeout=args.timeout,
            time_scale=args.time_scale,
            autograder_dir=args.autograder,
            template_dir=args.templates,
            force=args.force,
            retry_failed=args.retry_failed,
            keep_workdirs=args.keep_workdirs,
            show_hidden=args.show_hidden,
            progress=not args.quiet,
        )
    except KeyboardInterrupt:
        print("interrupted: the rows written so far are kept; run the same command again to continue", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
