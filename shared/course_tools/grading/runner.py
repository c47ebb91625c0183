"""Running submissions: a zygote forks one sandboxed process per submission; the grader talks to each.

The zygote is forked from the grader once the notebooks' imports are loaded and *before* the grader
reads any submission or test, so what a submission's process inherits holds neither another
student's notebook nor a hidden test. For each submission the grader makes two pipes (its plan in,
events out) and hands one end of each to the zygote, which forks the sandbox's supervisor
(``sandbox.confine``) and reports its pid, and later its exit status. The grader writes the plan,
answers each ``tests`` request with that question's cases, reads the events, and asks the zygote to
stop a submission at its deadline.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import secrets
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable

from . import execution, judging, sandbox
from .assignments import Assignment
from .submissions import Submission, read_capped

MAX_EVENT_BYTES = 4 * 2**20  # one event line; the warden's are far shorter
MAX_CHANNEL_BYTES = 64 * 2**20  # all a submission may send (its cells' kept outputs are 4 kB each)


class Protocol:
    """What the warden may say next, step by step through the plan; anything else is tampering."""

    def __init__(self, steps: list[dict]):
        self.steps, self.next, self.open, self.ended = steps, 0, "", False

    def accept(self, event: dict) -> str | None:
        """Take one event; return the question whose cases the grader now owes, if any."""
        kind, step = event.get("event"), event.get("step")
        if kind in ("stopped", "grader_error"):  # the supervisor's word: it can only cost points
            return None
        if self.ended:
            raise execution.Tampered(f"{_said(kind)} after the end")
        expected = self.steps[self.next] if self.next < len(self.steps) else {"kind": "end"}
        question = expected.get("question")
        if kind == "cell" and not self.open and expected["kind"] == "cell" and step == self.next:
            self.open = "cell"
        elif kind == "cell_done" and self.open == "cell" and step == self.next:
            self.open, self.next = "", self.next + 1
        elif kind == "tests" and not self.open and step == self.next and question and event.get("question") == question:
            self.open = "tests"
            return question
        elif kind == "question" and self.open == "tests" and step == self.next and event.get("question") == question:
            self.open, self.next = "", self.next + 1
        elif kind == "done" and not self.open and expected["kind"] == "end":
            self.ended = True
        elif kind in ("died", "tampered"):
            self.ended = True
        else:
            where = f"step {self.next} of {len(self.steps)}" if self.next < len(self.steps) else "the end"
            raise execution.Tampered(f"{_said(kind)} where the plan expected {where}")
        return None


def _said(kind) -> str:
    return f"an event {str(kind)[:40]!r}" if kind is not None else "a line that is not an event"


@dataclasses.dataclass
class Job:
    sub: Submission
    assignment: Assignment
    steps: list[dict]
    missing_checks: list[str]
    id: int = 0
    pid: int = 0
    rfd: int = -1  # events from the submission
    wfd: int = -1  # its plan and test cases
    outbox: bytes = b""
    started: float = 0.0
    deadline: float = 0.0
    buffer: bytearray = dataclasses.field(default_factory=bytearray)
    events: list[dict] = dataclasses.field(default_factory=list)
    protocol: Protocol | None = None
    outside: dict[str, list] = dataclasses.field(default_factory=dict)  # case name -> assertions judged here
    tampered: str = ""
    received: int = 0
    stop_reason: str = ""  # "timeout", "flood" or "tampered" once the grader asked the zygote to stop it
    status: int | None = None  # exit status of the sandbox, once the zygote has reaped it
    stopping: bool = False
    crowded: bool = False  # another submission ran beside it
    retried: str = ""  # why it was graded a second time, alone
    workdir: str = ""  # only without a sandbox: its folder on the host


@dataclasses.dataclass(frozen=True)
class Settings:
    time_scale: float
    timeout: float
    sandboxed: bool
    limits: sandbox.Limits = sandbox.Limits()


# --------------------------------------------------------------------------------------------------
# The zygote


class Zygote:
    """The process that forks the submissions' sandboxes (see the module's docstring)."""

    def __init__(self, settings: Settings, readable: list[str]):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush(), sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            ours.close()
            code = 0
            try:
                _zygote_main(theirs, parent, settings, readable)
            except BaseException:
                code = 70
            os._exit(code)
        theirs.close()
        self.pid, self.sock = pid, ours

    def start(self, job_id: int, rfd: int, wfd: int, workdir: str) -> None:
        message = json.dumps({"do": "start", "job": job_id, "workdir": workdir}).encode()
        socket.send_fds(self.sock, [message], [rfd, wfd])

    def stop(self, job_id: int) -> None:
        self.sock.send(json.dumps({"do": "stop", "job": job_id}).encode())

    def receive(self) -> dict:
        data = self.sock.recv(4096)
        if not data:
            raise RuntimeError("the grading zygote died")
        return json.loads(data)

    def close(self) -> None:
        self.sock.close()  # the zygote stops every sandbox it still runs and exits
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _zygote_main(sock: socket.socket, parent: int, settings: Settings, readable: list[str]) -> None:
    sandbox.die_with_parent(parent, signal.SIGTERM)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    children: dict[int, int] = {}  # pid -> job
    try:
        selector = selectors.DefaultSelector()
        selector.register(sock, selectors.EVENT_READ)
        selector.register(wake_r, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is sock:
                    message, fds, _, _ = socket.recv_fds(sock, 4096, 2)
                    if not message:
                        return
                    order = json.loads(message)
                    if order["do"] == "start":
                        pid = _fork_sandbox(fds, settings, readable, order)
                        for fd in fds:
                            os.close(fd)
                        children[pid] = order["job"]
                        sock.send(json.dumps({"job": order["job"], "pid": pid}).encode())
                    else:
                        pid = next((p for p, j in children.items() if j == order["job"]), None)
                        if pid is not None:
                            with contextlib.suppress(OSError):
                                os.kill(pid, signal.SIGTERM)
                else:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wake_r, 4096)
            while children:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                job = children.pop(pid, None)
                if job is not None:
                    sock.send(json.dumps({"job": job, "status": status}).encode())
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)


def _fork_sandbox(fds: list[int], settings: Settings, readable: list[str], order: dict) -> int:
    rfd, wfd = fds
    zygote = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:  # the supervisor
        sandbox.die_with_parent(zygote, signal.SIGTERM)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        keep = sorted({0, 1, 2, rfd, wfd})
        for low, high in zip(keep, keep[1:] + [_max_fd()], strict=True):
            os.closerange(low + 1, high)
        channel = execution.Channel(rfd, wfd)

        def report(kind: str, message: str) -> None:
            with contextlib.suppress(OSError):
                channel.send({"event": kind, "error": message})

        def work() -> None:
            try:
                execution.run(channel)
            except BaseException as e:  # report, never propagate into the copy of the zygote
                report("grader_error", f"{type(e).__name__}: {e}")
                raise

        if settings.sandboxed:
            sandbox.confine(work, readable, settings.limits, report, uid=sandbox.sandbox_uid(os.getpid()))
        sandbox.unconfined(work, order["workdir"], settings.limits)
    finally:
        os._exit(70)


def _max_fd() -> int:
    import resource

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return soft if 0 < soft < 65536 else 65536


# --------------------------------------------------------------------------------------------------
# The grader's side


def plan_for(job: Job, settings: Settings) -> bytes:
    """The first line a submission's process reads: its cells, files, environment and probes."""
    nonce = secrets.token_hex(8)
    home = "/submission" if settings.sandboxed else job.workdir
    env = {
        "COURSE_TIME_SCALE": repr(settings.time_scale),
        "COURSE_MODEL": "fake",  # grading is deterministic: never a real model
        "COURSE_DOTENV": "0",
        "HOME": home,
        "TMPDIR": "/tmp" if settings.sandboxed else home,
        "IPYTHONDIR": f"{home}/.ipython",
        "MPLCONFIGDIR": f"{home}/.config/matplotlib",
        "MPLBACKEND": "Agg",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "USER": "student",
    }
    plan = {
        "steps": job.steps,
        "notebook": f"{job.assignment.name}.ipynb",
        "source": base64.b64encode(_same_file(job.sub)).decode(),
        "files": {name: base64.b64encode(data).decode() for name, data in job.assignment.files.items()},
        "env": env,
        "probes": [f"assert {nonce!r} == {nonce[::-1]!r}\n", f"assert {nonce!r} == {nonce!r}\n"],
    }
    return (json.dumps(plan) + "\n").encode()


