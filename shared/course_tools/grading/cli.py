"""``make grade``: grade a folder of learner notebooks against the autograder zips, in parallel, sandboxed.

    make grade SUBMISSIONS=path/to/folder-or.zip [OUT=build/grades] [LMS=canvas|moodle]
    python -m course_tools.grading SUBMISSIONS [--out OUT] [--workers N] [--timeout S] [--time-scale X] [--lms ...]

Every ``.ipynb`` under SUBMISSIONS is matched to an assignment and graded with the tests of
``build/autograder/<name>.zip``; OUT receives ``grades.csv``, ``summary.csv``, ``summary.png`` and
``feedback/<student>/<notebook>.md``. See ``docs/instructors.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from . import gradescope, lms, reports, runner, sandbox, scoring, similarity
from .assignments import load_assignments, template_imports
from .text import short

ROOT = gradescope.ROOT
AUTOGRADER_DIR = gradescope.AUTOGRADER_DIR
TEMPLATE_DIR = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "grades"
STATUSES = ("graded", "timeout", "error", "tampered", "unreadable", "unmatched")
REFUSAL = """\
grade: cannot build the sandbox that grading runs every submission in:
  {reason}
The grader runs strangers' code on this machine, so it needs Linux user namespaces (bubblewrap needs
the same) and libseccomp (Debian's libseccomp2, with `pip install -r requirements.txt` for its Python
API). Check `sysctl user.max_user_namespaces` (must be above 0) and, on Ubuntu 23.10+,
`sysctl kernel.apparmor_restrict_unprivileged_userns` (0 allows them); inside a container, run it
with user namespaces allowed. To grade trusted submissions without a sandbox anyway, pass
--unsandboxed (make grade GRADE_ARGS=--unsandboxed): every row of grades.csv then says so."""


def warm_up(modules: list[str]) -> list[str]:
    """Import, once, what the notebooks import, so every sandbox starts with it loaded; the failures."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["COURSE_DOTENV"] = "0"
    failed = []
    for module in ["IPython.core.interactiveshell", "traitlets.config", "asyncio", "doctest", *modules]:
        try:
            loaded = importlib.import_module(module)
            if hasattr(loaded, "__getattr__"):  # a lazy package (PEP 562, the course's): its parts too
                for name in getattr(loaded, "__all__", ()):
                    getattr(loaded, name)
        except Exception:  # the notebook will meet the same error, and it will show in its row
            failed.append(module)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].switch_backend("Agg")
    return failed


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
    show_hidden: bool = False,
    unsandboxed: bool = False,
    progress: bool = True,
    lms_options: lms.Options | None = None,
    similar: bool = True,
    only: str = "",
) -> list[dict]:
    """Grade every notebook under ``submissions``; write OUT's files (with ``similar``, the similarity
    report too); return the rows of grades.csv."""
    from tqdm import tqdm

    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir() and not submissions.is_file():
        raise SystemExit(f"no such folder or zip: {submissions}")
    lms_options = lms_options or lms.Options()
    if problem := lms_options.check():
        raise SystemExit(problem)
    if time_scale <= 0 or timeout <= 0:
        raise SystemExit("--time-scale and --timeout must be positive")
    workers = workers or os.cpu_count() or 1
    settings = runner.Settings(time_scale, timeout, sandboxed=not unsandboxed)
    note = reports.UNSANDBOXED_NOTE if unsandboxed else ""

    # Before any submission or test is read: the sandbox's check, the imports, the zygote.
    readable = sandbox.readable_paths()
    if settings.sandboxed:
        reason = sandbox.probe(readable, settings.limits)
        if reason:
            raise SystemExit(REFUSAL.format(reason=reason))
    failed_imports = warm_up(template_imports(template_dir))
    os.environ["COURSE_TIME_SCALE"] = repr(time_scale)
    if threading.active_count() > 1:
        print(f"warning: {threading.active_count()} threads before forking", file=sys.stderr)
    tqdm.monitor_interval = 0  # no monitor thread: this process forks
    zygote = runner.Zygote(settings, readable)
    try:
        with lms.unpacked(submissions) as (folder, refused):
            rows = _grade_batch(
                folder, out, zygote, settings, note, workers, autograder_dir, template_dir,
                force, retry_failed, show_hidden, progress, failed_imports, lms_options, refused, only,
            )  # fmt: skip
            if similar:  # while an LMS zip's files are still unpacked
                similarity.after_grading(folder, out, template_dir, quiet=not progress)
            return rows
    finally:
        zygote.close()


