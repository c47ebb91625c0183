"""What the grading tests share: submissions built from a learner notebook and its solution (notebook 01 by
default), and the grader run on them."""

import ast
import csv
import doctest
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from exercises import ROOT, wrong_answers

from course_tools.grading.assignments import INIT_CELL, check_calls, load_assignment
from parallel_course.otter_files import is_answer_cell, solution_code

NAME = "01_runnable_parallel_overview"


# ---------------------------------------------------------------------------------------------
# Building submissions


def answers(name: str = NAME) -> dict[str, str]:
    return solution_code(ROOT / "solutions" / f"{name}.ipynb")


def wrong() -> dict[str, str]:
    return wrong_answers(NAME)


def learner(name: str = NAME) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def answered(given: dict[str, str], nb=None, name: str = NAME) -> nbformat.NotebookNode:
    """The learner notebook with the answer cells of ``given`` filled in (in notebook order)."""
    nb = nb or learner(name)
    cells = [c for c in nb.cells if is_answer_cell(c)]
    for question, cell in zip(list(answers(name)), cells, strict=True):
        if question in given:
            cell.source = given[question]
    return nb


def loaded_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def reduced(nb: nbformat.NotebookNode, assignment, name: str = NAME) -> nbformat.NotebookNode:
    """Drop the lesson cells that neither the answers nor the tests need (backward slicing)."""
    needed = set().union(*(loaded_names(code) for code in answers(name).values()))
    for question in assignment.tests.values():
        for case in question.test_cases:
            source = "".join(e.source for e in doctest.DocTestParser().get_examples(case.body))
            needed |= loaded_names(source)
    keep = []
    for cell in reversed(nb.cells):
        if cell.cell_type != "code" or is_answer_cell(cell) or check_calls(cell.source):
            keep.append(cell)
        elif INIT_CELL.match(cell.source) or defined_names(cell.source) & needed:
            keep.append(cell)
            needed |= loaded_names(cell.source)
    nb.cells = keep[::-1]
    return nb


def minimal(*sources: str) -> nbformat.NotebookNode:
    """The learner notebook's init cell and check cells only, with ``sources`` run first."""
    nb = learner()
    init = [c for c in nb.cells if INIT_CELL.match(c.source)]
    checks = [c for c in nb.cells if c.cell_type == "code" and check_calls(c.source)]
    nb.cells = init + [nbformat.v4.new_code_cell(s) for s in sources] + checks
    return nb


def insert_after(nb, predicate, source: str) -> nbformat.NotebookNode:
    index = next(i for i, c in enumerate(nb.cells) if predicate(c))
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def is_check(question: str):
    return lambda c: c.cell_type == "code" and question in check_calls(c.source)


def is_setup(cell) -> bool:
    return cell.cell_type == "code" and "describe_mode()" in cell.source


def write(nb, folder: Path, student: str, name: str = f"{NAME}.ipynb") -> Path:
    path = folder / student / name if student else folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def autograder_zip(folder: Path, name: str = NAME) -> Path:
    """build/autograder's zip if it is newer than the solution and agrees with notebooks/, else a fresh one."""
    built, target = ROOT / "build" / "autograder" / f"{name}.zip", folder / f"{name}.zip"
    solution = ROOT / "solutions" / f"{name}.ipynb"
    if built.exists() and built.stat().st_mtime >= solution.stat().st_mtime:
        visible = {
            question: [c["code"] for c in test["suites"][0]["cases"]]
            for question, test in learner(name).metadata["otter"]["tests"].items()
        }
        shipped = load_assignment(built, ROOT / "notebooks")
        if visible == {q: [c.body for c in t.test_cases if not c.hidden] for q, t in shipped.tests.items()}:
            target.write_bytes(built.read_bytes())
            return target
    import assign  # scripts/assign.py: otter assign into a temporary folder

    assign.run_otter_assign(solution, folder / "assign")
    target.write_bytes(next((folder / "assign" / "autograder").glob("*-autograder_*.zip")).read_bytes())
    return target


NOT_ROOT = ("unshare", "--user", "--map-root-user")  # a grader that is not the machine's root: a user namespace's


def grading_folders(tmp_path_factory, label: str, name: str = NAME):
    """A new folder holding a fresh autograder zip (``zips``), an empty ``submissions`` and ``out``:
    (zips, subs, out, the zip's assignment)."""
    tmp = tmp_path_factory.mktemp(label)
    zips, subs, out = tmp / "autograder", tmp / "submissions", tmp / "out"
    for folder in (zips, subs, out):
        folder.mkdir()
    autograder_zip(zips, name)
    return zips, subs, out, load_assignment(zips / f"{name}.zip", ROOT / "notebooks")


def run_grader(subs: Path, out: Path, autograder: Path, *args: str, wait: bool = True, prefix: tuple[str, ...] = (),
               env: dict[str, str] | None = None, check: bool = True):  # fmt: skip
    """scripts/grade.py in a subprocess (after ``prefix``), its temporary folders under ``subs.parent / "tmp"``."""
    command = [*prefix, sys.executable, str(ROOT / "scripts" / "grade.py"), str(subs), "--out", str(out)]
    command += ["--autograder", str(autograder), "--workers", "2", "--quiet", *args]
    (subs.parent / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(subs.parent / "tmp"), **(env or {})}
    if not wait:
        return subprocess.Popen(command, cwd=subs.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = subprocess.run(command, cwd=subs.parent, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 or not check, done.stderr[-3000:]
    return done


def read_rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def processes_named(mark: str) -> list[int]:
    """Pids of the processes on this machine whose command line holds ``mark``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def parent_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