def _same_file(sub: Submission) -> bytes:
    """The submission's bytes, read as ``submissions`` read them, and the same ones it hashed."""
    data = read_capped(sub.path)
    if hashlib.sha256(data).hexdigest()[:16] != sub.sha256:
        raise ValueError("the file changed after it was read: run the grader again")
    return data


def cases_for(job: Job, question: str) -> bytes:
    """A question's test cases as the notebook runs them: ``[name, examples, export]``, no outside assertions."""
    test = job.assignment.tests.get(question)
    cases = []
    for i, case in enumerate(test.test_cases if test else []):
        name = f"{question} {i}"
        inside, outside = judging.split(case.body, name)
        if outside is not None:
            job.outside[name] = outside
        cases.append([name, [[e.source, e.want] for e in inside], outside is not None])
    return (json.dumps({"cases": cases}) + "\n").encode()


def run_jobs(jobs: list[Job], workers: int, settings: Settings, zygote: Zygote, on_done: Callable) -> None:
    """Run every job, ``workers`` at a time; call ``on_done(job, outcome)`` as each ends.

    A job that times out while another ran beside it is graded again at the end, alone: a submission
    that needs N seconds alone finishes within its timeout whatever its neighbours did. So is a job whose
    notebook process ended in the grader's own code without a word (exit code 70, nothing said): once,
    so a fault of the grader's, never the submission's, does not cost it its marks."""
    import tempfile

    pending, running, alone = list(enumerate(jobs)), {}, []
    for job_id, job in pending:
        job.id = job_id
    selector = selectors.DefaultSelector()
    selector.register(zygote.sock, selectors.EVENT_READ, None)

    def finish(job_id: int, job: Job) -> None:
        outcome = _finish(job_id, job, running, selector)
        crowded = outcome["kind"] == "timeout" and job.crowded
        silent = outcome["kind"] == "died" and not outcome["said"] and _exit_code(outcome["exit"]) == GRADER_FAULT
        if (crowded or silent) and not job.retried:
            again = Job(job.sub, job.assignment, job.steps, job.missing_checks, id=len(jobs) + len(alone))
            why = f"timed out after {outcome['seconds']:.0f} s beside other submissions" if crowded else (
                "its notebook's process ended in the grader's code without a word")
            again.retried = f"{why}: graded again alone"
            alone.append((again.id, again))
        else:
            on_done(job, outcome)

    try:
        while pending or running or alone:
            if not pending and not running:
                pending, alone = alone, []
            limit = 1 if pending and pending[0][1].retried else workers
            while pending and len(running) < limit:
                job_id, job = pending.pop(0)
                try:
                    plan = plan_for(job, settings)
                except (OSError, ValueError) as e:
                    on_done(job, {"kind": "unread", "reason": str(e), "seconds": 0.0})
                    continue
                if not settings.sandboxed:
                    job.workdir = tempfile.mkdtemp(prefix="grade-")
                in_r, in_w = os.pipe()
                out_r, out_w = os.pipe()
                zygote.start(job_id, in_r, out_w, job.workdir)
                os.close(in_r), os.close(out_w)
                job.rfd, job.wfd, job.outbox = out_r, in_w, plan
                job.protocol = Protocol(job.steps)
                os.set_blocking(out_r, False), os.set_blocking(in_w, False)
                job.started = time.monotonic()
                job.deadline = job.started + settings.timeout
                running[job_id] = job
                if len(running) > 1:
                    for other in running.values():
                        other.crowded = True
                selector.register(out_r, selectors.EVENT_READ, (job_id, "events"))
                _flush(job, selector)
            now = time.monotonic()
            wait = min([j.deadline - now for j in running.values() if not j.stopping] + [0.25])
            for key, _ in selector.select(timeout=max(0.0, wait)):
                if key.data is None:
                    message = zygote.receive()
                    job = running.get(message["job"])
                    if job is not None and "status" in message:
                        job.status = message["status"]
                    elif job is not None:
                        job.pid = message["pid"]
                    continue
                job_id, kind = key.data
                job = running.get(job_id)
                if job is None:
                    continue
                if kind == "plan":
                    _flush(job, selector)
                else:
                    for question in _drain(job):
                        job.outbox += cases_for(job, question)
                        _flush(job, selector)
            now = time.monotonic()
            for job_id, job in list(running.items()):
                if job.status is not None:
                    _drain(job, chunks=1024)  # what it wrote before the end
                    finish(job_id, job)
                elif not job.stopping and (job.stop_reason or now >= job.deadline):
                    job.stopping, job.stop_reason = True, job.stop_reason or "timeout"
                    zygote.stop(job_id)
    finally:
        for job in list(running.values()):  # interrupted: the zygote stops what it still runs
            _close(job, selector)
        selector.close()


