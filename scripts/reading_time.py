"""How long a notebook takes a careful learner: the README's "time" column.

A careful reader reads prose at 200 words a minute and lesson code at 15 lines a minute, spends 5 minutes
on each exercise (the capstone's one open project: 60) and 3 on the self-check quiz, and waits for Run All
at the human time scale. Proof cells, check cells and a `## Going deeper` section are not counted.

    python scripts/reading_time.py          # the estimate without running (what tests/ check)
    python scripts/reading_time.py --run    # also runs every learner notebook at COURSE_TIME_SCALE=1
"""

import argparse
import math
import os
import time
from pathlib import Path

import nbformat
from proof_cells import is_proof

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE, LINES_PER_MINUTE = 200, 15
EXERCISE_MINUTES, PROJECT_MINUTES, QUIZ_MINUTES = 5, 60, 3
LIMIT = 75  # one sitting


def reading_minutes(path: Path) -> float:
    """Minutes to read, think through and answer a learner notebook, Run All's waiting left out."""
    words = lines = exercises = 0
    deeper = False
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            deeper = cell.source.startswith("## Going deeper") or (deeper and not cell.source.startswith("## "))
            if not deeper:
                words += len(cell.source.split())
                exercises += cell.source.startswith("**Exercise")
        elif cell.cell_type == "code" and not deeper and not _machinery(cell.source):
            lines += sum(1 for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#"))
    per_exercise = PROJECT_MINUTES if "capstone" in path.stem else EXERCISE_MINUTES
    return words / WORDS_PER_MINUTE + lines / LINES_PER_MINUTE + exercises * per_exercise + QUIZ_MINUTES


def _machinery(source: str) -> bool:
    """Cells a learner runs without reading: proofs, otter's init cell, checks."""
    return is_proof(source) or source.startswith(("# Initialize Otter", "grader.check(")) or "otter." in source[:200]


def run_all_minutes(path: Path) -> float:
    """Minutes Run All takes at the human time scale (fake models)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    os.environ.update(COURSE_TIME_SCALE="1", COURSE_MODEL="fake")
    started = time.monotonic()
    where = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, kernel_name="parallel-course", timeout=600, resources=where).execute()
    return (time.monotonic() - started) / 60


def readme_minutes(reading: float, run_all: float = 0.0) -> int:
    """The time the README states: reading plus Run All, up to the next 5 minutes."""
    return 5 * math.ceil((reading + run_all) / 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="also time Run All at COURSE_TIME_SCALE=1")
    args = parser.parse_args()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        reading = reading_minutes(path)
        run_all = run_all_minutes(path) if args.run else 0.0
        total = readme_minutes(reading, run_all)
        print(f"{path.stem}: reading {reading:.0f} min, Run All {run_all:.1f} min -> {total} min")


if __name__ == "__main__":
    main()
