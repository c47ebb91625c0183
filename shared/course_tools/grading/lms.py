"""LMS downloads and gradebooks: which student a Canvas or Moodle file name is, and the CSV that takes grades back.

Canvas's "Download Submissions" names each file ``<sortable name>[_LATE]_<user id>_<attachment id>_<file>``
(``lib/content_zipper.rb`` in canvas-lms: the name lower-cased, everything but letters, digits and ``_``
dropped); Moodle's "Download all submissions" prefixes ``<Full Name>_<participant id>_assignsubmission_file_``
to a folder or to each file (``mod/assign/locallib.php``: ``_`` in the name become spaces). See
``docs/instructors.md``, "From an LMS download to its gradebook".
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .reports import SCORED, write_atomic, write_csv
from .submissions import MAX_NOTEBOOK_BYTES, Submission, find_submissions, match_by_name, read_submission, student_id
from .text import shown, size

LMSES = ("canvas", "moodle")
CANVAS_NAME = re.compile(
    r"^(?:(?P<name>.+?)_)??(?:(?P<late>LATE)_)?(?P<id>\d+|anon_[^\W_]+)_(?P<attachment>\d+)_(?P<file>.+)$"
)
MOODLE_NAME = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_[a-z]+_(?P<file>.*)$")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_ASSIGNMENT = re.compile(r"^.+ \(\d+\)$")  # the gradebook's column title: "Name (assignment id)"
CANVAS_IMPORT, MOODLE_IMPORT = "canvas-import.csv", "moodle-grades.csv"
MAX_MEMBERS = 5_000  # zip members extracted at most; the rest get a row each
MAX_EXTRACTED_BYTES = 1_000_000_000  # bytes written at most, whatever the members claim


@dataclasses.dataclass(frozen=True)
class Identity:
    name: str  # as the LMS wrote it in the file name
    lms_id: str  # Canvas user id (or anon_...), Moodle participant id
    late: bool = False

    @property
    def student(self) -> str:
        """The ``student`` of grades.csv: unique per LMS id, readable."""
        return f"{self.name} ({self.lms_id})" if self.name else self.lms_id


@dataclasses.dataclass
class Options:
    """What ``--lms``, ``--lms-assignment`` and ``--lms-worksheet`` asked for."""

    name: str = ""  # "canvas", "moodle", or "" (detect the layout, write no gradebook)
    assignment: str = ""  # Canvas: the gradebook column, "Name (assignment id)"
    worksheet: Path | None = None  # Moodle: the grading worksheet downloaded from the assignment

    def check(self) -> str:
        """Why these options cannot work ("" if they can)."""
        if self.name == "canvas" and not CANVAS_ASSIGNMENT.match(self.assignment):
            return '--lms canvas needs --lms-assignment "Assignment name (id)", the id from the assignment\'s URL'
        if self.name == "moodle":
            if not self.worksheet or not self.worksheet.is_file():
                return "--lms moodle needs --lms-worksheet PATH: the assignment's downloaded grading worksheet (CSV)"
            return worksheet_problem(self.worksheet.read_bytes())
        return ""


def parse(rel: str, lms: str) -> Identity | None:
    """The student a submission's path (relative to the download) names in ``lms``'s layout, else None.

    Its first part is parsed (a Moodle folder, a Canvas file), past any ``/`` or ``..`` a hostile zip gave it."""
    parts = [part for part in PurePosixPath(rel).parts if part not in ("/", "..")]
    top = parts[0] if parts else ""
    found = (CANVAS_NAME if lms == "canvas" else MOODLE_NAME).match(top)
    if not found:
        return None
    late = lms == "canvas" and bool(found["late"])
    return Identity((found["name"] or "").strip(), found["id"], late)


def detect(rels: list[str]) -> str:
    """The LMS whose names most of the download's top-level entries follow, else "" (the course's own layout)."""
    tops = {PurePosixPath(rel).parts[0] for rel in rels if rel}
    for lms in ("moodle", "canvas"):  # Moodle's names are the more specific
        if tops and 2 * sum(parse(top, lms) is not None for top in tops) > len(tops):
            return lms
    return ""


def collect(folder: Path, refused: list[tuple[str, str]], names: list[str], lms: str = "") -> list[Submission]:
    """Every submission of a download (its files, and the zip members ``refused``), each named after its student.

    ``lms`` is the layout ("canvas", "moodle"); "" detects it, and leaves the course's own layout as it is."""
    subs = [read_submission(path, folder, names, why) for path, why in find_submissions(folder)]
    subs += [refused_member(folder, name, why, names) for name, why in refused]
    lms = lms or detect([s.rel for s in subs])
    if lms:
        map_students(subs, lms)
    return subs


