"""Scoring: the plan a submission runs, and its events turned into a grades.csv row and feedback.

Points come from otter's own classes: each question's ``OKTestFile`` receives the verdicts as
``TestCaseResult``s and reports its ``score``, as otter does when it grades.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from typing import Any

from otter.test_files.abstract_test import TestCase, TestCaseResult

from parallel_course.feedback import doctest_failure, first_hint

from . import judging
from .assignments import INIT_CELL, Assignment, cell_source, check_calls, property_column, property_of
from .runner import MAX_CHANNEL_BYTES
from .submissions import Submission
from .text import exit_text, num, short, size

HIDDEN_LINE = 16  # characters: a hidden test's line this long is cut out of a learner's feedback
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


@dataclasses.dataclass
class Result:
    row: dict[str, Any]
    feedback: str


def make_plan(sub: Submission, assignment: Assignment) -> tuple[list[dict], list[str]]:
    """The steps to run (each question tested after its check cell), and the questions tested at the end."""
    steps, checked = [], set()
    for index, cell in enumerate(sub.nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        if INIT_CELL.match(source):
            continue  # otter's init cell: the sandbox defines a stand-in `grader` instead
        steps.append({"kind": "cell", "index": index, "source": source})
        for question in checks_in(source):
            if question in assignment.tests:
                steps.append({"kind": "tests", "question": question})
                checked.add(question)
    missing = [q for q in assignment.order if q not in checked]
    steps += [{"kind": "tests", "question": q} for q in missing]
    return steps, missing


def checks_in(source: str) -> list[str]:
    """``check_calls``, or none when the cell is too deep to parse (ten thousand ``-``: the kernel fails it too)."""
    try:
        return check_calls(source)
    except (RecursionError, MemoryError):
        return []


def review_flags(sub: Submission, assignment: Assignment) -> list[str]:
    """Suspicious names in the learner's own code cells (cells that differ from the template)."""
    found = []
    for cell in sub.nb["cells"]:
        source = cell_source(cell)
        if cell.get("cell_type") != "code" or source.strip() in assignment.template_cells or INIT_CELL.match(source):
            continue
        found += [name for name, pattern in SUSPICIOUS.items() if re.search(pattern, source) and name not in found]
    return found


def scored(test, results: list[TestCaseResult]):
    """otter's test file with these results: its ``score`` is the question's points."""
    test = copy.copy(test)
    test.test_case_results = results
    return test


def score_job(job, outcome: dict, timeout: float, note: str, show_hidden: bool = False) -> Result:
    """Turn a finished job's events into a grades.csv row and a feedback file."""
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
                tampered.append(f"the integrity probes failed around {event['question']}")
    where = f" while running cell {current}" if current is not None else f" while testing {testing}" if testing else ""
    status, notes = "graded", ([note] if note else []) + list(sub.notes)
    grader_error = next((str(e.get("error")) for e in job.events if e.get("event") == "grader_error"), "")
    stopped = next((str(e.get("error")) for e in job.events if e.get("event") == "stopped"), "")
    if outcome["kind"] == "unread":
        status = "error"
        notes.insert(0, f"not graded: {outcome['reason']}")
    elif outcome["kind"] == "flood":
        status = "error"
        notes.insert(0, f"stopped: it sent the grader more than {size(MAX_CHANNEL_BYTES)}{where}")
    elif outcome["kind"] == "timeout":
        status = "timeout"
        notes.insert(0, f"stopped after {timeout:g} s{where}; questions not reached score 0")
    elif outcome["kind"] == "died":
        status = "error"
        notes.insert(
            0,
            f"grader error: {short(grader_error, 300)}"
            if grader_error
            else f"{stopped}{where}; questions not reached score 0"
            if stopped
            else f"the kernel (the notebook's process) died ({exit_text(outcome.get('exit'))}"
            f"{': ' + short(outcome['said'], 200) if outcome.get('said') else ''}){where}; "
            "questions not reached score 0",
        )
    if job.tampered:
        tampered.insert(0, job.tampered)
    if tampered:
        status = "tampered"
        notes.insert(0, f"tampering detected: {tampered[0]}; all scores set to 0")
    if job.retried:
        notes.insert(0, job.retried)
    errors = [c for c in cells if c.get("ename")]
    if errors:
        first = ", ".join(f"cell {c['index']} {c['ename']}" for c in errors[:2])
        notes.append(
            f"{len(errors)} cell{'s' * (len(errors) > 1)} raised ({first}{', ...' if len(errors) > 2 else ''})"
        )
    if job.missing_checks and status == "graded":
        notes.append(f"check cell missing or edited for {', '.join(job.missing_checks)}: tested after the last cell")
    written = [str(w) for w in outcome.get("written") or []]
    if written:
        names = ", ".join(written[:5]) + (", ..." if len(written) > 5 else "")
        notes.append(f"wrote files in its own folder: {names}")
    left = [f"{n} {kind[:-1] if n == 1 else kind}" for kind, n in (outcome.get("left") or {}).items() if n > 0]
    if left:
        notes.append(f"left {' and '.join(left)} running at the end (stopped with it)")
    dropped = sum(int(c.get("dropped") or 0) for c in cells)
    if dropped:
        notes.append(f"output truncated ({size(dropped)} not kept)")
    flags = review_flags(sub, assignment)
    if flags:
        notes.append("review: code uses " + ", ".join(flags))

    scores, verdicts = {}, {}
    for question in assignment.order:
        test = assignment.tests[question]
        got = {c.get("name"): c for c in reached.get(question, {}).get("cases", []) if isinstance(c, dict)}
        verdicts[question] = [verdict(job, case, f"{question} {i}", got) for i, case in enumerate(test.test_cases)]
        scores[question] = 0.0 if tampered else scored(test, verdicts[question]).score
    properties = {  # each test case's points if it passed, under grades.csv's ``question:property`` column
        property_column(q, r.test_case, n): num(r.test_case.points if r.passed and not tampered else 0)
        for q in assignment.order
        for n, r in enumerate(verdicts[q], 1)
    }
    missed = [q for q in assignment.order if q in reached and not all(r.passed for r in verdicts[q])]
    hints = {q: first_hint(verdicts[q]) for q in missed}  # a 0-point quiz's too: where learners struggle
    row = {
        "student": sub.student,
        "notebook": sub.notebook,
        **{q: num(s) for q, s in scores.items()},
        **properties,
        "total": num(sum(scores.values())),
        "max": num(assignment.max_points),
        "status": status,
        "reason": "; ".join(notes),
        "submission": sub.rel,
        "sha256": sub.sha256,
        "seconds": f"{outcome.get('seconds', 0):.1f}",
        "hints": json.dumps(hints, ensure_ascii=False) if hints else "",
    }
    text = feedback_text(sub, assignment, row, verdicts, cells, set(reached), show_hidden)
    return Result(row, text)


