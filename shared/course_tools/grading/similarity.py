"""Similarity: the pairs of students whose answer cells are near-identical, with their cells side by side.

    make similarity SUBMISSIONS=folder [OUT=build/grades] [THRESHOLD=0.6]
    python -m course_tools.grading.similarity SUBMISSIONS [--out OUT] [--threshold T] [--templates DIR]

Text only, outside any sandbox: the notebooks are parsed as the grader parses them and their code is
tokenized by copydetect (pygments), never run. A student's answers to one notebook are their code
cells that differ from the learner notebook's, each labelled with the question whose check cell follows
it. Fingerprints of the given code, and those most of the class shares (a question with one shape of
answer), are subtracted; every pair of students is compared with copydetect's fingerprints. OUT gets
``similarity.csv`` (every pair compared) and ``similarity.html`` (the pairs at or above the threshold).
See docs/instructors.md, "Similarity report".
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import io
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

from . import reports
from .assignments import check_calls, template_code
from .gradescope import ROOT
from .submissions import find_submissions, read_submission

THRESHOLD = 0.6  # share of one student's answers found in the other's: pairs at or above it are listed
NOISE = 25  # copydetect's k: the shortest run of tokens (normalised characters) that counts as a match
COMMON = 0.5  # a fingerprint in more than this share of a notebook's submissions (and in 3+) is not evidence
MAX_ANSWER_CHARS = 20_000  # a learner's answers are a few kB; beyond this they are cut before tokenizing
COLUMNS = ["notebook", "student_a", "student_b", "similarity", "share_a", "share_b", "flagged", "questions",
           "submission_a", "submission_b"]  # fmt: skip


@dataclasses.dataclass
class Answers:
    """One submission's own code cells, joined into one text that copydetect fingerprints."""

    student: str
    notebook: str
    submission: str
    cells: list[tuple[str, int, int]]  # (question or "", start, end) of each cell in ``text``
    text: str
    fingerprint: object = None  # copydetect.CodeFingerprint, the given and common code subtracted


def answer_cells(nb: dict, given: set[str]) -> list[tuple[str, str]]:
    """The code cells that are not the template's, each with the question checked by the next code cell."""
    cells, pending = [], []
    for source in (c["source"] for c in nb["cells"] if c["cell_type"] == "code"):
        if source.strip() in given:
            question = (check_calls(source) or [""])[0]
            cells += [(question, s) for s in pending]
            pending = []
        elif source.strip():
            pending.append(source)
    return cells + [("", s) for s in pending]


def collect(submissions: Path, template_dir: Path) -> dict[str, list[Answers]]:
    """{notebook: the Answers of each readable submission of it}, parsed as the grader parses them."""
    submissions = Path(submissions)
    templates = {p.stem: {s.strip() for s in template_code(p)} for p in sorted(Path(template_dir).glob("*.ipynb"))}
    found: dict[str, list[Answers]] = {}
    for path, refused in find_submissions(submissions):
        sub = read_submission(path, submissions, list(templates), refused)
        if sub.status or sub.nb is None:
            continue
        text, cells = "", []
        for question, source in answer_cells(sub.nb, templates[sub.notebook]):
            start = len(text) + 2 * bool(text)
            text += "\n\n" * bool(text) + source
            cells.append((question, start, len(text)))
        found.setdefault(sub.notebook, []).append(
            Answers(sub.student, sub.notebook, sub.rel, cells, text[:MAX_ANSWER_CHARS])
        )
    return found


def fingerprint(text: str):
    """copydetect's fingerprint of Python text: names, strings, comments and spacing normalised away."""
    from copydetect import CodeFingerprint

    return CodeFingerprint("answers.py", NOISE, 1, fp=io.StringIO(text), language="python")


def subtract(fp, hashes: set) -> None:
    """Drop ``hashes`` from a fingerprint (copydetect's own boilerplate filter also drops repeated ones)."""
    from copydetect.utils import get_token_coverage

    fp.hashes = fp.hashes - hashes
    fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in hashes}
    fp.token_coverage = get_token_coverage(fp.hash_idx, fp.k, len(fp.filtered_code))