def map_students(subs: list[Submission], lms: str) -> None:
    """Name each submission's student after its LMS id; one that maps to none becomes ``unmatched``."""
    for sub in subs:
        who = parse(sub.rel, lms)
        if who is None:
            sub.notes.append(f"maps to no {lms.capitalize()} student: its name is not the download's pattern")
            sub.status = sub.status or "unmatched"
            continue
        sub.student = who.student
        if who.late:
            sub.notes.append("late (Canvas marked it LATE)")


# ---------------------------------------------------------------------------------------------
# A zip download, extracted safely


@contextlib.contextmanager
def unpacked(path: Path) -> Iterator[tuple[Path, list[tuple[str, str]]]]:
    """A folder holding ``path`` (itself, or the zip's files in a temporary folder), and the members left out, why."""
    if path.is_dir():
        yield path, []
        return
    with tempfile.TemporaryDirectory(prefix="lms-download-") as tmp:
        yield Path(tmp), extract(path, Path(tmp))


def extract(archive: Path, folder: Path) -> list[tuple[str, str]]:
    """Extract the zip's regular files into ``folder``; return every member left out, with why.

    Refused: absolute paths, ``..``, links and other special files, members over the notebook size cap,
    and anything past ``MAX_MEMBERS`` members or ``MAX_EXTRACTED_BYTES`` bytes."""
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as e:
        raise SystemExit(f"not a folder nor a readable zip: {archive} ({e})") from None
    refused, written, count = [], 0, 0
    with zf:
        for info in zf.infolist():
            name = member_name(info)
            parts = PurePosixPath(name.replace("\\", "/")).parts
            hidden = any(p.startswith(".") and p != ".." for p in parts)  # skipped in a folder too
            if info.is_dir() or not parts or parts[0] == "__MACOSX" or hidden:
                continue
            why = member_refusal(info, name, parts)
            if not why and count >= MAX_MEMBERS:
                why = f"more than {MAX_MEMBERS:,} files in the zip: not extracted"
            if not why and written + info.file_size > MAX_EXTRACTED_BYTES:
                why = f"the zip holds more than {size(MAX_EXTRACTED_BYTES)}: not extracted"
            if not why:
                try:
                    written += write_member(zf, info, folder.joinpath(*parts))
                    count += 1
                except (OSError, ValueError, zipfile.BadZipFile, NotImplementedError, EOFError) as e:
                    why = f"cannot be extracted: {e.strerror if isinstance(e, OSError) and e.strerror else e}"
            if why:
                refused.append((name, why))
    return refused


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; a UTF-8 name the zip did not flag as UTF-8 (zipfile read it as cp437) decoded right."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def member_refusal(info: zipfile.ZipInfo, name: str, parts: tuple[str, ...]) -> str:
    """Why a zip member is not extracted ("" if it is)."""
    mode = info.external_attr >> 16
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path in the zip: not extracted"
    if ".." in parts or "\0" in name:
        return "a path out of the download (..) in the zip: not extracted"
    if stat.S_ISLNK(mode):
        return "a symbolic link in the zip: links are not followed, submit the file itself"
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type at all: a zip made without Unix modes
        return "not a regular file in the zip: not extracted"
    if info.file_size > MAX_NOTEBOOK_BYTES:
        return f"larger than {size(MAX_NOTEBOOK_BYTES)} ({info.file_size:,} bytes): not extracted"
    return ""