def verdict(job, case: TestCase, name: str, got: dict) -> TestCaseResult:
    """A case's result: the notebook's own for a case run inside, the grader's for one judged outside."""
    if name not in got:
        return TestCaseResult(case, "not run", False)
    passed, message = got[name].get("passed") is True, str(got[name].get("message") or "")
    if passed and name in job.outside:
        passed, message = judging.judge(job.outside[name], got[name].get("judged"), name)
    return TestCaseResult(case, message, passed)


def ungradable(sub: Submission, assignment: Assignment | None, note: str = "") -> Result:
    """The row of a submission that cannot be run (unreadable or unmatched, or an error before it ran)."""
    row = {
        "student": sub.student,
        "notebook": sub.notebook,
        "total": num(0) if assignment else "",
        "max": num(assignment.max_points) if assignment else "",
        "status": sub.status or "error",
        "reason": "; ".join(([note] if note else []) + sub.notes),
        "submission": sub.rel,
        "sha256": sub.sha256,
        "seconds": "0.0",
    }
    text = (
        f"# {sub.notebook or 'unknown notebook'} — {sub.student}\n\n**Status: {row['status']}.** "
        f"{row['reason']}\n\nThis file could not be graded. Check that you submitted the right "
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
        hidden = sum(r.test_case.hidden for r in results)
        lines.append(
            f"| {question} | {row[question]} / {num(assignment.tests[question].possible)} | "
            f"{sum(r.passed for r in results)} / {len(results)}{f' ({hidden} hidden)' if hidden else ''} |"
        )
    for question in assignment.order:
        lines += ["", f"## {question} — {row[question]} / {num(assignment.tests[question].possible)}", ""]
        if question not in reached:
            lines.append("Not tested: grading stopped before this question (see the notes above).")
            continue
        for number, r in enumerate(verdicts[question], 1):
            case: TestCase = r.test_case
            kind = "hidden" if case.hidden else "visible"
            lines.append(
                f"- {'✅' if r.passed else '❌'} test {number} ({kind}, {num(case.points)} pt) — "
                f"{property_of(case, number)}: {'passed' if r.passed else 'failed'}"
            )
            if not r.passed and (show_hidden or not case.hidden) and r.message:
                lines += ["", "  ```", *["  " + line for line in doctest_failure(r.message)], "  ```"]
    errors = [c for c in cells if c.get("ename")]
    if errors:
        lines += ["", "## Cells that raised an error (no points by themselves)", ""]
        for cell in errors[:10]:
            lines.append(f"- cell {cell['index']}: `{cell['ename']}: {short(cell.get('evalue', ''), 200)}`")
    truncated = [c for c in cells if c.get("dropped")]
    if truncated:
        lines += ["", "## Outputs too large to keep", ""]
        lines += [f"- cell {c['index']}: {size(c['dropped'])} of output not kept" for c in truncated[:10]]
    text = "\n".join(lines) + "\n"
    return text if show_hidden else without_hidden_tests(text, assignment)


def without_hidden_tests(text: str, assignment: Assignment) -> str:
    """``text`` with every line of a hidden test that it repeats (a notebook can print what it ran) cut out."""
    for test in assignment.tests.values():
        for case in test.test_cases:
            if case.hidden:
                for line in case.body.splitlines():
                    code = line[4:].strip()
                    if len(code) >= HIDDEN_LINE and code in text:
                        text = text.replace(code, "[a hidden test]")
    return text

