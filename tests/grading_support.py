"""What the grading tests share: notebook 01's submissions, built from the learner notebook and the solution."""

import ast
import doctest
from pathlib import Path

import nbformat
from exercises import ROOT, is_answer_cell, solution_code, wrong_answers

from parallel_course.grading.assignments import INIT_CELL, check_calls, load_assignment

NAME = "01_runnable_parallel_overview"
SOLUTION = ROOT / "solutions" / f"{NAME}.ipynb"
LEARNER = ROOT / "notebooks" / f"{NAME}.ipynb"


# ---------------------------------------------------------------------------------------------
# Building submissions


def answers() -> dict[str, str]:
    return solution_code(SOLUTION)


def wrong() -> dict[str, str]:
    return wrong_answers(NAME)


def learner() -> nbformat.NotebookNode:
    return nbformat.read(LEARNER, as_version=4)


def answered(given: dict[str, str], nb=None) -> nbformat.NotebookNode:
    """The learner notebook with the answer cells of ``given`` filled in (in notebook order)."""
    nb = nb or learner()
    cells = [c for c in nb.cells if is_answer_cell(c)]
    for question, cell in zip(list(answers()), cells, strict=True):
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


def reduced(nb: nbformat.NotebookNode, assignment) -> nbformat.NotebookNode:
    """Drop the lesson cells that neither the answers nor the tests need (backward slicing)."""
    needed = set().union(*(loaded_names(code) for code in answers().values()))
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


def autograder_zip(folder: Path) -> Path:
    """build/autograder's zip if it is newer than the solution and agrees with notebooks/, else a fresh one."""
    built, target = ROOT / "build" / "autograder" / f"{NAME}.zip", folder / f"{NAME}.zip"
    if built.exists() and built.stat().st_mtime >= SOLUTION.stat().st_mtime:
        visible = {
            name: [c["code"] for c in test["suites"][0]["cases"]]
            for name, test in learner().metadata["otter"]["tests"].items()
        }
        shipped = load_assignment(built, ROOT / "notebooks")
        if visible == {q: [c.body for c in t.test_cases if not c.hidden] for q, t in shipped.tests.items()}:
            target.write_bytes(built.read_bytes())
            return target
    import assign  # scripts/assign.py: otter assign into a temporary folder

    assign.run_otter_assign(SOLUTION, folder / "assign")
    target.write_bytes(next((folder / "assign" / "autograder").glob("*-autograder_*.zip")).read_bytes())
    return target


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