def compare(found: dict[str, list[Answers]], template_dir: Path) -> list[dict]:
    """Every pair of students on the same notebook, most similar first, with copydetect's copied slices."""
    from copydetect import compare_files

    pairs = []
    for notebook, group in sorted(found.items()):
        given = fingerprint("\n\n".join(template_code(Path(template_dir) / f"{notebook}.ipynb"))).hashes
        for answers in group:
            answers.fingerprint = fingerprint(answers.text)
        counts = Counter(h for a in group for h in a.fingerprint.hashes)
        common = {h for h, n in counts.items() if n >= 3 and n > COMMON * len(group)}
        for answers in group:
            subtract(answers.fingerprint, given | common)
        for a, b in combinations(group, 2):
            if a.student == b.student:
                continue
            pair = {"notebook": notebook, "a": a, "b": b, "share_a": 0.0, "share_b": 0.0, "slices": ([], [])}
            if a.fingerprint.hashes and b.fingerprint.hashes:
                _, (share_a, share_b), slices = compare_files(a.fingerprint, b.fingerprint)
                pair.update(share_a=float(share_a), share_b=float(share_b), slices=tuple(spans(s) for s in slices))
            pair["similarity"] = max(pair["share_a"], pair["share_b"])
            pair["questions"] = sorted({q for side, s in zip((a, b), pair["slices"], strict=True)
                                        for q in copied_questions(side, s)})  # fmt: skip
            pairs.append(pair)
    return sorted(pairs, key=lambda p: (-p["similarity"], p["notebook"], p["a"].student, p["b"].student))


def spans(slices) -> list[tuple[int, int]]:
    """copydetect's 2xN array of copied slices (an empty 1-D array when none) as (start, end) pairs."""
    return [(int(start), int(end)) for start, end in zip(*slices, strict=True)]


def copied_questions(answers: Answers, copied: list[tuple[int, int]]) -> set[str]:
    return {q or "other" for q, start, end in answers.cells if any(s < end and e > start for s, e in copied)}


def csv_rows(pairs: list[dict], threshold: float) -> list[dict]:
    return [
        {
            "notebook": p["notebook"],
            "student_a": p["a"].student,
            "student_b": p["b"].student,
            "similarity": f"{p['similarity']:.3f}",
            "share_a": f"{p['share_a']:.3f}",
            "share_b": f"{p['share_b']:.3f}",
            "flagged": "yes" if p["similarity"] >= threshold else "no",
            "questions": " ".join(p["questions"]),
            "submission_a": p["a"].submission,
            "submission_b": p["b"].submission,
        }
        for p in pairs
    ]