def _flush(job: Job, selector) -> None:
    """Write what the job's process is owed, as far as its pipe takes it now."""
    try:
        while job.outbox:
            job.outbox = job.outbox[os.write(job.wfd, job.outbox) :]
    except BlockingIOError:
        pass
    except OSError:  # it is gone: nobody reads
        job.outbox = b""
    registered = job.wfd in selector.get_map()
    if job.outbox and not registered:
        selector.register(job.wfd, selectors.EVENT_WRITE, (job.id, "plan"))
    elif not job.outbox and registered:
        selector.unregister(job.wfd)


def _drain(job: Job, chunks: int = 16) -> list[str]:
    """Read what the job wrote (up to ``chunks`` x 64 kB, so a flood cannot stall the batch).

    Every line must be the event the protocol expects next; the first that is not stops the job as
    tampered. Returns the questions whose cases the grader now owes."""
    owed = []
    for _ in range(chunks):
        if job.stop_reason:
            break
        try:
            chunk = os.read(job.rfd, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        job.received += len(chunk)
        if job.received > MAX_CHANNEL_BYTES:  # a flood: stop listening, and stop it
            job.stop_reason = "flood"
            break
        start = len(job.buffer)
        job.buffer += chunk
        taken, end = 0, job.buffer.find(b"\n", start)  # what came before this chunk held no newline
        while end >= 0 and not job.stop_reason:
            owed += _take(job, bytes(job.buffer[taken:end]))
            taken, end = end + 1, job.buffer.find(b"\n", end + 1)
        del job.buffer[:taken]
        if len(job.buffer) > MAX_EVENT_BYTES and not job.stop_reason:
            _tamper(job, f"a line of more than {MAX_EVENT_BYTES} bytes on the grader's channel")
    return owed


def _take(job: Job, line: bytes) -> list[str]:
    """One line from the warden: parsed, checked against the protocol, kept."""
    try:
        event = json.loads(line) if len(line) <= MAX_EVENT_BYTES else None
    except (ValueError, RecursionError):
        event = None
    try:
        if not isinstance(event, dict):
            raise execution.Tampered(_said(None))
        question = job.protocol.accept(event)
    except execution.Tampered as e:
        _tamper(job, str(e))
        return []
    job.events.append(event)
    if event.get("event") == "tampered":  # the warden caught the notebook's process
        _tamper(job, str(event.get("reason"))[:200])
    return [question] if question else []


def _tamper(job: Job, reason: str) -> None:
    job.tampered = job.tampered or reason
    job.stop_reason = "tampered"


def _close(job: Job, selector) -> None:
    for fd in (job.rfd, job.wfd):
        if fd >= 0:
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(fd)
            os.close(fd)
    job.rfd = job.wfd = -1
    if job.workdir:
        import shutil

        shutil.rmtree(job.workdir, ignore_errors=True)


GRADER_FAULT = 70  # the exit code of a process whose grader code failed (execution.run, sandbox.run_and_exit)


def _exit_code(status) -> int | None:
    return os.WEXITSTATUS(status) if isinstance(status, int) and os.WIFEXITED(status) else None


def _finish(job_id: int, job: Job, running: dict, selector) -> dict:
    del running[job_id]
    _close(job, selector)
    done = next((e for e in job.events if e.get("event") == "done"), None)
    died = next((e for e in job.events if e.get("event") == "died"), None)
    return {
        "kind": "done" if done else job.stop_reason or "died",
        "exit": died.get("exit") if died else job.status,
        "said": str(died.get("error") or "") if died else "",  # why the notebook's process died, if it said
        "seconds": time.monotonic() - job.started,
        "written": list((done or {}).get("written") or []),
        "left": {kind: int((done or {}).get(kind) or 0) for kind in ("threads", "processes")},
    }
