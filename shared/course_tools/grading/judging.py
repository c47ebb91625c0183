"""Judging a test case: where no student code ran, whenever the case allows it.

A case (otter's doctest text) that assigns ``_judged`` in one top-level example is *judged outside*:
its examples up to that one run in the notebook's process (they compute the answer on the test's
inputs); ``_judged`` leaves that process as plain JSON, so an object "equal to everything" arrives as
the data it really holds; the examples after it, the assertions, run in the grader's own process on
that copy, with only ``_judged``, ``pc`` and the builtins in scope. A notebook never receives them.
Every other case runs whole in the notebook's process, as otter runs it.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import re

JUDGED = "_judged"
JUDGED_LIMIT = 256 * 1024  # characters of ``_judged``'s JSON
MESSAGE_LIMIT = 2_000  # characters of a failed case's message
_ASSIGNS_JUDGED = re.compile(rf"^{JUDGED}\s*=[^=]")


class NotPlain(ValueError):
    """``_judged`` holds something that is not plain data."""


def split(body: str, name: str, parser=None) -> tuple[list, list | None]:
    """The examples to run in the notebook, and those judged outside (``None``: the case runs whole inside)."""
    examples = [e for e in (parser or doctest.DocTestParser()).parse(body, name) if not isinstance(e, str)]
    at = next((i for i, e in enumerate(examples) if _ASSIGNS_JUDGED.match(e.source)), None)
    if at is None:
        return examples, None
    return examples[: at + 1], examples[at + 1 :]


def plain(value) -> str:
    """``value`` as JSON of builtin types only (dicts with string keys, lists, str, int, float, bool, None)."""

    def refuse(obj):
        raise NotPlain(f"{JUDGED} holds a {type(obj).__name__}: tests export plain data (dict, list, str, numbers)")

    try:
        text = json.dumps(value, default=refuse, check_circular=True)
    except (TypeError, ValueError, RecursionError) as e:
        raise NotPlain(str(e)) from None
    if len(text) > JUDGED_LIMIT:
        raise NotPlain(f"{JUDGED} is {len(text)} characters of JSON, over {JUDGED_LIMIT}")
    return text


def run_examples(examples: list, globs: dict, name: str, doctest_module=doctest) -> tuple[bool, str, dict]:
    """otter's ``run_doctest`` on these examples: (passed, the transcript of a failure, the test's own
    copy of ``globs``, which holds what the examples assigned)."""
    buffer = io.StringIO()
    test = doctest_module.DocTest(examples, globs, name, None, None, "")  # copies globs, as otter's does
    try:
        runner = doctest_module.DocTestRunner(verbose=True)
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            runner.run(test, clear_globs=False)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            passed = runner.summarize(verbose=True).failed == 0
    except BaseException as e:  # a test that cannot even run fails
        passed = False
        buffer.write(f"\n{type(e).__name__}: {e}")
    return passed, "" if passed else buffer.getvalue()[:MESSAGE_LIMIT], test.globs


def judge(outside: list, judged: str | None, name: str) -> tuple[bool, str]:
    """Run the assertions of an outside-judged case on the exported ``_judged`` (JSON), in this process."""
    import parallel_course

    if judged is None:
        return False, f"no answer to judge: the notebook did not export {JUDGED}"
    try:
        if len(judged) > JUDGED_LIMIT:
            raise ValueError("too long")
        value = json.loads(judged)
    except (ValueError, RecursionError):
        return False, f"the exported {JUDGED} could not be read"
    return run_examples(outside, {JUDGED: value, "pc": parallel_course}, name)[:2]


def run_case(body: str, globs: dict, name: str) -> tuple[bool, str]:
    """A whole case in one process, exactly as the grader splits it (the exercise trials use this)."""
    inside, outside = split(body, name)
    passed, message, scope = run_examples(inside, globs, name)
    if not passed or outside is None:
        return passed, message
    try:
        judged = plain(scope.get(JUDGED))
    except NotPlain as e:
        return False, str(e)
    return judge(outside, judged, name)


def points_outside(test) -> float:
    """The points of an otter test file whose cases are judged outside."""
    return sum(case.points or 0 for i, case in enumerate(test.test_cases) if split(case.body, str(i))[1] is not None)
