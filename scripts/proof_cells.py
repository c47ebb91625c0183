"""Proof cells: a notebook's checks of its own claims (asserts, then one printed line of what they verified).

The website hides them (scripts/build_site.py); learner notebooks show them collapsed (scripts/assign.py).
"""

import ast

import nbformat


def is_proof(source: str) -> bool:
    """True for a cell that only proves: asserts, ``if``/``for`` blocks of them, ``_name = ...``, runs held at a
    gate (``with pc.gate(...): ...``), ``pc.verify_timing(...)`` and ``.reset()`` calls, and at the end of the
    cell (or of a top-level ``if``/``else`` branch) one ``print`` of what it verified."""
    try:
        body = compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT).body
    except SyntaxError:
        return False
    return proves_only(body, may_print=True) and any(_proves(n) for s in body for n in ast.walk(s))


def _proves(node: ast.AST) -> bool:
    """An assert, a claim about speed (``pc.verify_timing``) or runs held at a gate (``pc.gate``)."""
    return isinstance(node, ast.Assert) or _pc_call(node, "verify_timing") or _pc_call(node, "gate")


def _pc_call(node: ast.AST, name: str) -> bool:
    """``pc.<name>(...)``."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "pc")


def proves_only(statements: list[ast.stmt], may_print: bool, gated: bool = False) -> bool:
    def one(s: ast.stmt, last: bool) -> bool:
        if isinstance(s, ast.If):
            return proves_only(s.body, may_print, gated) and proves_only(s.orelse, may_print, gated)
        if isinstance(s, ast.For):
            return proves_only(s.body, False, gated) and proves_only(s.orelse, False, gated)
        if isinstance(s, ast.With):  # runs held at a gate, to prove they overlap
            return all(_pc_call(item.context_expr, "gate") for item in s.items) and proves_only(s.body, False, True)
        if isinstance(s, ast.Assign):
            return all(isinstance(t, ast.Name) and t.id.startswith("_") for t in s.targets)
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call):
            call = s.value
            if isinstance(call.func, ast.Name):
                return may_print and last and call.func.id == "print"
            return gated or _pc_call(call, "verify_timing") or call.func.attr == "reset"
        return isinstance(s, ast.Assert)

    return all(one(s, i == len(statements) - 1) for i, s in enumerate(statements))


def says_what_it_verified(source: str) -> bool:
    """A proof cell prints what it verified, itself or through ``pc.verify_timing``."""
    return "print(" in source or "pc.verify_timing(" in source


def collapse_proofs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Collapse every proof cell's source in JupyterLab (its printed line stays in view)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and is_proof(cell.source):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return nb
