"""What a check tells a learner: one line, or the hint of the first failing expectation.

``grader = pc.Checks("NN_name.ipynb")`` is otter's ``grader`` (its log and grading are otter's own);
only what ``grader.check(question)`` shows is short. The grader's reports use :func:`first_hint` too.
"""

import ast
import inspect
import re
import textwrap
from pathlib import Path

import otter
from otter.test_files import TestCaseResult

from .otter_files import CHECK, is_answer_cell

HIDDEN_NOTE = "Grading also runs hidden tests."
EXERCISE = re.compile(r"\*\*(Exercise \d+|Self-check quiz)")
GRADING = re.compile(r"Grading also [^.]*\.")  # an exercise's sentence on what its hidden tests add


def _empty(*args, **kwargs): ...


async def _aempty(*args, **kwargs): ...


def is_placeholder(value) -> bool:
    """True for what a learner has not touched: ``...``, a container of only ``...``, a body of ``...``."""
    if value is Ellipsis:
        return True
    if isinstance(value, dict | list | tuple | set) and value:
        return all(v is Ellipsis for v in (value.values() if isinstance(value, dict) else value))
    if isinstance(value, type):
        return any(v is Ellipsis for v in getattr(value, "__annotations__", {}).values())
    code = getattr(value, "__code__", None)
    if code is None or code.co_names:
        return False
    empty = _aempty if inspect.iscoroutinefunction(value) else _empty
    return code.co_code == empty.__code__.co_code and code.co_consts[:1] == empty.__code__.co_consts[:1]


def exercises(notebook: str | Path | None) -> dict[str, tuple[str, str, str]]:
    """{question: ("Exercise k" or "Self-check quiz", the source of its answer cells as the learner got them,
    the exercise's sentence on what grading adds: "Grading also ...")}."""
    import nbformat

    try:
        cells = nbformat.read(notebook, as_version=4).cells
    except (OSError, TypeError, ValueError):
        return {}
    found, heading, template, grading = {}, None, "", ""
    for cell in cells:
        if cell.cell_type == "markdown" and (match := EXERCISE.search(cell.source)):
            heading, grading = match.group(1), ""
        if cell.cell_type == "markdown" and heading and (match := GRADING.search(cell.source)):
            grading = " ".join(match.group(0).split())
        if cell.cell_type != "code":
            continue
        elif is_answer_cell(cell):
            template += cell.source + "\n"
        elif match := CHECK.match(cell.source):
            found[match.group(1)] = (heading or match.group(1), template, grading)
            heading, template, grading = None, "", ""
    return found


def untouched(template: str, env: dict) -> tuple[list[str], list[str]]:
    """(names the answer cells define, those still as the template left them) in ``env``."""
    names, scratch = _defined(template), dict(env)
    try:
        exec(compile(template, "<answer template>", "exec"), scratch)  # a template only binds names
    except Exception:
        scratch = {}
    return names, [
        n for n in names if n not in env or is_placeholder(env[n]) or _same_code(env[n], scratch.get(n, Ellipsis))
    ]


def _same_code(a, b) -> bool:
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    return code_a is not None and code_b is not None and _code_equal(code_a, code_b)


def _code_equal(a, b) -> bool:
    if a.co_code != b.co_code or len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts, strict=True):
        if hasattr(x, "co_code") != hasattr(y, "co_code"):
            return False
        if not (_code_equal(x, y) if hasattr(x, "co_code") else x == y):
            return False
    return True


def _defined(source: str) -> list[str]:
    """The names a cell's top-level statements bind."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return []
    names = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        for target in getattr(node, "targets", [getattr(node, "target", None)]):
            names += [t.id for t in ast.walk(target) if isinstance(t, ast.Name)] if target else []
    return names


def first_hint(results: list[TestCaseResult]) -> str:
    """What the first failing test case tells the learner: its assertion's message, whole.

    An error the check did not expect is named as the answer's ("your answer raised ..."); a hidden
    case's message is not shown to learners, it is named by its number only."""
    return hint_of(results)[0]


