"""Inside the sandbox: a *warden* process drives the notebook's process, which runs cells and test cases.

The sandbox's first process, the warden, alone holds the pipes to the grader: it reads the plan (the
cells, with a step for each question after its check cell), starts the notebook's process and hands
it one step at a time over a socket, and reports every event to the grader as a JSON line. The
notebook's process runs the learner's code in an IPython shell, and never holds the grader's pipes:
its code can neither ask for a test nor report a result the warden did not ask it for. The warden
is not dumpable, so the notebook's process cannot open its files or memory either.

A question's test cases come from the grader only at its ``tests`` step. Those judged outside
(``judging``) arrive without their assertions; the notebook's process runs the rest, between two
integrity probes (a case that must fail and one that must pass), with a private copy of ``doctest``.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import io
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from . import judging

CELL_OUTPUT_LIMIT = 4_000  # characters of a cell's output the notebook's process keeps (it counts the rest)
EVALUE_LIMIT = 300  # characters of a cell's error message sent to the grader
REPLY_LIMIT = 4 * 2**20  # bytes of one reply from the notebook's process
WORKDIR_LISTING = 20  # files written by the submission named in its row, at most
PR_SET_DUMPABLE = 4


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


class _GraderStandIn:
    """Replaces otter's ``grader`` while a submission is graded: checks run outside the notebook."""

    def check(self, question=None, *args, **kwargs):
        print(f"{question}: tested by the instructor's grader after this cell")

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class Channel:
    """A pair of file descriptors carrying JSON lines: out with ``send``, in with ``receive``."""

    def __init__(self, rfd: int, wfd: int, limit: int | None = None):
        self.reader, self.wfd, self.limit = os.fdopen(rfd, "rb", buffering=65536), wfd, limit

    def send(self, message: dict) -> None:
        data = (json.dumps(message, default=str) + "\n").encode()
        while data:
            data = data[os.write(self.wfd, data) :]

    def receive(self) -> dict:
        line = self.reader.readline(self.limit or -1)
        if not line:
            raise EOFError("the other side closed the channel")
        if not line.endswith(b"\n"):
            raise ValueError(f"a line longer than {self.limit} bytes")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError("not a JSON object")
        return message


class Tampered(Exception):
    """The notebook's process said something it was not asked."""


class Died(Exception):
    """The notebook's process ended before it answered (with what it said of why, if anything)."""


def run(channel: Channel) -> None:
    """The warden: read the plan, prepare the folder, start the notebook's process and drive it."""
    plan = channel.receive()
    os.environ.clear()
    os.environ.update(plan["env"])
    for name, data in [(plan["notebook"], plan["source"]), *plan["files"].items()]:
        target = Path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))
    shipped = {plan["notebook"], *plan["files"]}
    ours, theirs = socket.socketpair()
    sys.stdout.flush(), sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            ours.close()
            os.closerange(3, theirs.fileno())  # the grader's pipes among them
            os.closerange(theirs.fileno() + 1, _fd_ceiling())
            warden = Channel(os.dup(theirs.fileno()), theirs.fileno())
            _notebook(warden, tuple(plan["probes"]), shipped)
        except BaseException as e:  # the grader's own code failed here: say so before dying
            code = 70
            with contextlib.suppress(BaseException):
                warden.send({"crashed": f"{type(e).__name__}: {e}"})
        os._exit(code)
    theirs.close()
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no /proc/<warden>/fd or mem for the notebook
    notebook = Channel(os.dup(ours.fileno()), ours.fileno(), limit=REPLY_LIMIT)
    try:
        _drive(plan["steps"], channel, notebook, pid)
    except Tampered as e:
        channel.send({"event": "tampered", "reason": str(e)})
    except Died as e:
        channel.send({"event": "died", "exit": _ended(pid), "error": str(e)[:300]})


def _ended(pid: int) -> int:
    """The notebook's process's exit status: it has a second to end by itself, then it is killed."""
    for _ in range(10):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.1)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _fd_ceiling() -> int:
    import resource

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return soft if 0 < soft < 65536 else 65536


def _drive(steps: list[dict], grader: Channel, notebook: Channel, pid: int) -> None:
    """Hand the notebook's process each step; report to the grader what it answers, checked."""

    def ask(request: dict, answer: set[str]) -> dict:
        try:
            notebook.send(request)
            reply = notebook.receive()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise Died from None
        except (ValueError, RecursionError) as e:
            raise Tampered(f"the notebook's process sent an unreadable reply ({type(e).__name__})") from None
        if set(reply) == {"crashed"}:
            raise Died(str(reply["crashed"]))
        if reply.get("id") != request["id"] or not set(reply) <= answer | {"id"}:
            raise Tampered("the notebook's process sent a reply it was not asked for")
        return reply

    for number, step in enumerate(steps):
        if step["kind"] == "cell":
            grader.send({"event": "cell", "step": number, "index": step["index"]})
            reply = ask({"id": number, "cell": step["source"]}, {"ename", "evalue", "dropped", "seconds"})
            grader.send({"event": "cell_done", "step": number, "index": step["index"], **_cell_fields(reply)})
        else:
            grader.send({"event": "tests", "step": number, "question": step["question"]})
            cases = grader.receive()["cases"]
            reply = ask({"id": number, "cases": cases}, {"cases", "intact"})
            grader.send({"event": "question", "step": number, "question": step["question"], **_case_fields(reply)})
    reply = ask({"id": len(steps), "finish": True}, {"written", "threads"})
    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, pid)] if os.getpid() == 1 else []
    written = [str(w)[:200] for w in reply.get("written") or []][: WORKDIR_LISTING + 1]
    grader.send({"event": "done", "written": written, "threads": _int(reply.get("threads")), "processes": len(others)})


