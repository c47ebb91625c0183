"""How long a notebook takes a careful learner: the README's two time columns.

A careful learner reads prose at 150 words a minute and code at 10 lines a minute (collapsed proof cells
and the check cells are run, not read), spends 10 minutes on each exercise (45 on the capstone's open
design) and 5 on the self-check quiz, and waits for Run All at the learner's time scale. The main path is
everything but the optional `## Going deeper` appendix, which is counted on its own.

    python scripts/reading_time.py          # the counts, with the last measured Run All (what tests check)
    python scripts/reading_time.py --run    # runs every learner notebook at COURSE_TIME_SCALE=1 first and
                                            # records its Run All in scripts/run_all_minutes.json
"""

import argparse
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from proof_cells import is_proof

ROOT = Path(__file__).resolve().parents[1]
RUN_ALL = Path(__file__).with_name("run_all_minutes.json")
WORDS_PER_MINUTE, LINES_PER_MINUTE = 150, 10
EXERCISE_MINUTES, OPEN_DESIGN_MINUTES, QUIZ_MINUTES = 10, 45, 5
DEEPER = "## Going deeper"
LIMIT = 60  # one sitting: a lesson's main path


@dataclass(frozen=True)
class Count:
    words: int = 0
    lines: int = 0
    exercises: int = 0
    open_designs: int = 0
    quiz: bool = False

    @property
    def minutes(self) -> float:
        return (
            self.words / WORDS_PER_MINUTE
            + self.lines / LINES_PER_MINUTE
            + (self.exercises - self.open_designs) * EXERCISE_MINUTES
            + self.open_designs * OPEN_DESIGN_MINUTES
            + self.quiz * QUIZ_MINUTES
        )


def counts(path: Path) -> tuple[Count, Count]:
    """(the main path's count, the Going deeper appendix's count) of a learner notebook."""
    parts = {False: Count(), True: Count()}
    deeper = False
    for cell in nbformat.read(path, as_version=4).cells:
        source = cell.source
        if cell.cell_type == "markdown":
            if source.startswith("## "):
                deeper = source.startswith(DEEPER)
            part = parts[deeper]
            parts[deeper] = Count(
                part.words + len(source.split()),
                part.lines,
                part.exercises + source.lstrip().startswith("**Exercise"),
                part.open_designs + ("**Exercise" in source and "open design" in source.split("\n", 1)[0]),
                part.quiz or source.startswith("## Self-check"),
            )
        elif cell.cell_type == "code" and not _run_not_read(source):
            part = parts[deeper]
            lines = sum(1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#"))
            parts[deeper] = Count(part.words, part.lines + lines, part.exercises, part.open_designs, part.quiz)
    return parts[False], parts[True]


def _run_not_read(source: str) -> bool:
    """Cells a learner runs without reading: proofs (collapsed), otter's init cell, checks."""
    return is_proof(source) or source.startswith(("# Initialize Otter", "grader.check(")) or "otter." in source[:200]


def run_all_minutes(path: Path) -> float:
    """Minutes Run All takes at the learner's time scale (fake models)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    os.environ.update(COURSE_TIME_SCALE="1", COURSE_MODEL="fake")
    started = time.monotonic()
    where = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, kernel_name="parallel-course", timeout=900, resources=where).execute()
    return (time.monotonic() - started) / 60


def measured_run_all() -> dict[str, float]:
    """{notebook: minutes} of the last ``--run``."""
    return json.loads(RUN_ALL.read_text()) if RUN_ALL.exists() else {}


def stated(minutes: float) -> int:
    """A time as the README states it: up to the next 5 minutes."""
    return 5 * math.ceil(minutes / 5)


def readme_times(path: Path) -> tuple[int, int]:
    """(the main path with Run All, the Going deeper appendix), in the README's minutes."""
    main, deeper = counts(path)
    return stated(main.minutes + measured_run_all().get(path.stem, 0.0)), stated(deeper.minutes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="first time Run All at COURSE_TIME_SCALE=1")
    parser.add_argument("notebooks", nargs="*", help="notebook numbers to run (default: all)")
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.run:
        runs = measured_run_all()
        for path in paths:
            if not args.notebooks or path.stem[:2] in args.notebooks:
                runs[path.stem] = round(run_all_minutes(path), 2)
        RUN_ALL.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
    for path in paths:
        main_path, deeper = counts(path)
        run_all = measured_run_all().get(path.stem, 0.0)
        total, appendix = readme_times(path)
        print(f"{path.stem}: main path {main_path.minutes:.0f} min + Run All {run_all:.1f} min -> {total} min; "
              f"going deeper {deeper.minutes:.0f} min -> {appendix} min")


if __name__ == "__main__":
    main()
