"""What a learner's check prints: pc.Checks on a real otter test file."""

import json

import parallel_course as pc
from parallel_course.feedback import is_placeholder, untouched
from parallel_course.otter_files import ok_test_text

TEST = {
    "name": "q_sum",
    "points": 1,
    "suites": [
        {
            "cases": [
                {"code": ">>> assert isinstance(total, int), 'total is a whole number'", "hidden": False},
                {"code": ">>> assert total == 6, 'add the three numbers'", "hidden": False},
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}


def notebook(tmp_path, template: str, prose: str = "**Exercise 2 — add.**"):
    code = {"cell_type": "code", "outputs": [], "execution_count": None}
    cells = [
        {"id": "a", "cell_type": "markdown", "metadata": {}, "source": prose},
        {**code, "id": "b", "metadata": {"tags": ["otter_answer_cell"]}, "source": template},
        {**code, "id": "c", "metadata": {}, "source": 'grader.check("q_sum")'},
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "q_sum.py").write_text(ok_test_text(TEST))
    return pc.Checks(str(tmp_path / "nb.ipynb"), tests_dir=str(tmp_path / "tests"))


def test_each_state_is_one_line_or_a_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    grader = notebook(tmp_path, "total = ...")
    assert repr(grader.check("q_sum", {"total": ...})) == (
        "⬜ Exercise 2 is not answered yet: replace the `...` in its answer cell."
    )
    wrong = grader.check("q_sum", {"total": 5})
    assert not wrong.passed_all and repr(wrong) == "❌ Exercise 2 is not right yet:\n   add the three numbers"
    right = grader.check("q_sum", {"total": 6})
    assert right.passed_all and repr(right) == "✅ Exercise 2 passes its checks. Grading also runs hidden tests."
    assert repr(grader.check("q_sum", {"total": 6})) == "✅ Exercise 2 passes its checks."  # the note once


def test_an_error_is_one_line_without_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    grader = notebook(tmp_path, "x = ...")
    assert "not answered yet" in repr(grader.check("q_sum", {}))  # a name the learner never defined
    text = repr(grader.check("q_sum", {"x": 1}))
    assert text.startswith("❌") and "NameError: name 'total' is not defined" in text and "Traceback" not in text
    assert "your answer raised NameError" in text and not grader.check("q_sum", {"x": 1}).written


def test_a_hint_is_the_courses_words_whole_and_grading_says_what_it_adds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    grader = notebook(tmp_path, "total = ...", "**Exercise 2 — add.** *Grading also adds other numbers.*")
    wrong = grader.check("q_sum", {"total": 5})
    assert wrong.written and "add the three numbers" in repr(wrong)
    from parallel_course.feedback import hint_of

    long = "question 1: not 'b'. " + "a whole sentence of why, " * 40 + "the end."
    case = type("Case", (), {"hidden": False})()
    failed = type("Result", (), {"passed": False, "test_case": case, "message": f"AssertionError: {long}"})()
    assert hint_of([failed]) == (long, True)  # the course's words are shown whole, however long
    for _ in range(2):  # every time, not only the first
        assert repr(grader.check("q_sum", {"total": 6})) == (
            "✅ Exercise 2 passes its checks. Grading also adds other numbers."
        )


def test_placeholders_and_templates():
    assert is_placeholder(...) and is_placeholder({"a": ..., "b": ...}) and is_placeholder([...])
    assert not is_placeholder({"a": 1, "b": ...}) and not is_placeholder(0) and not is_placeholder({})

    template = (
        "def f(x):\n    ...\n\n\nasync def g():\n    ...\n\n\n"
        "def h(n):\n    def inner():\n        ...\n\n    return inner\n"
    )
    env: dict = {}
    exec(template, env)
    names, open_ = untouched(template, env)
    assert names == ["f", "g", "h"] and open_ == ["f", "g", "h"]
    exec("def h(n):\n    def inner():\n        return n\n\n    return inner\n", env)
    exec("def f(x):\n    return x\n", env)
    assert untouched(template, env)[1] == ["g"]


def test_no_test_case_prints_a_value_from_inside_a_block():
    """A test case runs as a doctest, whose examples are compiled like interactive input: a bare
    expression prints its value even inside a loop or an ``if``, and output no one expected fails the
    case. So inside a block a call's value is assigned (``_ = chain.invoke(x)``); ``reset()`` returns None."""
    import ast
    from pathlib import Path

    import nbformat

    from parallel_course.otter_files import cells_in_tests

    printing = []
    for path in sorted((Path(__file__).resolve().parents[1] / "solutions").glob("[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for number in sorted(cells_in_tests(cells)):
            cell = cells[number]
            for block in ast.parse(cell.source).body:
                printing += [f"{path.name[:2]} cell {number}: {ast.unparse(node)}" for node in ast.walk(block)
                             if isinstance(node, ast.Expr) and node is not block
                             and not isinstance(node.value, ast.Constant)
                             and not (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
                                      and node.value.func.attr == "reset")]
    assert not printing, printing
