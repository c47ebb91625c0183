"""Generate the learner notebooks and autograder zips from ``solutions/`` with otter-grader.

    python scripts/assign.py --build 02 03   # otter assign: build/assign/<name>/ and build/autograder/<name>.zip
    python scripts/assign.py --install       # copy the built learner notebooks to notebooks/, README badges
    python scripts/assign.py --check         # fail if notebooks/ differs from the build (writes nothing)
    python scripts/assign.py --clean         # strip stored outputs from solutions/ (only files that have them)

``make assign`` and ``make check-assign`` call these; the Makefile rebuilds a notebook's zip only when
its solution (or the tools) changed. ``solutions/NN_*.ipynb`` (otter-assign format) is the single
source. Learner notebooks are written without outputs and with stable cell ids, so regenerating them
changes nothing unless a solution changed. When pyproject.toml names the course's public repository,
they start with Colab and Binder badges and Colab's set-up cell, and the README gets the course's
badges (scripts/launch.py).
"""

import argparse
import json
import logging
import re
import shutil
import sys
from pathlib import Path

import nbformat
from launch import add_launch_cells, configured_repository, readme_with_badges
from proof_cells import collapse_proofs

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


BUILD = ROOT / "build" / "assign"
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "instructors.md"
POINTS_START = "<!-- points judged outside: written from the zips -->"
POINTS_END = "<!-- end of points judged outside -->"
OTTER_INIT = re.compile(r"^# Initialize Otter\nimport otter\ngrader = otter\.Notebook\(([^)]*)\)$")
CHECKS_INIT = r"# Initialize Otter\nimport parallel_course as pc\ngrader = pc.Checks(\1)"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def built_learner(solution: Path) -> Path:
    return BUILD / solution.stem / "learner.ipynb"


