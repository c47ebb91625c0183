"""`make assign` and `make check-assign`: incremental builds, and a check that writes nothing."""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import assign  # scripts/assign.py (scripts/ is on pytest's pythonpath)
import pytest
from exercises import ROOT
from support import make_plan

FIRST = "01_runnable_parallel_overview"


def state() -> dict[str, str]:
    """Hash and time stamp of every file the check could touch: sources, notebooks, README, build/."""
    paths = [*ROOT.glob("solutions/*.ipynb"), *ROOT.glob("notebooks/*.ipynb")]
    paths += [ROOT / "README.md", ROOT / "docs" / "instructors.md"]
    paths += [p for p in (ROOT / "build" / "assign").rglob("*") if p.is_file()]
    paths += list((ROOT / "build" / "autograder").glob("*.zip"))
    return {str(p): f"{hashlib.sha256(p.read_bytes()).hexdigest()} {p.stat().st_mtime_ns}" for p in paths}


def test_the_check_passes_on_the_committed_tree_and_writes_nothing():
    before = state()
    done = subprocess.run([sys.executable, "scripts/assign.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert state() == before


def test_the_check_fails_on_a_learner_notebook_that_differs_from_the_build(tmp_path, monkeypatch, capsys):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    nb = json.loads((notebooks / f"{FIRST}.ipynb").read_text())
    nb["cells"][1]["source"] = "edited by hand"
    (notebooks / f"{FIRST}.ipynb").write_text(json.dumps(nb))
    (notebooks / "99_orphan.ipynb").write_text("{}")
    monkeypatch.setattr(assign, "NOTEBOOKS", notebooks)
    assert assign.check() == 1
    said = capsys.readouterr().err
    assert f"notebooks/{FIRST}.ipynb is out of date" in said and "notebooks/99_orphan.ipynb has no solution" in said


@pytest.mark.timeout(600)  # three `make -n check-assign`: no scan, fractions of a second, more on a crowded machine
def test_make_rebuilds_only_the_solution_that_changed():
    def planned(*args: str) -> list[str]:
        return [line.split("--build", 1)[1].strip() for line in make_plan(*args, "check-assign").splitlines()
                if "--build" in line]

    assert planned() == []  # make test built everything before this session started
    assert planned("-W", f"solutions/{FIRST}.ipynb") == [FIRST]
    assert sorted(planned("-W", "scripts/launch.py")) == sorted(p.stem for p in assign.solution_paths())


def test_cleaning_leaves_clean_solutions_untouched(tmp_path, monkeypatch):
    monkeypatch.setattr(assign, "SOLUTIONS", tmp_path)
    clean, dirty = tmp_path / f"{FIRST}.ipynb", tmp_path / "02_dirty.ipynb"
    shutil.copyfile(ROOT / "solutions" / f"{FIRST}.ipynb", clean)
    nb = json.loads(clean.read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"], code["execution_count"] = [{"output_type": "stream", "name": "stdout", "text": "hi"}], 3
    dirty.write_text(json.dumps(nb))
    stamp = clean.stat().st_mtime_ns
    assert assign.solutions_with_outputs() == ["02_dirty.ipynb"]
    assign.clean_solutions()
    assert clean.stat().st_mtime_ns == stamp and assign.solutions_with_outputs() == []
    assert Path(dirty).read_text() != json.dumps(nb)


def test_the_guides_points_table_comes_from_the_zips_that_were_built(monkeypatch):
    """`make assign NB="07"` rebuilds one zip: the other rows stay as written, the full build rewrites them."""
    guide = (ROOT / "docs" / "instructors.md").read_text()
    row = next(line for line in guide.splitlines() if line.startswith(f"| {FIRST} |"))
    stale = guide.replace(row, f"| {FIRST} | 8 | 0 | 8 |")
    monkeypatch.setattr(assign, "ONLY", ["07"])
    assert f"| {FIRST} | 8 | 0 | 8 |" in assign.with_points_outside(stale)
    monkeypatch.setattr(assign, "ONLY", [])
    assert assign.with_points_outside(stale) == guide