def marked(text: str, copied: list[tuple[int, int]], start: int, end: int) -> str:
    """``text[start:end]`` as HTML, the parts inside ``copied`` in ``<mark>``; everything escaped."""
    out, at = [], start
    for s, e in sorted(copied):
        s, e = max(s, at), min(e, end)
        if s < e:
            out += [html.escape(text[at:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
            at = e
    return "".join(out) + html.escape(text[at:end])


def side(answers: Answers, copied: list[tuple[int, int]], question: str) -> str:
    cells = [marked(answers.text, copied, s, e) for q, s, e in answers.cells if (q or "other") == question]
    return "".join(f"<pre>{c}</pre>" for c in cells) or '<p class="none">no answer</p>'


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.cells { width: 45%; }
pre { margin: 0 0 6px; padding: 6px; background: #fafafa; white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: #ffd54f; }
.none { color: #888; }
"""


def html_report(pairs: list[dict], threshold: float, compared: int) -> str:
    """The flagged pairs, most similar first, each with both students' cells side by side per question."""
    e = html.escape
    flagged = [p for p in pairs if p["similarity"] >= threshold]
    rows, sections = [], []
    for n, p in enumerate(flagged, 1):
        a, b = p["a"], p["b"]
        names = f"{e(a.student)} &amp; {e(b.student)}"
        rows.append(f'<tr class="pair"><td><a href="#pair-{n}">{n}</a></td><td>{e(p["notebook"])}</td>'
                    f"<td>{e(a.student)}</td><td>{e(b.student)}</td><td>{p['similarity']:.0%}</td>"
                    f"<td>{e(', '.join(p['questions']))}</td></tr>")  # fmt: skip
        questions = [q for q in dict.fromkeys((q or "other") for x in (a, b) for q, _, _ in x.cells)]
        body = "".join(f'<tr><th>{e(q)}</th><td class="cells">{side(a, p["slices"][0], q)}</td>'
                       f'<td class="cells">{side(b, p["slices"][1], q)}</td></tr>' for q in questions)  # fmt: skip
        sections.append(
            f'<section id="pair-{n}"><h2>{n}. {names}: {e(p["notebook"])}, {p["similarity"]:.0%}</h2>'
            f"<p>{p['share_a']:.0%} of {e(a.student)}'s answers are in {e(b.student)}'s, "
            f"{p['share_b']:.0%} of {e(b.student)}'s in {e(a.student)}'s.</p>"
            f'<table class="side"><tr><th>question</th><th>{e(a.student)}<br><small>{e(a.submission)}</small></th>'
            f"<th>{e(b.student)}<br><small>{e(b.submission)}</small></th></tr>{body}</table></section>"
        )
    table = (
        "<table><tr><th>#</th><th>notebook</th><th>student A</th><th>student B</th><th>similarity</th>"
        f"<th>questions with matching code</th></tr>{''.join(rows)}</table>"
        if rows
        else "<p>No pair reaches the threshold.</p>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>Similarity report</title><style>{STYLE}</style></head><body><h1>Similarity report</h1>"
        f"<p>{len(flagged)} of {compared} pairs of students at or above {threshold:.0%} similarity "
        "(the share of one student's answers found in the other's, given code and code most of the class "
        "shares left out; highlighted: the matching parts). Similar is not copied: read the cells.</p>"
        f"{table}{''.join(sections)}</body></html>\n"
    )


def similarity_report(submissions: Path, out: Path, template_dir: Path, threshold: float = THRESHOLD) -> list[dict]:
    """Write OUT/similarity.csv and OUT/similarity.html; return the csv's rows."""
    pairs = compare(collect(submissions, template_dir), template_dir)
    rows = csv_rows(pairs, threshold)
    reports.write_atomic(Path(out) / "similarity.csv", reports.write_csv(COLUMNS, rows))
    reports.write_atomic(Path(out) / "similarity.html", html_report(pairs, threshold, len(pairs)))
    return rows


def summary(rows: list[dict], threshold: float) -> str:
    return f"{sum(r['flagged'] == 'yes' for r in rows)} of {len(rows)} pair(s) at or above {threshold:.0%}"


def after_grading(submissions: Path, out: Path, template_dir: Path, quiet: bool = False) -> None:
    """The report after a batch: a failure is one line on stderr, never the batch's."""
    try:
        rows = similarity_report(submissions, out, template_dir)
        if not quiet:
            print(f"similarity: {summary(rows, THRESHOLD)} -> {Path(out) / 'similarity.html'}")
    except Exception as e:
        print(f"similarity report not written: {type(e).__name__}: {e}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_tools.grading.similarity", description=__doc__.split("\n")[0]
    )
    parser.add_argument("submissions", type=Path, help="folder of submitted .ipynb files (any depth)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "build" / "grades", help="output folder (default: build/grades)"
    )
    parser.add_argument("--templates", type=Path, default=ROOT / "notebooks", help="folder of learner notebooks")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help=f"pairs listed (default: {THRESHOLD})")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"no such folder: {args.submissions}")
    rows = similarity_report(args.submissions, args.out, args.templates, args.threshold)
    print(f"{summary(rows, args.threshold)} -> {args.out / 'similarity.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