def write_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int:
    """Copy one member to a new file ``target``, at most the size cap (a member may lie about its size)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src:
        data = src.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"larger than {size(MAX_NOTEBOOK_BYTES)} once decompressed")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return len(data)


def refused_member(folder: Path, name: str, why: str, names: list[str]) -> Submission:
    """The ``unreadable`` row of a zip member that was not extracted."""
    rel = shown(name)
    notebook = match_by_name(PurePosixPath(name).stem, sorted(names))
    return Submission(folder / "refused", rel, student_id(Path(rel), notebook), "", notebook, None, "unreadable", [why])


# ---------------------------------------------------------------------------------------------
# The gradebooks


def export(options: Options, rows: list[dict], out: Path) -> list[str]:
    """Write the gradebook import of ``rows`` (one notebook's) for ``options.name`` to OUT; what to tell the user."""
    notebooks = {r.get("notebook") for r in rows if r.get("status") in SCORED}
    if len(notebooks) != 1:
        return [f"{options.name}: no gradebook written: the download holds {len(notebooks)} notebooks, not one"]
    best, notes = best_rows(rows, options.name)
    if options.name == "canvas":
        path, text = out / CANVAS_IMPORT, canvas_import(best, options.assignment)
    else:
        data = options.worksheet.read_bytes()
        text, absent = moodle_worksheet(data.decode("utf-8"), best)
        path = out / MOODLE_IMPORT
        notes += [f"moodle: not in the worksheet, no grade written: {', '.join(absent)}"] if absent else []
    write_atomic(path, text)
    return notes + [f"-> {path}"]


def best_rows(rows: list[dict], lms: str) -> tuple[dict[str, tuple[Identity, dict]], list[str]]:
    """Per LMS id, its scored row with the highest total (a student who sent several files); notes on the rest."""
    best: dict[str, tuple[Identity, dict]] = {}
    unscored, several = [], set()
    for row in rows:
        who = parse(row.get("submission", ""), lms)
        if who is None:
            continue
        if row.get("status") not in SCORED or row.get("total", "") == "":
            unscored.append(who.student)
            continue
        if who.lms_id in best:
            several.add(who.student)
            if float(row["total"]) <= float(best[who.lms_id][1]["total"]):
                continue
        best[who.lms_id] = (who, row)
    notes = [f"{lms}: several graded files, the best one kept: {', '.join(sorted(several))}"] if several else []
    unscored = sorted(set(unscored) - {who.student for who, _ in best.values()})
    notes += [f"{lms}: no grade for (not gradable, see grades.csv): {', '.join(unscored)}"] if unscored else []
    return best, notes


def canvas_import(best: dict[str, tuple[Identity, dict]], assignment: str) -> str:
    """Canvas's gradebook CSV: the student columns, one assignment column, a ``Points Possible`` row first."""
    columns = CANVAS_COLUMNS + [assignment]
    rows = [{"Student": "Points Possible", assignment: next(iter(best.values()))[1]["max"]}] if best else []
    for who, row in sorted(best.values(), key=lambda item: (item[0].name, item[0].lms_id)):
        rows.append({"Student": who.name, "ID": who.lms_id, assignment: row["total"]})
    return write_csv(columns, rows)


def moodle_worksheet(text: str, best: dict[str, tuple[Identity, dict]]) -> tuple[str, list[str]]:
    """The worksheet with the Grade of each graded participant filled in, every other byte kept; who is absent.

    The points are scaled to the worksheet's ``Maximum Grade`` when it has one."""
    records = field_spans(text)
    header = [field_value(text, span).lstrip("\ufeff") for span in records[0]]
    identifier, grade = header.index("Identifier"), header.index("Grade")
    maximum = header.index("Maximum Grade") if "Maximum Grade" in header else None
    pieces, at, found = [], 0, set()
    for record in records[1:]:
        if len(record) <= max(identifier, grade):
            continue
        lms_id = field_value(text, record[identifier]).removeprefix("Participant ").strip()
        if lms_id not in best:
            continue
        row = best[lms_id][1]
        points, top = float(row["total"]), float(row["max"] or 0)
        if maximum is not None and maximum < len(record) and top:
            with contextlib.suppress(ValueError):  # an empty or odd Maximum Grade: the points as they are
                points = points * float(field_value(text, record[maximum])) / top
        start, end = record[grade]
        pieces += [text[at:start], f"{points:.2f}"]
        at = end
        found.add(lms_id)
    pieces.append(text[at:])
    return "".join(pieces), sorted(who.student for lms_id, (who, _) in best.items() if lms_id not in found)


def worksheet_problem(data: bytes) -> str:
    """Why ``data`` is not a Moodle grading worksheet this can fill ("" if it is one)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "the Moodle worksheet is not UTF-8 text"
    records = field_spans(text)
    header = [field_value(text, span).lstrip("\ufeff") for span in records[0]] if records else []
    missing = [c for c in ("Identifier", "Grade", "Last modified (grade)") if c not in header]  # Moodle needs all 3
    return f"the Moodle worksheet has no {' or '.join(missing)} column (an English Moodle's names)" if missing else ""


def field_spans(text: str) -> list[list[tuple[int, int]]]:
    """Each CSV record of ``text`` as the (start, end) of its fields, quotes included (RFC 4180)."""
    records, fields, start, quoted, i = [], [], 0, False, 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1 : i + 2] == '"':
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == ",":
            fields.append((start, i))
            start = i + 1
        elif char in "\r\n":
            records.append([*fields, (start, i)])
            fields = []
            i += char == "\r" and text[i + 1 : i + 2] == "\n"
            start = i + 1
        i += 1
    if start < len(text) or fields:
        records.append([*fields, (start, len(text))])
    return records


def field_value(text: str, span: tuple[int, int]) -> str:
    raw = text[span[0] : span[1]]
    return raw[1:-1].replace('""', '"') if raw.startswith('"') and raw.endswith('"') and len(raw) > 1 else raw
