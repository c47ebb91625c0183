"""Inside the sandbox: run a submission's cells in an IPython shell and its tests as doctests.

The process reads its plan (the cells, with a step for each question after its check cell) as one
JSON line on ``rfd`` and reports every event as a JSON line on ``wfd``. A question's test cases are
not in the plan: at a ``tests`` step it asks the grader for them and reads them back, so no hidden
test is in the process before its question is tested. Each question's cases run between two
integrity probes, a case that must fail and one that must pass, with a private copy of ``doctest``
(otter's ``run_doctest``, not otter's code in the learner's process).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import sys
import threading
import time
from pathlib import Path

CELL_OUTPUT_LIMIT = 4_000  # characters of each cell's output kept for the feedback
MESSAGE_LIMIT = 2_000  # characters of a failed test case's message
WORKDIR_LISTING = 20  # files written by the submission named in its row, at most


class _Capture(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.kept, self.dropped = limit, [], 0, 0

    def write(self, text) -> int:
        text = text if isinstance(text, str) else str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"

    def text(self) -> str:
        return "".join(self.parts)


class _GraderStandIn:
    """Replaces otter's ``grader`` while a submission is graded: checks run outside the notebook."""

    def check(self, question=None, *args, **kwargs):
        print(f"{question}: tested by the instructor's grader after this cell")

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class Channel:
    """The two pipes to the grader: events out, the plan and test cases in."""

    def __init__(self, rfd: int, wfd: int):
        self.reader, self.wfd = os.fdopen(rfd, "rb", buffering=65536), wfd

    def send(self, event: dict) -> None:
        data = (json.dumps(event, default=str) + "\n").encode()
        while data:
            data = data[os.write(self.wfd, data) :]

    def receive(self) -> dict:
        line = self.reader.readline()
        if not line:
            raise EOFError("the grader closed the channel")
        return json.loads(line)


def run(channel: Channel) -> None:
    """Read the plan, prepare the working folder, run every step; report ``done`` with the files written."""
    plan = channel.receive()
    os.environ.clear()
    os.environ.update(plan["env"])
    shipped = {plan["notebook"], *plan["files"]}
    for name, data in [(plan["notebook"], plan["source"]), *plan["files"].items()]:
        target = Path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))
    sys.path.insert(0, os.getcwd())
    _run_steps(plan["steps"], channel, tuple(plan["probes"]))
    written = []
    for path in sorted(Path(".").rglob("*")):
        rel = path.as_posix()
        if path.is_file() and path.parts[0] not in (".ipython", ".config") and rel not in shipped:
            written.append(rel)
        if len(written) > WORKDIR_LISTING:
            break
    sandboxed = os.getpid() == 1  # PID 1 of its own namespace: /proc lists only what it started
    others = [p for p in os.listdir("/proc") if p.isdigit() and p != "1"] if sandboxed else []
    threads = threading.active_count() - 1
    channel.send({"event": "done", "written": written, "threads": threads, "processes": len(others)})


def _private_doctest():
    """A copy of ``doctest`` that is not in ``sys.modules`` (a submission patching doctest misses it)."""
    import doctest
    import importlib.util

    spec = importlib.util.spec_from_file_location("_grader_doctest", doctest.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_steps(steps: list[dict], channel: Channel, probes: tuple[str, str]) -> None:
    import asyncio

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui=None):  # `%matplotlib inline` works as in a kernel; no GUI event loop
            pass

    shell = GradingShell.instance(config=config)
    shell.user_ns["grader"] = _GraderStandIn()
    failure: dict[str, str] = {}

    def record(etype, evalue, stb):  # IPython's hook for every traceback it shows
        failure["traceback"] = "\n".join(stb)[-3000:]

    shell._showtraceback = record
    shell._tee = lambda channel: contextlib.nullcontext()  # IPython 9 keeps every output in memory: not here
    doctest = _private_doctest()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    async def execute(source: str):  # as ipykernel's do_execute: inside a running loop
        try:
            transformed, preprocessing = shell.transform_cell(source), None
        except Exception:
            transformed, preprocessing = source, sys.exc_info()
        if shell.should_run_async(source, transformed_cell=transformed, preprocessing_exc_tuple=preprocessing):
            return await shell.run_cell_async(
                source,
                store_history=True,
                transformed_cell=transformed,
                preprocessing_exc_tuple=preprocessing,
            )
        return shell.run_cell(source, store_history=True)

    stdout, stderr = sys.stdout, sys.stderr
    for number, step in enumerate(steps):
        if step["kind"] == "cell":
            channel.send({"event": "cell", "step": number, "index": step["index"]})
            capture, started = _Capture(CELL_OUTPUT_LIMIT), time.perf_counter()
            failure.clear()
            sys.stdout = sys.stderr = capture
            try:
                result = loop.run_until_complete(execute(step["source"]))
                error = result.error_before_exec or result.error_in_exec
            finally:
                sys.stdout, sys.stderr = stdout, stderr
            event = {
                "event": "cell_done",
                "step": number,
                "index": step["index"],
                "output": capture.text(),
                "dropped": capture.dropped,
                "seconds": round(time.perf_counter() - started, 3),
            }
            if error is not None:
                event.update(
                    ename=type(error).__name__, evalue=str(error)[:300], traceback=failure.get("traceback", "")
                )
            channel.send(event)
        else:
            channel.send({"event": "tests", "step": number, "question": step["question"]})
            cases = channel.receive()["cases"]
            fail_probe = _run_case(doctest, shell, "probe", probes[0])
            results = [_run_case(doctest, shell, name, body) for name, body in cases]
            pass_probe = _run_case(doctest, shell, "probe", probes[1])
            channel.send(
                {
                    "event": "question",
                    "step": number,
                    "question": step["question"],
                    "cases": results,
                    "intact": (not fail_probe["passed"]) and pass_probe["passed"],
                }
            )


def _run_case(doctest, shell, name: str, body: str) -> dict:
    """otter's ``run_doctest`` with the private doctest: one test case against the notebook's globals."""
    buffer = io.StringIO()
    formatters = shell.display_formatter.formatters
    try:
        examples = doctest.DocTestParser().parse(body, name)
        test = doctest.DocTest(
            [e for e in examples if isinstance(e, doctest.Example)], shell.user_ns, name, None, None, body
        )
        runner = doctest.DocTestRunner(verbose=True)
        shell.display_formatter.formatters = {}  # as otter's hide_outputs()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            runner.run(test, clear_globs=False)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            failed = runner.summarize(verbose=True).failed
        passed = failed == 0
    except BaseException as e:  # a test that cannot even run fails
        passed = False
        buffer.write(f"\n{type(e).__name__}: {e}")
    finally:
        shell.display_formatter.formatters = formatters
    message = buffer.getvalue()
    return {"name": name, "passed": passed, "message": "" if passed else message[:MESSAGE_LIMIT]}