def _int(value) -> int:
    return value if type(value) is int and 0 <= value < 10**9 else 0


def _cell_fields(reply: dict) -> dict:
    seconds = reply.get("seconds")
    seconds = float(seconds) if type(seconds) in (int, float) and 0 <= seconds < 1e6 else 0.0
    fields = {"dropped": _int(reply.get("dropped")), "seconds": seconds}
    if reply.get("ename"):
        fields.update(ename=str(reply["ename"])[:80], evalue=str(reply.get("evalue") or "")[:EVALUE_LIMIT])
    return fields


def _case_fields(reply: dict) -> dict:
    cases = reply.get("cases") if isinstance(reply.get("cases"), list) else []
    kept = []
    for case in cases[:1000]:
        if isinstance(case, dict):
            judged = case.get("judged")
            kept.append(
                {
                    "name": str(case.get("name"))[:200],
                    "passed": case.get("passed") is True,
                    "message": str(case.get("message") or "")[: judging.MESSAGE_LIMIT],
                    "judged": judged if isinstance(judged, str) and len(judged) <= judging.JUDGED_LIMIT else None,
                }
            )
    return {"cases": kept, "intact": reply.get("intact") is True}


# --------------------------------------------------------------------------------------------------
# The notebook's process


def _private_doctest():
    """A copy of ``doctest`` that is not in ``sys.modules`` (a submission patching doctest misses it)."""
    import doctest
    import importlib.util

    spec = importlib.util.spec_from_file_location("_grader_doctest", doctest.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook(warden: Channel, probes: tuple[str, str], shipped: set[str]) -> None:
    """Answer the warden's requests: run a cell, run test cases, say what was left at the end."""
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

    sys.path.insert(0, os.getcwd())
    shell = GradingShell.instance(config=config)
    shell.user_ns["grader"] = _GraderStandIn()
    shell._showtraceback = lambda *args: None  # the error itself is reported, not its traceback
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
                source, store_history=True, transformed_cell=transformed, preprocessing_exc_tuple=preprocessing
            )
        return shell.run_cell(source, store_history=True)

    while True:
        request = warden.receive()
        reply: dict = {"id": request["id"]}
        if "cell" in request:
            capture, started = _Capture(CELL_OUTPUT_LIMIT), time.perf_counter()
            stdout, stderr = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = capture
            try:
                result = loop.run_until_complete(execute(request["cell"]))
                error = result.error_before_exec or result.error_in_exec
            finally:
                sys.stdout, sys.stderr = stdout, stderr
            reply.update(dropped=capture.dropped, seconds=round(time.perf_counter() - started, 3))
            if error is not None:
                reply.update(ename=type(error).__name__, evalue=str(error)[:EVALUE_LIMIT])
        elif "cases" in request:
            fail_probe = _run_case(doctest, shell, "probe", [[probes[0], ""]], export=False)
            reply["cases"] = [_run_case(doctest, shell, *case) for case in request["cases"]]
            pass_probe = _run_case(doctest, shell, "probe", [[probes[1], ""]], export=False)
            reply["intact"] = (not fail_probe["passed"]) and pass_probe["passed"]
        else:
            reply.update(written=_written(shipped), threads=threading.active_count() - 1)
            warden.send(reply)
            return
        warden.send(reply)


def _run_case(doctest, shell, name: str, examples: list, export: bool) -> dict:
    """One case's examples against the notebook's globals, as otter runs them; ``_judged`` as JSON if asked."""
    formatters = shell.display_formatter.formatters
    shell.display_formatter.formatters = {}  # as otter's hide_outputs()
    try:
        parsed = [doctest.Example(source, want) for source, want in examples]
        passed, message, scope = judging.run_examples(parsed, shell.user_ns, name, doctest)
    finally:
        shell.display_formatter.formatters = formatters
    result = {"name": name, "passed": passed, "message": message}
    if passed and export:
        try:
            result["judged"] = judging.plain(scope.get(judging.JUDGED))
        except judging.NotPlain as e:
            result.update(passed=False, message=str(e))
    return result


def _written(shipped: set[str]) -> list[str]:
    written = []
    for path in sorted(Path(".").rglob("*")):
        rel = path.as_posix()
        if path.is_file() and path.parts[0] not in (".ipython", ".config") and rel not in shipped:
            written.append(rel)
        if len(written) > WORKDIR_LISTING:
            break
    return written