def hint_of(results: list[TestCaseResult]) -> tuple[str, bool]:
    """(the first failing case's hint, whether the course wrote it: an assertion's own message)."""
    for number, result in enumerate(results, 1):
        if result.passed:
            continue
        if result.test_case.hidden:
            return f"hidden test {number}", True
        lines = doctest_failure(result.message)
        errors = [i for i, line in enumerate(lines) if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", line.strip())]
        if not errors:
            return f"check {number} failed", False
        error = "\n".join(line.strip() for line in lines[errors[-1]:] if line.strip())
        if error.startswith("AssertionError: "):
            return error[len("AssertionError: ") :], True  # the course's own words: never cut
        if error == "AssertionError":
            return f"check {number} failed", False
        return _whole_words(f"your answer raised {error}"), False
    return "", True


def _whole_words(text: str, limit: int = 600) -> str:
    """``text``, or its first ``limit`` characters up to the last whole word and an ellipsis (an error's
    text, which may hold a whole object's repr)."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def doctest_failure(message: str) -> list[str]:
    """The informative part of a doctest report: the failed example and what it raised or printed."""
    text = message.split("*" * 70, 1)[1] if "*" * 70 in message else message
    kept, block = [], ""
    for line in text.strip().splitlines():
        if line.startswith("Trying:") or line.startswith("*" * 20):
            break  # the log of the examples after the failure
        if line.strip() in ("Failed example:", "Exception raised:", "Expected:", "Got:", "Expected nothing"):
            block = line.strip()
        if block == "Exception raised:" and (line.startswith("      ") or line.strip().startswith("Traceback")):
            continue  # the traceback's header and frames: the exception's own line says it
        kept.append(line)
    return kept[:40] or ["(no message)"]


class Feedback:
    """A check's result as a learner reads it; ``result`` is otter's, ``passed_all`` its verdict,
    ``written`` whether a failing hint is the course's own words (not an error's text)."""

    def __init__(self, title: str, result, missing: list[str], answered: bool, grading: str):
        self.result, self.passed_all, self.written = result, result.passed_all, True
        if self.passed_all:
            self.text = f"✅ {title} passes its checks." + (f" {grading}" if grading else "")
        elif not answered:
            self.text = f"⬜ {title} is not answered yet: replace the `...` in its answer cell."
        elif missing:
            self.text = f"⬜ {title} is not finished: fill in {', '.join(f'`{n}`' for n in missing)}."
        else:
            hint, self.written = hint_of(result.test_case_results)
            self.text = f"❌ {title} is not right yet:\n" + "\n".join(
                textwrap.fill(line, 96, initial_indent="   ", subsequent_indent="   ") for line in hint.splitlines()
            )

    def __repr__(self) -> str:
        return self.text


class Checks(otter.Notebook):
    """otter's ``grader``: ``check(question)`` runs otter's check and returns its :class:`Feedback`."""

    def __init__(self, nb_path: str | None = None, **kwargs):
        super().__init__(nb_path, **kwargs)
        self._exercises = exercises(nb_path)
        self._passed_before = False

    def check(self, question: str, global_env: dict | None = None) -> Feedback:
        if global_env is None:
            global_env = inspect.currentframe().f_back.f_globals
        result = super().check(question, global_env)
        title, template, grading = self._exercises.get(question, (question, "", ""))
        names, open_ = untouched(template, global_env)
        grading = grading or (HIDDEN_NOTE if not self._passed_before else "")
        feedback = Feedback(title, result, open_, len(open_) < len(names) or not names, grading)
        self._passed_before |= feedback.passed_all
        return feedback


def answered(*values) -> bool:
    """True when no value is left as its placeholder: a "see how close you were" cell shows its measurement then."""
    return not any(is_placeholder(v) for v in values)
