"""Proof cells: a notebook's checks of its own claims (asserts, then one printed line of what they verified).

The website hides them (scripts/build_site.py); learner notebooks show them collapsed (scripts/assign.py).
"""

import ast

import nbformat


def is_proof(source: str) -> bool:
    """True for a cell that only proves: asserts, ``if``/``for`` blocks of them, ``_name = ...``, and at the
    end of the cell (or of a top-level ``if``/``else`` branch) one ``print`` of what it verified."""
    try:
        body = compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT).body
    except SyntaxError:
        return False
    return proves_only(body, may_print=True) and any(isinstance(n, ast.Assert) for s in body for n in ast.walk(s))


def proves_only(statements: list[ast.stmt], may_print: bool) -> bool:
    def one(s: ast.stmt, last: bool) -> bool:
        if isinstance(s, ast.If):
            return proves_only(s.body, may_print) and proves_only(s.orelse, may_print)
        if isinstance(s, ast.For):
            return proves_only(s.body, False) and proves_only(s.orelse, False)
        if isinstance(s, ast.With) and all(_is_gate(item.context_expr) for item in s.items):
            return proves_only(s.body, False)  # calls held at ``pc.gate(...)``: "ran at once", proven
        if isinstance(s, ast.Assign):
            return all(isinstance(t, ast.Name) and t.id.startswith("_") for t in s.targets)
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name):
            return may_print and last and s.value.func.id == "print"
        return isinstance(s, ast.Assert)

    return all(one(s, i == len(statements) - 1) for i, s in enumerate(statements))


def _is_gate(expression: ast.expr) -> bool:
    """``pc.gate(...)``: the course's gate, which holds calls until they all wait (parallel_course.inflight)."""
    return (isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute)
            and expression.func.attr == "gate" and isinstance(expression.func.value, ast.Name)
            and expression.func.value.id == "pc")


def collapse_proofs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Collapse every proof cell's source in JupyterLab (its printed line stays in view)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and is_proof(cell.source):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return nb
