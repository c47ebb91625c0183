"""Submissions: finding the notebooks in a folder, reading them, matching each to an assignment."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

from .text import short


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


def read_submission(path: Path, folder: Path, names: list[str]) -> Submission:
    """Hash, parse and match one file to one of the assignment ``names``; never raises."""
    import nbformat

    rel = path.relative_to(folder)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()[:16]
    names = sorted(names)
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
        sub.notes.append(short(str(e), 160))
        sub.student = student_id(rel, by_name)
        return sub
    meta = (sub.nb["metadata"].get("otter") or {}).get("assignment_name") or ""
    if meta in names:
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
