"""Each notebook's time is recorded after a run, and the next run hands out the longest first."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import notebook_times

ROOT = notebook_times.RECORDS.parents[1]


def cells(*spec: tuple[str, int]) -> list:
    """Items with the node ids nbval gives: ``(notebook, number of cells)`` in collection order."""
    return [SimpleNamespace(nodeid=f"{name}::Cell {i}") for name, n in spec for i in range(n)]


def test_the_longest_recorded_notebook_comes_first_with_its_cells_in_order(tmp_path):
    times = tmp_path / "times.json"
    times.write_text(json.dumps({"a.ipynb": 3.0, "b.ipynb": 9.5, "c.ipynb": 1.0}))
    items = cells(("a.ipynb", 3), ("b.ipynb", 2), ("c.ipynb", 4))
    notebook_times.longest_first(items, times)
    assert [item.nodeid for item in items] == [
        "b.ipynb::Cell 0", "b.ipynb::Cell 1",
        "a.ipynb::Cell 0", "a.ipynb::Cell 1", "a.ipynb::Cell 2",
        "c.ipynb::Cell 0", "c.ipynb::Cell 1", "c.ipynb::Cell 2", "c.ipynb::Cell 3",
    ]  # fmt: skip


def test_a_notebook_with_no_record_goes_first_and_without_records_the_most_cells_do(tmp_path):
    times = tmp_path / "times.json"
    items = cells(("a.ipynb", 1), ("b.ipynb", 3), ("c.ipynb", 2))
    notebook_times.longest_first(items, times)
    assert [notebook_times.notebook_of(item.nodeid) for item in items][::2] == ["b.ipynb", "b.ipynb", "c.ipynb"]
    times.write_text(json.dumps({"b.ipynb": 9.0, "c.ipynb": 5.0}))
    notebook_times.longest_first(items, times)
    assert items[0].nodeid == "a.ipynb::Cell 0" and items[1].nodeid == "b.ipynb::Cell 0"


def test_other_tests_keep_their_order(tmp_path):
    items = [SimpleNamespace(nodeid=n) for n in ("t.py::test_z", "a.ipynb::Cell 0", "t.py::test_a")]
    notebook_times.longest_first(items, tmp_path / "none.json")
    assert [item.nodeid for item in items] == ["t.py::test_z", "a.ipynb::Cell 0", "t.py::test_a"]


def test_a_run_adds_its_times_and_keeps_the_notebooks_it_did_not_run(tmp_path):
    report = SimpleNamespace
    stats = {
        "passed": [report(nodeid="a.ipynb::Cell 0", duration=1.25), report(nodeid="a.ipynb::Cell 1", duration=2.0)],
        "": [report(nodeid="a.ipynb::Cell 0", duration=0.5), report(nodeid="t.py::test", duration=7.0)],
    }
    times = tmp_path / "build" / "times.json"
    notebook_times.save({"b.ipynb": 4.0}, times)
    notebook_times.save(notebook_times.totals(stats), times)
    assert json.loads(times.read_text()) == {"a.ipynb": 3.8, "b.ipynb": 4.0}


def test_pytest_collects_the_notebooks_in_the_recorded_order():
    env = os.environ | {"COURSE_TIME_SCALE": f"0.{os.getpid()}7"}  # a record of its own
    record = notebook_times.RECORDS / f"scale-{env['COURSE_TIME_SCALE']}.json"
    first, second = "notebooks/01_runnable_parallel_overview.ipynb", "notebooks/02_creating_parallel_chains.ipynb"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({first: 1.0, second: 2.0}))
    try:
        collected = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval-lax", first, second],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout.splitlines()
    finally:
        record.unlink()
    notebooks = [notebook_times.notebook_of(line) for line in collected if ".ipynb::" in line]
    assert notebooks[0] == second and notebooks[-1] == first