def with_short_checks(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make otter's init cell create ``pc.Checks``, otter's grader with checks a learner reads at a glance."""
    init = nb.cells[0]
    assert OTTER_INIT.match(init.source), f"otter's init cell changed: {init.source!r}"
    init.source = OTTER_INIT.sub(CHECKS_INIT, init.source)
    return nb


def build(solution: Path, repository: str, out: Path) -> Path:
    """otter assign one solution into ``out``: its learner notebook (launch cells, normalised), returned."""
    shutil.rmtree(out, ignore_errors=True)
    run_otter_assign(solution, out / "otter")
    learner = out / "otter" / "student" / solution.name
    nb = collapse_proofs(with_short_checks(nbformat.read(learner, as_version=4)))
    nb = add_launch_cells(nb, repository, solution.name)
    nbformat.write(normalise(nb), out / "learner.ipynb")
    return out / "learner.ipynb"


def build_into_build(solution: Path, repository: str) -> None:
    """``build`` into build/assign/<name>/, and its autograder zip to build/autograder/<name>.zip."""
    build(solution, repository, BUILD / solution.stem)
    AUTOGRADER.mkdir(parents=True, exist_ok=True)
    zip_path = next((BUILD / solution.stem / "otter" / "autograder").glob("*-autograder_*.zip"))
    shutil.copyfile(zip_path, AUTOGRADER / f"{solution.stem}.zip")
    print(f"assigned {solution.name}")


def solutions_with_outputs() -> list[str]:
    """Solution notebooks that carry stored outputs or another kernelspec (they must be committed clean)."""
    return [path.name for path in solution_paths() if cleaned(nbformat.read(path, as_version=4)) is not None]


def cleaned(nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """The notebook without stored outputs and with the course kernelspec; None if it is so already."""
    before = json.dumps(nb, sort_keys=True)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    return None if json.dumps(nb, sort_keys=True) == before else nb


def clean_solutions() -> None:
    """Strip stored outputs from the solution notebooks that have them (others keep their time stamps)."""
    for path in solution_paths():
        nb = cleaned(nbformat.read(path, as_version=4))
        if nb is not None:
            nbformat.write(nb, path)
            print(f"cleaned {path.name}")


def with_points_outside(guide: str) -> str:
    """docs/instructors.md with its table of the points each notebook's zip judges outside the notebook."""
    from course_tools.grading.assignments import load_assignment
    from course_tools.grading.judging import points_outside

    start, end = guide.index(POINTS_START) + len(POINTS_START), guide.index(POINTS_END)
    kept = {line.split("|")[1].strip(): line for line in guide[start:end].splitlines() if line.startswith("| 0")}
    rows = ["| notebook | points | judged outside | run inside |", "|---|---|---|---|"]
    built = {p.stem for p in solution_paths()}  # with NB="...", the other zips may be stale: their rows stay
    for path in sorted((ROOT / "build" / "autograder").glob("[0-9][0-9]_*.zip")):
        if path.stem not in built and path.stem in kept:
            rows.append(kept[path.stem])
            continue
        tests = load_assignment(path, NOTEBOOKS).tests.values()
        total, outside = sum(t.possible for t in tests), sum(points_outside(t) for t in tests)
        rows.append(f"| {path.stem} | {total:g} | {outside:g} | {total - outside:g} |")
    return guide[:start] + "\n" + "\n".join(rows) + "\n" + guide[end:]


def install() -> None:
    """Copy the built learner notebooks to notebooks/ (removing those without a solution), the badges, and
    the guide's table of points judged outside."""
    README.write_text(readme_with_badges(README.read_text(), configured_repository()))
    GUIDE.write_text(with_points_outside(GUIDE.read_text()))
    NOTEBOOKS.mkdir(exist_ok=True)
    names = [p.name for p in solution_paths()]
    if not ONLY:
        for stale in {p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")} - set(names):
            (NOTEBOOKS / stale).unlink()
    for solution in solution_paths():
        shutil.copyfile(built_learner(solution), NOTEBOOKS / solution.name)


def check() -> int:
    """Return 0 if notebooks/ and the README match the build of solutions/, else 1. Writes nothing."""
    problems = [f"solutions/{name} has stored outputs" for name in solutions_with_outputs()]
    if README.read_text() != readme_with_badges(README.read_text(), configured_repository()):
        problems.append("README.md's launch badges are out of date")
    if GUIDE.read_text() != with_points_outside(GUIDE.read_text()):
        problems.append("docs/instructors.md's table of points judged outside is out of date")
    solutions = solution_paths()
    committed = {p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    if not ONLY:
        problems += [f"notebooks/{n} has no solution" for n in sorted(committed - {s.name for s in solutions})]
    for solution in solutions:
        current, built = NOTEBOOKS / solution.name, built_learner(solution)
        if not built.exists() or built.stat().st_mtime < solution.stat().st_mtime:
            problems.append(f"build/assign/{solution.stem} is missing or older than its solution: `make check-assign`")
        elif not current.exists():
            problems.append(f"notebooks/{solution.name} is missing")
        elif json.loads(current.read_text()) != json.loads(built.read_text()):
            problems.append(f"notebooks/{solution.name} is out of date")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Run `make assign` and commit the result.", file=sys.stderr)
        return 1
    print(f"notebooks/ is up to date with solutions/ ({len(solutions)} notebooks)")
    return 0


if __name__ == "__main__":
    logging.getLogger("otter").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    for flag, text in [
        ("--build", "otter assign the solutions into build/"),
        ("--install", "copy the built learner notebooks to notebooks/"),
        ("--check", "fail if notebooks/ is out of date (writes nothing)"),
        ("--clean", "strip stored outputs from solutions/"),
    ]:
        action.add_argument(flag, action="store_true", help=text)
    parser.add_argument("only", nargs="*", help="notebook name prefixes (default: all), e.g. 02 03")
    args = parser.parse_args()
    ONLY.extend(args.only)
    if args.build:
        for solution in solution_paths():
            build_into_build(solution, configured_repository())
    elif args.install:
        install()
    elif args.clean:
        clean_solutions()
    sys.exit(check() if args.check else 0)
