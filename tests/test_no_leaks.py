"""No visible test gives an answer away: it never compares an answer with the value the solution gives it.

For every question of every solution notebook, the answers that are literal values in the solution
(``x = 1.6  # SOLUTION``, ``d = {"a": True, ...}``) are collected; a visible test (one a learner runs
and reads) fails this check if an expression mentions such an answer next to a literal equal to its
value, or to the value of the entry it indexes (``d["a"] is True``). Exact values belong in hidden tests.
"""

import ast
from pathlib import Path

import nbformat
import pytest
import yaml

from parallel_course.otter_files import raw_directive

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
HIDDEN = "hidden: true"


def questions(path: Path) -> dict[str, tuple[str, list[str]]]:
    """{question: (solution code, [visible test sources])} of a solution notebook."""
    found, question, block = {}, None, None
    for cell in nbformat.read(path, as_version=4).cells:
        directive = raw_directive(cell)
        if directive == "BEGIN QUESTION":
            question = yaml.safe_load(cell.source.split("\n", 1)[1])["name"]
            found[question] = ("", [])
        elif directive in ("BEGIN SOLUTION", "BEGIN TESTS"):
            block = directive
        elif directive in ("END SOLUTION", "END TESTS"):
            block = None
        elif cell.cell_type == "code" and block == "BEGIN SOLUTION":
            found[question] = (found[question][0] + _solution_lines(cell.source) + "\n", found[question][1])
        elif cell.cell_type == "code" and block == "BEGIN TESTS" and HIDDEN not in cell.source:
            found[question][1].append(cell.source)
    return found


def _solution_lines(source: str) -> str:
    """The cell as the solution runs it: the prompt block of ``# BEGIN PROMPT`` removed."""
    if "# BEGIN PROMPT" in source:
        head, _, rest = source.partition('""" # BEGIN PROMPT')
        source = head + rest.partition('""" # END PROMPT')[2]
    return source


def literal_answers(code: str) -> dict[str, object]:
    """{name: value} for the solution's top-level assignments of a literal value."""
    values = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                pass
    return values


def leaks(answers: dict[str, object], test: str) -> list[str]:
    """The expressions of ``test`` that state an answer's value."""
    found = []
    for statement in ast.walk(ast.parse(test)):
        if not isinstance(statement, ast.Compare | ast.Call | ast.BinOp):
            continue
        literals = [_literal(n) for n in ast.walk(statement)]
        literals = [value for ok, value in literals if ok]
        for node in ast.walk(statement):
            target = _answer_value(node, answers)
            if target is not _NOTHING and any(_same(target, v) for v in literals):
                found.append(ast.unparse(statement))
    return sorted(e for e in set(found) if not any(e != other and e in other for other in found))


_NOTHING = object()


def _answer_value(node: ast.AST, answers: dict[str, object]):
    if isinstance(node, ast.Name) and node.id in answers:
        return answers[node.id]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in answers:
        ok, key = _literal(node.slice)
        value = answers[node.value.id]
        if ok and isinstance(value, dict | list | tuple):
            try:
                return value[key]
            except (KeyError, IndexError, TypeError):
                return _NOTHING
    return _NOTHING


def _literal(node: ast.AST) -> tuple[bool, object]:
    if isinstance(node, ast.Name):
        return False, None
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    if isinstance(a, str) and isinstance(b, str):
        return a == b and len(a) > 0
    return type(a) is type(b) and a == b and not isinstance(a, int | float)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem[:2])
def test_no_visible_test_states_an_answer(solution):
    problems = []
    for question, (code, tests) in questions(solution).items():
        answers = literal_answers(code)
        for test in tests:
            problems += [f"{question}: {expression}" for expression in leaks(answers, test)]
    assert not problems, "visible tests that give the answer away (move them to hidden tests):\n" + "\n".join(problems)


def test_the_leak_check_finds_the_forms_it_looks_for():
    answers = literal_answers('a = 1.6\nd = {"x": False, "y": "left"}\nn = 12\ns = "ok"')
    for test in [
        "assert abs(a - 1.6) < 0.05",
        'assert d["x"] is False',
        "assert n == 12, 'twelve'",
        "assert d == {'x': False, 'y': 'left'}",
        'assert d["y"] in ("left", "right")',
    ]:
        assert leaks(answers, test), test
    for test in ["assert isinstance(a, float) and 0 < a < 10", 'assert set(d) == {"x", "y"}', "assert n > 0"]:
        assert not leaks(answers, test), test
