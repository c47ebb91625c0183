"""Reports: grades.csv (atomic, resumable), summary.csv and summary.png, the feedback files' paths."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from .assignments import Assignment
from .submissions import Submission
from .text import folder_name, num, safe

BASE_COLUMNS = ["student", "notebook"]
TAIL_COLUMNS = ["total", "max", "status", "reason", "submission", "sha256", "seconds", "hints"]
KEY_COLUMNS = ("student", "notebook", "submission", "sha256")
SCORED = ("graded", "timeout", "error", "tampered")  # the statuses whose points count in the summary
UNSANDBOXED_NOTE = "UNSANDBOXED: run without a sandbox (--unsandboxed)"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")  # a spreadsheet runs a cell starting so as a formula


def csv_text(value) -> str:
    """A cell a spreadsheet shows as text: ``'`` before a formula's first character (and before a ``'``)."""
    value = str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_value(text: str) -> str:
    """The value ``csv_text`` wrote."""
    return text[1:] if text.startswith("'") else text


def write_csv(columns: list[str], rows: list[dict]) -> str:
    """CSV text in which every field is quoted as needed (CR and LF too) and none is a formula."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows([{c: csv_text(r.get(c, "")) for c in columns} for r in rows])
    return out.getvalue()


def read_grades(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: csv_value(v or "") for k, v in row.items() if k is not None} for row in csv.DictReader(f)]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old or the new file, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def grades_csv(rows: list[dict], assignments: dict[str, Assignment]) -> str:
    """The CSV text: a score column for each question of the notebooks present in ``rows``, then one for
    each of their test cases (``question:property``)."""
    notebooks = {r.get("notebook") for r in rows}
    present = [assignments[name] for name in sorted(assignments) if name in notebooks]
    questions = [q for assignment in present for q in assignment.order]
    properties = [column for assignment in present for column, _, _ in assignment.properties()]
    columns = BASE_COLUMNS + questions + properties + TAIL_COLUMNS
    rows = sorted(rows, key=lambda r: (r.get("notebook", ""), r.get("student", ""), r.get("submission", "")))
    return write_csv(columns, rows)


def summarise(rows: list[dict], assignments: dict[str, Assignment]) -> list[dict]:
    """Per notebook: a row per question and ``total`` (points, submissions scored, pass rate: the share with
    full points, mean score, the hint most were given), then a row per tested property, whose ``question`` is
    its grades.csv column (``question:property``) and whose pass rate is the share that passed it."""
    table = []
    for name, assignment in sorted(assignments.items()):
        scored = [r for r in rows if r.get("notebook") == name and r.get("status") in SCORED]
        if not scored:
            continue
        columns = [(q, "", assignment.tests[q].possible) for q in assignment.order]
        columns += [("total", "", assignment.max_points), *assignment.properties()]
        unsandboxed = sum(UNSANDBOXED_NOTE in (r.get("reason") or "") for r in scored)
        for column, prop, possible in columns:
            values = [float(r.get(column) or 0) for r in scored]
            full = sum(v >= possible - 1e-9 for v in values) / len(values)
            hint, hit = common_hint(scored, column)
            table.append(
                {
                    "notebook": name,
                    "question": column,
                    "property": prop,
                    "points": num(possible),
                    "submissions": len(values),
                    # a 0-point case scores 0 passed or failed: its pass rate is not known
                    "pass_rate": f"{full:.3f}" if possible or not prop else "",
                    "mean_score": f"{sum(values) / len(values):.3f}",
                    "mean_percent": f"{100 * sum(values) / len(values) / possible:.1f}" if possible else "",
                    "unsandboxed": unsandboxed,
                    "common_hint": hint,
                    "hint_share": f"{hit / len(values):.3f}" if hint else "",
                }
            )
    return table


def common_hint(rows: list[dict], question: str) -> tuple[str, int]:
    """The hint most learners who lost points on ``question`` were given, and how many were."""
    counts = Counter()
    for row in rows:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            hint = json.loads(row.get("hints") or "{}").get(question)
            if hint:
                counts[hint] += 1
    return counts.most_common(1)[0] if counts else ("", 0)


def plot_summary(table: list[dict], path: Path) -> None:
    """One panel per notebook: pass rate and mean score (as % of the points) of every question (not property)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    notebooks = sorted({r["notebook"] for r in table})
    fig = Figure(figsize=(9, 3.2 * max(1, len(notebooks))), layout="constrained")
    axes = fig.subplots(max(1, len(notebooks)), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, notebooks, strict=True):
        rows = [r for r in table if r["notebook"] == name and not r["property"]]
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
        unsandboxed = f", {rows[0]['unsandboxed']} WITHOUT a sandbox" if rows[0]["unsandboxed"] else ""
        ax.set_title(f"{name} — {rows[0]['submissions']} submissions{unsandboxed}")
        ax.legend(loc="upper center", ncols=2, fontsize=8, frameon=False)
    fig.savefig(path, dpi=110)


def feedback_path(feedback_dir: Path, sub: Submission, duplicate: bool = False) -> Path:
    """``feedback/<student>/<notebook>.md``, one file per submission.

    The folder is ``text.folder_name(student)``, which no other student gets; a student who sent
    several files for one notebook gets ``<notebook>.<hash of the file's path>.md`` for each."""
    tag = "." + hashlib.sha256(sub.rel.encode("utf-8", "backslashreplace")).hexdigest()[:12] if duplicate else ""
    return feedback_dir / folder_name(sub.student) / f"{safe(sub.notebook or 'unmatched')}{tag}.md"


def row_key(row: dict) -> tuple[str, ...]:
    return tuple(row.get(c, "") for c in KEY_COLUMNS)


def table_csv(table: list[dict]) -> str:
    return write_csv(list(table[0]), table)
