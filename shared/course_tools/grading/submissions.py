"""Submissions: finding the notebooks in a folder, reading them, matching each to an assignment."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
from pathlib import Path

from .text import short, shown, size

MAX_NOTEBOOK_BYTES = 20_000_000  # larger files are not read (a learner's notebook is well under 1 MB)
MAX_JSON_VALUES = 500_000  # a bound on the objects parsing can make, so a 20 MB file cannot take gigabytes


@dataclasses.dataclass
class Submission:
    path: Path
    rel: str  # path relative to the submissions folder, as ``text.shown`` (in grades.csv)
    student: str  # as ``text.shown``
    sha256: str  # of the file ("" when it was not read)
    notebook: str = ""  # assignment name ("" when unmatched)
    nb: dict | None = None  # the parsed notebook (None when unreadable)
    status: str = ""  # "unreadable" / "unmatched" when it cannot be graded, else ""
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Its row's key in grades.csv (``reports.KEY_COLUMNS``): one row per file."""
        return (self.student, self.notebook, self.rel, self.sha256)


def find_submissions(folder: Path) -> list[tuple[Path, str]]:
    """Every entry under ``folder`` a row must account for, sorted, each with why it cannot be read ("" if it can).

    Regular ``.ipynb`` files are read; any other file, a symbolic link (never followed), a FIFO or
    device (never opened), a folder that cannot be listed and a top-level folder with no file get a
    reason. Hidden entries (``.DS_Store``, ``.ipynb_checkpoints``) and ``__MACOSX`` are skipped."""
    found, pending = [], [Path(folder)]
    top_level_files: dict[Path, bool] = {}
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            if directory == Path(folder):
                raise
            found.append((directory, f"a folder that cannot be listed ({e.strerror})"))
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__MACOSX":
                continue
            path = Path(entry.path)
            top = path.relative_to(folder).parts[0]
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as e:
                found.append((path, f"cannot be examined ({e.strerror})"))
                continue
            if stat.S_ISDIR(mode):
                pending.append(path)
                top_level_files.setdefault(Path(folder, top), False)
                continue
            top_level_files[Path(folder, top)] = True
            found.append((path, refusal(path, mode)))
    found += [(path, "an empty folder: no notebook in it") for path, has in top_level_files.items() if not has]
    return sorted(found, key=lambda f: f[0].relative_to(folder).parts)


def refusal(path: Path, mode: int) -> str:
    """Why a file is not read as a notebook ("" if it is a regular ``.ipynb`` file)."""
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {shown(os.readlink(path))}): links are not followed, submit the file itself"
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device file"
        return f"not a regular file ({kind}): not opened"
    if path.suffix != ".ipynb":
        hint = ": rename it to .ipynb" if path.suffix.lower() == ".ipynb" else ""
        return f"not a notebook: a {shown(path.suffix) or 'file without an extension'} file{hint}"
    return ""


def read_capped(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """At most ``limit + 1`` bytes of a regular file; never follows a link nor blocks on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file: not read")
        if info.st_size > limit:
            raise ValueError(f"larger than {size(limit)} ({info.st_size:,} bytes): not read")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {size(limit)}: not read")
    return data


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
        return shown(rel.parts[0])
    stem = shown(rel.stem)
    if notebook:
        stem = re.sub(re.escape(notebook), "", stem, flags=re.I)
    stem = re.sub(r"^[\s._-]+|[\s._-]+$", "", stem)
    return stem or shown(rel.stem)


def read_submission(path: Path, folder: Path, names: list[str], refused: str = "") -> Submission:
    """Hash, parse and match one file to one of the assignment ``names``; never raises (an ``error`` row).

    ``refused`` (from ``find_submissions``) makes it an ``unreadable`` row without opening the file."""
    try:
        return _read_submission(path, folder, names, refused)
    except Exception as e:  # a bug of the grader's: this file's row says so, the batch goes on
        rel = shown(path.relative_to(folder).as_posix())
        reason = f"grader error while reading: {type(e).__name__}: {short(str(e), 200)}"
        return Submission(path, rel, rel.split("/")[0], "", status="error", notes=[reason])


def _read_submission(path: Path, folder: Path, names: list[str], refused: str) -> Submission:
    rel = path.relative_to(folder)
    names = sorted(names)
    by_name = match_by_name(rel.stem, names) or (match_by_name(rel.parts[0], names) if len(rel.parts) > 1 else "")
    whole_folder = bool(refused) and path.is_dir() and not path.is_symlink()  # empty, or cannot be listed
    sub = Submission(path, shown(rel.as_posix()) + "/" * whole_folder, "", "")
    try:
        if refused:
            raise ValueError(refused)
        data = read_capped(path)
        sub.sha256 = hashlib.sha256(data).hexdigest()[:16]
        sub.nb = parse_notebook(data)
    except Exception as e:  # any problem is the submission's, not the batch's
        sub.status, sub.notebook = "unreadable", by_name
        sub.notes.append(short(e.strerror if isinstance(e, OSError) else str(e) or type(e).__name__, 160))
        sub.student = shown(rel.parts[0]) if whole_folder else student_id(rel, by_name)
        return sub
    meta = sub.nb["metadata"]["otter"]["assignment_name"]
    if meta in names:
        sub.notebook = meta
        if by_name and by_name != meta:
            sub.notes.append(f"file name says {by_name}, metadata says {meta}: graded as {meta}")
    elif by_name:
        sub.notebook = by_name
        if meta:
            unknown = short(repr(meta), 80)
            sub.notes.append(f"metadata names unknown assignment {unknown}; matched {by_name} by file name")
    else:
        sub.status = "unmatched"
        known = ", ".join(names) or "none: run `make autograder`"
        sub.notes.append(
            f"no autograder for {short(repr(meta), 80)} (notebook metadata)"
            if meta
            else "no assignment name in metadata or file name"
        )
        sub.notes.append(f"known: {known}")
    sub.student = student_id(rel, sub.notebook)
    return sub


def parse_notebook(data: bytes) -> dict:
    """What grading reads of a notebook: each cell's type and source, and otter's assignment name.

    Raises ``ValueError`` saying why ``data`` is not a notebook. The rest (outputs, metadata) is dropped."""
    if not data.strip():
        raise ValueError(f"empty file ({len(data)} bytes)")
    values = data.count(b",") + data.count(b"{") + data.count(b"[")
    if values > MAX_JSON_VALUES:
        raise ValueError(f"more than {MAX_JSON_VALUES:,} JSON values ({values:,}): not parsed")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"not valid JSON: {e}") from None
    except RecursionError:
        raise ValueError("not a notebook: JSON nested too deeply") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise ValueError("JSON but not a Jupyter notebook (no cells)")
    cells = []
    for index, cell in enumerate(raw["cells"]):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str) or not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"not a Jupyter notebook: cell {index} has no cell_type or source text")
        cells.append({"cell_type": cell["cell_type"], "source": source})
    metadata = raw.get("metadata")
    otter = metadata.get("otter") if isinstance(metadata, dict) else None
    name = otter.get("assignment_name") if isinstance(otter, dict) else None
    return {"cells": cells, "metadata": {"otter": {"assignment_name": name if isinstance(name, str) else ""}}}
