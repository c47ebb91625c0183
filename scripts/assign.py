"""Generate the learner notebooks and autograder zips from ``solutions/`` with otter-grader.

    python scripts/assign.py           # regenerate notebooks/ and build/autograder/
    python scripts/assign.py --check   # fail if notebooks/ is out of date with solutions/ (zips refreshed)
    python scripts/assign.py 02 03     # only the notebooks whose names start so

``solutions/NN_*.ipynb`` (otter-assign format) is the single source. Learner notebooks
are written without outputs and with stable cell ids, so regenerating them changes
nothing unless a solution changed. When pyproject.toml names the course's public
repository, they start with Colab and Binder badges and Colab's set-up cell, and the
README gets the course's badges (scripts/launch.py).
"""

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from launch import add_launch_cells, configured_repository, readme_with_badges

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, NOTEBOOKS, AUTOGRADER = ROOT / "solutions", ROOT / "notebooks", ROOT / "build" / "autograder"


ONLY: list[str] = []  # notebook name prefixes given on the command line ("02", "03_result_merging")


def solution_paths() -> list[Path]:
    """The solution notebooks, in course order (only those named on the command line, if any)."""
    paths = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in paths if not ONLY or any(p.stem.startswith(o) for o in ONLY)]


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop outputs and execution counts; give cells ids that depend only on their position."""
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def run_otter_assign(solution: Path, out: Path) -> None:
    """Run otter assign on one solution notebook into ``out``."""
    from otter.assign import main as otter_assign

    otter_assign(str(solution), str(out), no_pdfs=True, no_run_tests=True)


def generate(target: Path, repository: str) -> dict[str, Path]:
    """Assign every solution into ``target``; return {notebook name: learner notebook path}.

    ``repository`` ("owner/name" on GitHub, or "") decides the launch cells (scripts/launch.py).
    """
    learners = {}
    for solution in solution_paths():
        out = target / solution.stem
        run_otter_assign(solution, out)
        learner = out / "student" / solution.name
        nb = add_launch_cells(nbformat.read(learner, as_version=4), repository, solution.name)
        nbformat.write(normalise(nb), learner)
        learners[solution.name] = learner
    return learners


def solutions_with_outputs() -> list[str]:
    """Solution notebooks that carry stored outputs (they must be committed clean)."""
    dirty = []
    for path in solution_paths():
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in nb.cells):
            dirty.append(path.name)
    return dirty


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def clean_solutions() -> None:
    """Strip stored outputs from the solution notebooks and give them the course kernelspec."""
    for path in solution_paths():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
        nbformat.write(nb, path)


README = ROOT / "README.md"


def assign() -> None:
    """Regenerate notebooks/ and build/autograder/ from solutions/, and the README's badges."""
    repository = configured_repository()
    README.write_text(readme_with_badges(README.read_text(), repository))
    clean_solutions()
    build = ROOT / "build" / "assign"
    for solution in solution_paths():
        shutil.rmtree(build / solution.stem, ignore_errors=True)
    learners = generate(build, repository)
    NOTEBOOKS.mkdir(exist_ok=True)
    if not ONLY:
        for stale in set(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) - set(learners):
            (NOTEBOOKS / stale).unlink()
    for name, learner in learners.items():
        shutil.copyfile(learner, NOTEBOOKS / name)
        print(f"assigned {name}")
    keep_autograder_zips(learners)


def keep_autograder_zips(learners: dict[str, Path]) -> None:
    """Copy each generated autograder zip to build/autograder/<notebook>.zip."""
    AUTOGRADER.mkdir(parents=True, exist_ok=True)
    for name, learner in learners.items():
        zip_path = next((learner.parent.parent / "autograder").glob("*-autograder_*.zip"))
        shutil.copyfile(zip_path, AUTOGRADER / f"{Path(name).stem}.zip")


def check() -> int:
    """Return 0 if notebooks/ matches a fresh generation from solutions/, else 1; refresh build/autograder/."""
    problems = [f"solutions/{name} has stored outputs" for name in solutions_with_outputs()]
    repository = configured_repository()
    if README.read_text() != readme_with_badges(README.read_text(), repository):
        problems.append("README.md's launch badges are out of date")
    with tempfile.TemporaryDirectory() as tmp:
        learners = generate(Path(tmp), repository)
        keep_autograder_zips(learners)
        committed = {p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
        if not ONLY:
            problems += [f"notebooks/{n} has no solution" for n in sorted(committed - set(learners))]
        for name, learner in learners.items():
            current = NOTEBOOKS / name
            if not current.exists():
                problems.append(f"notebooks/{name} is missing")
            elif json.loads(current.read_text()) != json.loads(learner.read_text()):
                problems.append(f"notebooks/{name} is out of date")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Run `make assign` and commit the result.", file=sys.stderr)
        return 1
    print(f"notebooks/ is up to date with solutions/ ({len(learners)} notebooks)")
    return 0


if __name__ == "__main__":
    logging.getLogger("otter").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="check that notebooks/ is up to date; only build/autograder/ is written"
    )
    parser.add_argument("only", nargs="*", help="notebook name prefixes (default: all), e.g. 02 03")
    args = parser.parse_args()
    ONLY.extend(args.only)
    sys.exit(check() if args.check else assign())