def _grade_batch(
    submissions, out, zygote, settings, note, workers, autograder_dir, template_dir,
    force, retry_failed, show_hidden, progress, failed_imports, lms_options, refused, only,
) -> list[dict]:  # fmt: skip
    from tqdm import tqdm

    assignments = load_assignments(autograder_dir, template_dir)
    if not assignments:
        raise SystemExit(f"no autograder zips in {autograder_dir}: run `make autograder` first")
    for name, assignment in assignments.items():
        solution = ROOT / "solutions" / f"{name}.ipynb"
        if solution.exists() and solution.stat().st_mtime > assignment.zip_path.stat().st_mtime:
            print(f"warning: {assignment.zip_path} is older than {solution}: run `make autograder`", file=sys.stderr)
    grades_path, feedback_dir = out / "grades.csv", out / "feedback"
    previous = [] if force and not only else reports.read_grades(grades_path)
    if retry_failed and not only:
        previous = [r for r in previous if r.get("status") not in ("timeout", "error")]
    done = {reports.row_key(r) for r in previous}

    subs = lms.collect(submissions, refused, list(assignments), lms_options.name)
    keys = Counter((s.student, s.notebook) for s in subs)
    for sub in subs:
        if keys[(sub.student, sub.notebook)] > 1 and sub.notebook:
            sub.notes.append(f"{keys[(sub.student, sub.notebook)]} submissions of {sub.notebook} by {sub.student}")
    current = {s.rel: s.key for s in subs}  # a file that changed since its row was written: its row goes
    if only:  # this student's files, graded again; every other row kept as it is
        todo = only_student(subs, only)
        regraded = {s.rel for s in todo}
        previous = [r for r in previous if r.get("submission") not in regraded]
    else:
        previous = [r for r in previous if current.get(r.get("submission"), reports.row_key(r)) == reports.row_key(r)]
        todo = [s for s in subs if s.key not in done]
    rows = {reports.row_key(r): r for r in previous}
    wanted = {s.key for s in todo}
    for sub in subs:
        if sub.key not in wanted:
            sub.nb = None  # graded before, or not this student's: its cells are not needed
    skipped = 0 if only else len(subs) - len(todo)  # --only: the others are not graded, not skipped

    def save(result: scoring.Result | None = None, sub=None) -> None:
        if result is not None:
            duplicate = keys[(sub.student, sub.notebook)] > 1
            try:
                reports.write_atomic(reports.feedback_path(feedback_dir, sub, duplicate), result.feedback)
            except (OSError, ValueError) as e:  # the row says so; the batch goes on
                result.row.update(status="error", reason=f"grader error writing its feedback: {e}")
            rows[sub.key] = result.row
        reports.write_atomic(grades_path, reports.grades_csv(list(rows.values()), assignments))

    jobs = []
    for sub in todo:
        try:
            if sub.status:
                save(scoring.ungradable(sub, assignments.get(sub.notebook), note), sub)
                continue
            assignment = assignments[sub.notebook]
            steps, missing = scoring.make_plan(sub, assignment)
            jobs.append(runner.Job(sub, assignment, steps, missing))
        except Exception as e:  # one submission's failure is its row, never the batch's
            save(scoring.ungradable(sub, assignments.get(sub.notebook), grader_error("planning", e)), sub)
    save()

    bar = tqdm(total=len(jobs), unit="nb", desc="grading", disable=not progress or not jobs, dynamic_ncols=True)
    counts: Counter = Counter()

    def on_done(job: runner.Job, outcome: dict) -> None:
        try:
            result = scoring.score_job(job, outcome, settings.timeout, note, show_hidden)
        except Exception as e:  # a bug here must not lose the batch: the row says what happened
            result = scoring.ungradable(job.sub, job.assignment, grader_error("scoring", e))
        job.sub.nb = job.steps = None  # what it ran is no longer needed: the memory goes back
        save(result, job.sub)
        counts[result.row["status"]] += 1
        bar.update(1)
        bar.set_postfix(dict(counts), refresh=False)

    started = time.monotonic()
    try:
        runner.run_jobs(jobs, workers, settings, zygote, on_done)
    finally:
        bar.close()
    final = list(rows.values())
    exported = []
    if lms_options.name:  # the gradebook of this download's rows only: OUT may hold other folders' rows
        batch = {s.rel for s in subs}
        exported = lms.export(lms_options, [r for r in final if r.get("submission") in batch], out)
    table = reports.summarise(final, assignments)
    if table:
        reports.write_atomic(out / "summary.csv", reports.table_csv(table))
        reports.plot_summary(table, out / "summary.png")
    if progress:
        status = Counter(r.get("status") for r in final)
        print(
            f"graded {len(jobs)} submission(s) in {time.monotonic() - started:.1f} s with {workers} worker(s), "
            + ("WITHOUT a sandbox (--unsandboxed)" if note else "each in its own sandbox")
            + (f", skipped {skipped} already graded" if skipped else "")
            + "; "
            + ", ".join(f"{k}: {v}" for k, v in sorted(status.items()))
            + f"\n-> {grades_path}"
        )
        if failed_imports:
            print(f"note: could not pre-import {', '.join(failed_imports)}", file=sys.stderr)
    for line in exported:  # the gradebook's path, and who has no grade in it
        print(line)
    return final


