"""Each notebook's time under nbval: reported after a run, recorded, and used to run the longest first."""

import json
import os
from collections import Counter, defaultdict
from pathlib import Path

RECORDS = Path(__file__).resolve().parents[1] / "build" / "notebook-times"


def record() -> Path:
    """The times of the last runs at this COURSE_TIME_SCALE (a time depends on the scale)."""
    return RECORDS / f"scale-{os.environ.get('COURSE_TIME_SCALE', '1')}.json"


def notebook_of(nodeid: str) -> str:
    return nodeid.split("::")[0]


def longest_first(items: list, times: Path) -> None:
    """Order the notebooks by their time in ``times``, the longest first.

    pytest-xdist (``--dist loadfile --no-loadscope-reorder``) hands the files to its workers in
    this order, so the short notebooks fill the end of the run and no worker is left with a
    long one while the other waits. A notebook with no time goes first, and among those the one
    with most cells (xdist's own order). Cells keep their order; a run of other tests is not moved.
    """
    if not items or not all(".ipynb::" in item.nodeid for item in items):
        return
    seconds = json.loads(times.read_text()) if times.exists() else {}
    cells = Counter(notebook_of(item.nodeid) for item in items)

    def longest(item) -> tuple[float, int]:
        notebook = notebook_of(item.nodeid)
        return -seconds.get(notebook, float("inf")), -cells[notebook]

    items.sort(key=longest)


def totals(stats: dict) -> dict[str, float]:
    """Seconds per notebook in a terminal reporter's ``stats`` (set-up, cells and teardown)."""
    seconds: dict[str, float] = defaultdict(float)
    for reports in stats.values():
        for report in reports:
            nodeid, duration = getattr(report, "nodeid", ""), getattr(report, "duration", 0.0)
            if ".ipynb::" in nodeid:
                seconds[notebook_of(nodeid)] += duration
    return dict(seconds)


def save(seconds: dict[str, float], times: Path) -> None:
    """Add this run's ``seconds`` to ``times``, keeping the notebooks it did not run."""
    times.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(times.read_text()) if times.exists() else {}
    times.write_text(json.dumps(kept | {name: round(s, 1) for name, s in seconds.items()}, indent=1, sort_keys=True))
