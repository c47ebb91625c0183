"""nbval's kernel start, made steady and cheap (installed by the root conftest.py).

* ``with_retries``: a kernel that dies before it is ready is started again.
* ``warm_launch``: a kernel is forked from a *zygote*, a process of this worker's that has already
  imported the heavy libraries that ``import parallel_course``, every notebook's first import,
  loads (about 1 CPU-second a kernel, twenty-five kernels a run). The fork is a real ipykernel,
  started as ``python -m ipykernel_launcher -f FILE`` starts one, in the notebook's folder, with
  the environment jupyter_client gives it, in a session of its own. Only modules whose import
  does not depend on the kernel are preloaded: not ipykernel (its settings read the
  environment when imported), tqdm.auto (it picks notebook widgets or text when imported),
  matplotlib (its backend comes from the kernel's MPLBACKEND), nor otter (doctest subclasses
  the kernel's pdb). The zygote runs no course code, so a lesson's claims about first calls and
  imports hold. A start the zygote cannot serve (another command, an environment that differs)
  is an ordinary launch.

    python tests/kernel_start.py SOCKET    # the zygote: imports, says "ready", forks on request
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading

PRELOADED = ("langchain_core.language_models.base", "langchain_core.runnables", "langchain_core.output_parsers",
             "pandas", "nbconvert.exporters", "nbconvert.filters")
KERNEL_DEPENDENT = ("ipykernel", "IPython", "tqdm", "matplotlib", "otter", "doctest", "pdb", "parallel_course")
# variables (prefixes) set per kernel or per test: they may differ from the zygote's
PER_KERNEL = ("JPY_", "PYDEVD_", "COLUMNS", "LINES", "PYTEST_CURRENT_TEST")


def with_retries(start_new_kernel, attempts: int = 3):
    """nbval's kernel start, tried again if the kernel dies before it is ready.

    jupyter_client picks a kernel's five ports by binding port 0 and closing the socket;
    until the kernel binds them, another process may take one (`make test` starts kernels
    in three sessions at once, beside a stream of HTTP connections), and the kernel dies.
    """

    def start(*args, **kwargs):
        for attempt in range(1, attempts + 1):
            try:
                return start_new_kernel(*args, **kwargs)
            except RuntimeError:  # "Kernel died before replying to kernel_info"
                if attempt == attempts:
                    raise

    return start


# -- the worker's side ------------------------------------------------------------------------


class WarmKernel:
    """The ``Popen`` jupyter_client keeps for a kernel, for a kernel forked by the zygote.

    It is not this process's child: liveness comes from a pidfd, and the exit status is not
    known here (``poll`` reports 0 once it has exited).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        return self.wait(timeout=0) if self.returncode is None else self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], timeout)[0]:
            os.close(self._pidfd)
            self.returncode = 0
        if self.returncode is None and timeout != 0:
            raise subprocess.TimeoutExpired(str(self.pid), timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Zygote:
    """This worker's zygote, started on first use with the worker's interpreter and flags."""

    def __init__(self, python: list[str]):
        self.folder = tempfile.mkdtemp(prefix="zygote-")
        self.address = os.path.join(self.folder, "socket")
        self.process = subprocess.Popen([*python, os.path.abspath(__file__), self.address],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        atexit.register(self.stop)
        said = select.select([self.process.stdout], [], [], 120)[0] and self.process.stdout.readline()
        if said != b"ready\n":
            self.stop()
            raise RuntimeError(f"the kernel zygote did not start: {said!r}")

    def fork(self, argv: list[str], env: dict[str, str], cwd: str, stdout, stderr) -> WarmKernel:
        """A kernel forked with ``argv`` (after ``-m``), ``env``, ``cwd`` and the output streams
        ``launch_kernel`` was given (None: this process's); ValueError if refused."""
        with contextlib.ExitStack() as opened, socket.socket(socket.AF_UNIX) as conn:
            fds = []
            for stream, inherited in ((stdout, 1), (stderr, 2)):
                if stream == subprocess.DEVNULL:
                    stream = opened.enter_context(open(os.devnull, "wb"))
                fds.append(inherited if stream is None else stream if isinstance(stream, int) else stream.fileno())
            conn.connect(self.address)
            socket.send_fds(conn, [json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode() + b"\n"], fds)
            answer = json.loads(conn.makefile().readline() or "{}")
        if "pid" not in answer:
            raise ValueError(answer.get("refused", "no answer from the zygote"))
        return WarmKernel(answer["pid"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for path in (self.address, self.folder):
            if os.path.exists(path):
                (os.unlink if path == self.address else os.rmdir)(path)


_zygotes: dict[tuple[str, ...], Zygote | None] = {}
_lock = threading.Lock()


def warm_launch(launch_kernel):
    """jupyter_client's ``launch_kernel``, forking ``python ... -m ipykernel_launcher`` from a zygote."""

    def launch(cmd: list[str], **kwargs):
        if "-m" not in cmd or cmd[cmd.index("-m") + 1:][:1] != ["ipykernel_launcher"] or "cwd" not in kwargs:
            return launch_kernel(cmd, **kwargs)
        python = tuple(cmd[: cmd.index("-m")])
        with _lock:
            if python not in _zygotes:
                try:
                    _zygotes[python] = Zygote(list(python))
                except (OSError, RuntimeError):
                    _zygotes[python] = None
            zygote = _zygotes[python]
        if zygote is None or subprocess.PIPE in (kwargs.get("stdout"), kwargs.get("stderr")):
            return launch_kernel(cmd, **kwargs)
        env = {**(kwargs.get("env") or os.environ), "JPY_PARENT_PID": str(zygote.process.pid)}  # its parent
        try:
            return zygote.fork(cmd[cmd.index("-m") + 2:], env, str(kwargs["cwd"]), kwargs.get("stdout"),
                               kwargs.get("stderr"))
        except (OSError, ValueError):
            return launch_kernel(cmd, **kwargs)

    return launch


# -- the zygote -------------------------------------------------------------------------------


def _differences(env: dict[str, str]) -> list[str]:
    names = (set(env) ^ set(os.environ)) | {n for n in set(env) & set(os.environ) if env[n] != os.environ[n]}
    return sorted(n for n in names if not n.startswith(PER_KERNEL))


def _become_kernel(request: dict, conn: socket.socket, streams: list[int]) -> None:
    """In the forked child: the state ``python -m ipykernel_launcher`` would have, then the kernel."""
    os.setsid()  # before the worker learns the pid: it signals the kernel's process group
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    conn.close()
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    for fd, target in zip(streams, (1, 2), strict=True):  # where launch_kernel was told to send them
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    import ipykernel_launcher
    from ipykernel import kernelapp

    sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
    code = 0
    try:
        kernelapp.launch_new_instance()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(address: str) -> None:
    """Import what every kernel imports, then fork a kernel per request until the worker goes."""
    import importlib

    for module in PRELOADED:
        importlib.import_module(module)
    dependent = sorted({name.split(".")[0] for name in sys.modules} & set(KERNEL_DEPENDENT))
    if dependent:  # a library now imports one of them: forks would not start as fresh kernels do
        sys.stdout.write(f"refused: the preloads imported {', '.join(dependent)}\n")
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they exit
    server = socket.socket(socket.AF_UNIX)
    server.bind(address)
    server.listen()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable = select.select([server, sys.stdin], [], [])[0]
        if sys.stdin in readable:  # the worker has gone
            return
        conn, _ = server.accept()
        with conn:
            data, streams, _, _ = socket.recv_fds(conn, 1 << 20, 2)
            while not data.endswith(b"\n") and (more := conn.recv(1 << 20)):
                data += more
            request = json.loads(data)
            refused = _differences(request["env"])
            if threading.active_count() > 1:
                refused = ["a thread is running"]
            if refused:
                conn.sendall(json.dumps({"refused": f"differs: {', '.join(refused)}"}).encode() + b"\n")
            elif os.fork() == 0:
                server.close()
                _become_kernel(request, conn, streams)
            for fd in streams:
                os.close(fd)


if __name__ == "__main__":
    del sys.path[0]  # tests/: not on a kernel's path
    serve(sys.argv[1])