def only_student(subs: list, student: str) -> list:
    """The submissions of ``student`` (as grades.csv names them), or the exit saying that none is."""
    mine = [s for s in subs if s.student == student]
    if not mine:
        names = sorted({s.student for s in subs})
        listed = ", ".join(names[:10]) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
        raise SystemExit(f"--only {student!r}: no submission of that student in the folder (students: {listed})")
    return mine


def grader_error(step: str, error: Exception) -> str:
    return f"grader error while {step}: {type(error).__name__}: {short(str(error), 200)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_tools.grading",  # not __main__.py, as Python 3.11 says for a package's module
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Outputs: OUT/grades.csv, OUT/summary.csv, OUT/summary.png, OUT/feedback/<student>/<notebook>.md, "
        "OUT/similarity.html and .csv; with --lms, OUT/canvas-import.csv or OUT/moodle-grades.csv",
    )
    parser.add_argument(
        "submissions", type=Path, nargs="?", help="folder of submitted .ipynb files (any depth), or an LMS's .zip"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/grades)")
    parser.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: cores)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per submission (default: 300)")
    parser.add_argument(
        "--time-scale", type=float, default=0.1, help="COURSE_TIME_SCALE while grading (default: 0.1; tests are ratios)"
    )
    parser.add_argument("--autograder", type=Path, default=AUTOGRADER_DIR, help="folder of autograder zips")
    parser.add_argument("--templates", type=Path, default=TEMPLATE_DIR, help="folder of learner notebooks")
    parser.add_argument("--force", action="store_true", help="regrade everything (ignore grades.csv)")
    parser.add_argument("--retry-failed", action="store_true", help="regrade rows with status timeout or error")
    parser.add_argument("--show-hidden", action="store_true", help="put hidden tests' failure messages in feedback")
    parser.add_argument(
        "--unsandboxed", action="store_true", help="grade without the sandbox (trusted submissions only; rows say so)"
    )
    parser.add_argument("--lms", choices=lms.LMSES, help="also write the LMS's gradebook import to OUT")
    parser.add_argument("--lms-assignment", default="", help='Canvas: the gradebook column, "Name (assignment id)"')
    parser.add_argument("--lms-worksheet", type=Path, help="Moodle: the grading worksheet to fill (CSV)")
    parser.add_argument(
        "--only", default="", metavar="STUDENT", help="regrade this student's files only, keep every other row"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    parser.add_argument(
        "--similarity", action=argparse.BooleanOptionalAction, default=True,
        help="after the batch, OUT/similarity.html and .csv: near-identical answers (default: on)",
    )  # fmt: skip
    parser.add_argument(
        "--gradescope", type=Path, metavar="DIR", help="instead of grading: write Gradescope-ready zips to DIR"
    )
    args = parser.parse_args(argv)
    if args.gradescope:
        for path in gradescope.gradescope_zips(args.autograder, args.gradescope):
            print(f"wrote {path}")
        return 0
    if args.submissions is None:
        parser.error("give the folder of submissions")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")

    def stop(signum, frame):  # `kill` as Ctrl-C: stop the sandboxes, keep the rows
        raise KeyboardInterrupt

    import signal

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
            show_hidden=args.show_hidden,
            unsandboxed=args.unsandboxed,
            progress=not args.quiet,
            lms_options=lms.Options(args.lms or "", args.lms_assignment, args.lms_worksheet),
            similar=args.similarity,
            only=args.only,
        )
    except KeyboardInterrupt:
        print("interrupted: the rows written so far are kept; run the same command again to continue", file=sys.stderr)
        return 130
    return 0
