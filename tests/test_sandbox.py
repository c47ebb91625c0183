"""The grading sandbox: hostile submissions to notebook 01, graded in one batch beside honest ones.

Each hostile notebook is the learner notebook's init and check cells around one attack. Its cell ends
by raising ``RuntimeError(f"RESULT {what it achieved}")``, so the row's feedback says what it managed.
After the batch: nothing changed outside the sandboxes (the repository, OUT, the submissions, the zips,
the file system's root and the grader's home, the sandboxes' user keyrings), no process of the batch is
alive, no cgroup of it is left, the test server on loopback saw no connection, and the honest
submissions have their exact scores. The grader runs in a session keyring of its own holding a secret key.
"""

import contextlib
import csv
import errno
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pyseccomp
import pytest
from exercises import ROOT
from grading_support import (
    NAME,
    answered,
    answers,
    autograder_zip,
    learner,
    minimal,
    processes_named,
    reduced,
    run_grader,
    write,
)

from course_tools.grading import sandbox
from course_tools.grading.assignments import load_assignment

# the attacking class runs in make test-full (.ci/run runs it), by a root grader and by one that is not: make test
# keeps to the checks of every day, within its budget (README)
pytestmark = pytest.mark.full

SECRET = f"sk-grader-secret-{uuid.uuid4().hex}"
PACKAGE = ROOT / "shared" / "parallel_course"  # read-only in the sandbox, wherever the course lives
MARK = f"detached-{uuid.uuid4().hex[:12]}"
KEY, KEY_SECRET, PLANTED = (f"course-grader-test-{what}-{uuid.uuid4().hex}" for what in ("key", "secret", "planted"))
NR = {name: pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name) for name in (
    "keyctl", "add_key", "request_key", "memfd_create", "memfd_secret", "unshare", "clone", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "ptrace", "process_vm_readv")}  # fmt: skip
# A prefix for run_grader: the grader runs in a new session keyring holding KEY, as a shell's would.
KEYRING = (sys.executable, "-c", f"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
assert libc.syscall({NR["keyctl"]}, 1, None) > 0  # KEYCTL_JOIN_SESSION_KEYRING: a new one, not the test's
assert libc.syscall({NR["add_key"]}, b"user", {KEY.encode()!r}, {KEY_SECRET.encode()!r}, {len(KEY_SECRET)}, -3) > 0
os.execvp(sys.argv[1], sys.argv[1:])
""")  # fmt: skip
# What an attack cell starts with: ``denied(what, number, *args)`` makes a system call and records in
# ``found`` any outcome but EPERM.
SYSCALLS = f"""import ctypes, errno, os
NR = {NR!r}
libc = ctypes.CDLL(None, use_errno=True)
def denied(what, *args):
    result = libc.syscall(*args)
    if result >= 0 or ctypes.get_errno() != errno.EPERM:
        found.append(f"{{what}}: {{result}} {{errno.errorcode.get(ctypes.get_errno(), '')}}")
    return result
"""
# Read the grader's key: find it in the session keyring and read it, ask for it, list the keyrings, /proc/keys.
READ_KEYS = SYSCALLS + f"""key = denied("keyctl search", NR["keyctl"], 10, -3, b"user", {KEY.encode()!r}, 0)
buffer = ctypes.create_string_buffer(4096)
for target in [key, -3, -4, -5]:
    size = denied(f"keyctl read {{target}}", NR["keyctl"], 11, target, buffer, 4096)
    if size > 0:
        found.append(buffer.raw[:size])
denied("request_key", NR["request_key"], b"user", {KEY.encode()!r}, None, -3)
if {KEY!r} in open("/proc/keys").read():
    found.append("/proc/keys")
"""


def attack(body: str) -> str:
    """An attack cell: ``body`` fills the list ``found``; the cell raises with it."""
    return f"found = []\n{body}\nraise RuntimeError(f'RESULT {{found}}')"


# beside an honest notebook: its autogroup back at nice 0, busy children in new sessions
A_CPU = attack(
        "import os, time\n"
        "def reset():\n"
        "    with open('/proc/self/autogroup', 'w') as f: f.write('0')\n"
        "reset()\n"
        "children = []\n"
        "for _ in range(16):\n"
        "    child = os.fork()\n"
        "    if child == 0:\n"
        "        try:\n"
        "            os.setsid()\n"
        "            reset()\n"
        "            new = 1\n"
        "        except OSError:\n"
        "            new = 0\n"
        "        end = time.monotonic() + 6\n"
        "        while time.monotonic() < end: pass\n"
        "        os._exit(new)\n"
        "    children.append(child)\n"
        "sessions = sum(os.waitstatus_to_exitcode(os.waitpid(c, 0)[1]) for c in children)\n"
        "if sessions: found.append(f'{sessions} new sessions')"
    )


def attacks(paths: dict[str, Path], port: int) -> dict[str, str]:
    """{student: attack cell}, with the paths it aims at."""
    targets = [
        "/PWNED_root.txt",
        str(paths["repo"] / "PWNED_repo.txt"),
        "../../PWNED_outside.txt",
        str(paths["out"] / "PWNED_out.txt"),
        str(paths["zips"] / f"{NAME}.zip"),
        str(paths["subs"] / "alice" / f"{NAME}.ipynb"),
        str(Path.home() / "PWNED_home.txt"),
    ]
    return {
        "h_write": attack(
            f"for p in {targets!r}:\n"
            "    try:\n"
            "        with open(p, 'w') as f: f.write('x')\n"
            "        found.append(p)\n"
            "    except OSError:\n"
            "        pass\n"
            "import os\n"
            "try:\n"
            "    os.symlink('/', 'root_link')\n"
            f"    open('root_link/' + {str(paths['repo'] / 'PWNED_link.txt')!r}, 'w').write('x')\n"
            "    found.append('symlink')\n"
            "except OSError:\n"
            "    pass"
        ),
        "h_sibling": (
            "import json\n"
            f"nb = json.load(open({str(paths['subs'] / 'alice' / f'{NAME}.ipynb')!r}))\n"
            "for cell in nb['cells']:\n"
            "    if cell['cell_type'] == 'code' and 'import otter' not in ''.join(cell['source']):\n"
            "        exec(''.join(cell['source']))"
        ),
        "h_read": attack(
            f"for p in {[str(paths['zips'] / f'{NAME}.zip'), str(paths['repo'] / 'solutions' / f'{NAME}.ipynb'), str(paths['repo'] / 'README.md'), '/etc/passwd', '/etc/shadow']!r}:\n"  # noqa: E501
            "    try:\n"
            "        open(p, 'rb').read(10)\n"
            "        found.append(p)\n"
            "    except OSError:\n"
            "        pass"
        ),
        "h_env": attack(
            "import os\n"
            f"secret = {SECRET[:18]!r}\n"
            "if any(secret in v for v in os.environ.values()): found.append('os.environ')\n"
            "for p in ['/proc/self/environ', '/proc/1/environ']:\n"
            "    try:\n"
            "        if secret.encode() in open(p, 'rb').read(): found.append(p)\n"
            "    except OSError:\n"
            "        pass"
        ),
        "h_net": attack(
            "import socket\n"
            f"for host in ['127.0.0.1', 'localhost', {socket.gethostname()!r}]:\n"
            "    try:\n"
            f"        socket.create_connection((host, {port}), timeout=2).close()\n"
            "        found.append(host)\n"
            "    except OSError:\n"
            "        pass\n"
            "try:  # vsock reaches a virtual machine's host from any network namespace (not connected here)\n"
            "    socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM).close()\n"
            "    found.append('vsock')\n"
            "except OSError:\n"
            "    pass"
        ),
        "h_forkbomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        "h_memory": attack("block = bytearray(4 * 2**30)\nfound.append(len(block))"),
        "h_bigfile": attack(
            "chunk = b'x' * 2**24\n"
            "try:\n"
            "    with open('big.bin', 'wb') as f:\n"
            "        for _ in range(128):\n"
            "            f.write(chunk)\n"
            "    found.append('2 GiB written')\n"
            "except OSError as e:\n"
            "    found.append(type(e).__name__ + ' ' + str(e.errno))"
        ),
        "h_detached": (
            "import os\n"
            "if os.fork() == 0:\n"
            "    try:\n"
            "        os.setsid()\n"
            "    except OSError:  # denied: it stays in the sandbox's session\n"
            "        pass\n"
            "    if os.fork() == 0:\n"
            f"        os.execv('/bin/sh', ['sh', '-c', 'sleep 5; echo x > {paths['repo'] / 'PWNED_late.txt'}', {MARK!r}])\n"  # noqa: E501
            "    os._exit(0)"
        ),
        "a_cpu": A_CPU,  # first in the batch (sorted), beside alice
        "h_sleeper": "import threading, time\nthreading.Thread(target=time.sleep, args=(10**6,)).start()",
        "h_keys": attack(
            READ_KEYS + "for ring in [-4, -5]:  # the user keyring and the user session keyring, which outlive it\n"
            f"    denied('add_key', NR['add_key'], b'user', {PLANTED.encode()!r}, b'x', 1, ring)"
        ),
        "h_memfd": attack(
            SYSCALLS + "held = 0\n"
            "for _ in range(16):  # 3 GB in memfds of 192 MB (the limit on a file's size holds for a memfd)\n"
            "    fd = denied('memfd_create', NR['memfd_create'], b'x', 0)\n"
            "    if fd < 0:\n"
            "        break\n"
            "    for _ in range(3):\n"
            "        held += os.write(fd, b'x' * 2**26)\n"
            "if held: found.append(f'{held} bytes in memfds')\n"
            "denied('memfd_secret', NR['memfd_secret'], 0)\n"
            "try:\n"
            "    os.memfd_create('y')\n"
            "    found.append('os.memfd_create')\n"
            "except OSError as e:\n"
            "    if e.errno != errno.EPERM: found.append(str(e))"
        ),
        "h_xattr": attack(
            "import errno, os\n"
            "open('/tmp/empty', 'w').close()\n"
            "fd = os.open('/tmp/empty', os.O_RDONLY)\n"
            "stored = 0\n"
            "for target, follow in [('/tmp/empty', True), ('/tmp/empty', False), (fd, True), ('/submission', True)]:\n"
            "    try:\n"
            "        while stored < 2**30:\n"
            "            os.setxattr(target, f'user.{stored}', b'x' * 65536, follow_symlinks=follow)\n"
            "            stored += 65536\n"
            "    except OSError as e:\n"
            "        if e.errno != errno.EPERM: found.append(str(e))\n"
            "if stored: found.append(f'{stored} bytes of xattrs')"
        ),
        "h_inodes": attack(  # files cost the kernel memory that a tmpfs's size does not count
            "made = 0\n"
            "try:\n"
            "    while made < 100_000:\n"
            "        open(f'/tmp/{made}', 'w').close()\n"
            "        made += 1\n"
            "except OSError:\n"
            "    pass\n"
            "if made > 4096: found.append(f'{made} files in /tmp')"
        ),
        "h_ipc": attack(  # System V segments and queues live as long as its IPC namespace, in memory
            "import ctypes\n"
            "libc = ctypes.CDLL(None)\n"
            "segments = sum(libc.shmget(0, ctypes.c_size_t(2**26), 0o1600) >= 0 for _ in range(32))\n"
            "if segments > 2: found.append(f'{segments} segments of 64 MB')\n"
            "queues = sum(libc.msgget(0, 0o1600) >= 0 for _ in range(64))\n"
            "if queues > 16: found.append(f'{queues} message queues')"
        ),
        "h_nest": attack(
            SYSCALLS + "if denied('unshare', NR['unshare'], 0x10020000, 0) == 0:  # a user and a mount namespace\n"
            "    if libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) == 0: found.append('tmpfs mounted')\n"
            "child = denied('clone', NR['clone'], 0x10000000 | 17, 0, 0, 0, 0)  # CLONE_NEWUSER | SIGCHLD\n"
            "if child == 0: os._exit(0)\n"
            "if child > 0: os.waitpid(child, 0)\n"
            "import subprocess\n"
            "run = subprocess.run(['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c',\n"
            "                      'mount -t tmpfs none /tmp && echo mounted'], capture_output=True, text=True)\n"
            "if 'mounted' in run.stdout: found.append('unshare(1) mounted a tmpfs')"
        ),
        "h_uring": attack(
            SYSCALLS + "params = ctypes.create_string_buffer(120)\n"
            "for entries in [8, 1]:\n"
            "    denied('io_uring_setup', NR['io_uring_setup'], entries, params)\n"
            "denied('io_uring_enter', NR['io_uring_enter'], 0, 1, 0, 0, None, 0)\n"
            "denied('io_uring_register', NR['io_uring_register'], 0, 0, None, 0)"
        ),
        "h_ptrace": attack(
            SYSCALLS + "import ast, time\n"
            "secret = b'pid 1 memory'\n"
            "local = ctypes.create_string_buffer(len(secret))\n"
            "iovecs = [(ctypes.c_void_p * 2)(ctypes.addressof(local), len(secret)),\n"
            "          (ctypes.c_void_p * 2)(id(secret) + bytes.__basicsize__ - 1, len(secret))]\n"
            "r, w = os.pipe()\n"
            "child = os.fork()\n"
            "if child == 0:  # PID 1's child: attach to PID 1, read its memory, be traced by it\n"
            "    found.clear()\n"
            "    denied('ptrace attach 1', NR['ptrace'], 16, 1, 0, 0)\n"
            "    denied('ptrace seize 1', NR['ptrace'], 0x4206, 1, 0, 0)\n"
            "    denied('process_vm_readv 1', NR['process_vm_readv'], 1, iovecs[0], 1, iovecs[1], 1, 0)\n"
            "    denied('ptrace traceme', NR['ptrace'], 0, 0, 0, 0)\n"
            "    os.write(w, repr(found).encode())\n"
            "    time.sleep(1)\n"
            "    os._exit(0)\n"
            "denied('ptrace seize child', NR['ptrace'], 0x4206, child, 0, 0)  # PID 1 traces its child\n"
            "os.close(w)\n"
            "found += ast.literal_eval(os.read(r, 65536).decode() or '[]')\n"
            "os.waitpid(child, 0)"
        ),
        "h_flood": (
            "import os\nblob = b'x' * 2**20\nwhile True:\n    for fd in range(3, 64):\n        try:\n"
            "            os.write(fd, blob)\n        except OSError:\n            pass"
        ),
    }


class Listener:
    """A TCP server on loopback that counts the connections it accepts."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port, self.connections = self.sock.getsockname()[1], 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def digest(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part in skip for part in p.relative_to(folder).parts)
    }


def repository_state() -> str:
    """What git sees of the working tree (changes and untracked files), plus the tracked files' hashes."""
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True)
    hashes = subprocess.run(["git", "ls-files", "-s", "--debug"], cwd=ROOT, capture_output=True)
    return status.stdout.decode() + hashlib.sha256(hashes.stdout).hexdigest()


SECRETS = {"OPENAI_API_KEY": SECRET, "COURSE_GRADER_TEST_SECRET": SECRET}  # in the grader's environment
# Where a root grader makes its sandboxes' cgroups (memory's hierarchy first); none otherwise.
CGROUPS = (
    [Path(base, sandbox.CGROUP_DIR) for base, _, _ in sandbox.cgroup_hierarchies(sandbox.Limits())]
    if os.getuid() == 0
    else []
)


def uids_under(pid: int) -> set[int]:
    """The sandbox user ids of the processes that descend from ``pid`` now."""
    parents, uids = {}, {}
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, ValueError, StopIteration):
            lines = status.read_text().splitlines()
            child = int(status.parent.name)
            parents[child] = int(next(line.split()[1] for line in lines if line.startswith("PPid:")))
            uids[child] = int(next(line.split()[1] for line in lines if line.startswith("Uid:")))
    found = set()
    for child, uid in uids.items():
        ancestor, hops = parents.get(child), 0
        while ancestor not in (None, 0, 1, pid) and hops < 64:
            ancestor, hops = parents.get(ancestor), hops + 1
        if ancestor == pid and uid >= sandbox.SANDBOX_UID:
            found.add(uid)
    return found


def key_users() -> dict[int, int]:
    """{user id: keys it owns} of the sandboxes' users that no process runs as (/proc/key-users lists every
    user that owns one; a sandbox of another grader running on the machine owns its session keyring)."""
    with open("/proc/key-users") as f:
        users = {int(uid): int(rest.split()[0]) for uid, rest in (line.split(":") for line in f)}
    live = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            live |= {int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("Uid:")}
    sandboxes = range(sandbox.SANDBOX_UID, sandbox.SANDBOX_UID + sandbox.PID_MAX)
    return {uid: keys for uid, keys in users.items() if uid in sandboxes and uid not in live}


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def memory_peak(batch: Path) -> int:
    """The most memory a batch's sandboxes used together (cgroup v1 or v2)."""
    v1 = batch / "memory.max_usage_in_bytes"
    return int((v1 if v1.exists() else batch / "memory.peak").read_text())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandbox")
    zips, subs, out = tmp / "zips", tmp / "submissions", tmp / "out"
    for folder in (zips, subs, out):
        folder.mkdir()
    autograder_zip(zips)
    (out / "keep.txt").write_text("the instructor's own file in OUT")
    write(reduced(answered(answers()), load_assignment(zips / f"{NAME}.zip", ROOT / "notebooks")), subs, "alice")
    write(reduced(learner(), load_assignment(zips / f"{NAME}.zip", ROOT / "notebooks")), subs, "bob")
    listener = Listener()
    cases = attacks({"repo": ROOT, "out": out, "zips": zips, "subs": subs}, listener.port)
    for student, cell in cases.items():
        write(minimal(cell), subs, student)
    stale = [top / f"batch-{dead_pid()}" / f"sandbox-{dead_pid()}" for top in CGROUPS]  # a grader killed -9
    for folder in stale:
        folder.mkdir(parents=True)
    batches = {p.name for top in CGROUPS for p in top.glob("batch-*")}
    before = {
        "repo": repository_state(),
        "subs": digest(subs),
        "zips": digest(zips),
        "out": digest(out),
        "root": sorted(os.listdir("/")),
        "home": sorted(os.listdir(Path.home())),
        "key_users": key_users(),
    }
    started = time.monotonic()
    grader = run_grader(subs, out, zips, "--timeout", "60", env=SECRETS, wait=False, prefix=KEYRING)
    peaks = {}  # batch -> the most memory its sandboxes used together, read while it runs (a batch's cgroup
    sandbox_uids = set()  # goes with the next sandbox of any grader on the machine once it ends)
    while grader.poll() is None:
        for batch in (b for top in CGROUPS[:1] for b in top.glob("batch-*") if b.name not in batches):
            with contextlib.suppress(OSError, ValueError):
                peaks[batch.name] = max(peaks.get(batch.name, 0), memory_peak(batch))
        sandbox_uids |= uids_under(grader.pid)  # this batch's sandbox users, not another grader's beside it
        time.sleep(0.2)
    stdout, stderr = grader.communicate()
    done = subprocess.CompletedProcess(grader.args, grader.returncode, stdout.decode(), stderr.decode())
    seconds = time.monotonic() - started
    time.sleep(max(0.0, 6.5 - seconds))  # the detached child's 5 s are over
    cgroups = {"stale": stale, "batches": [p for top in CGROUPS for p in top.glob("batch-*") if p.name not in batches],
               "peaks": peaks}  # fmt: skip
    before["sandbox_uids"] = sandbox_uids
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return {"done": done, "rows": rows, "out": out, "subs": subs, "zips": zips, "before": before, "cases": cases,
            "listener": listener, "seconds": seconds, "cgroups": cgroups}  # fmt: skip


def feedback(hostile, student: str) -> str:
    return (hostile["out"] / "feedback" / student / f"{NAME}.md").read_text()


def result_of(hostile, student: str) -> str:
    """What the attack cell found, from the error it raised (``RESULT [...]``)."""
    text = feedback(hostile, student)
    assert "RuntimeError: RESULT" in text, text[-1500:]
    return text.split("RuntimeError: RESULT", 1)[1].split("`", 1)[0].strip()


def test_the_batch_completes_with_a_row_and_a_reason_for_every_submission(hostile):
    assert hostile["done"].returncode == 0, hostile["done"].stderr[-3000:]
    rows = hostile["rows"]
    assert set(rows) == {"alice", "bob", *hostile["cases"]}
    for student in hostile["cases"]:
        assert rows[student]["reason"], student


def test_honest_submissions_keep_their_exact_scores(hostile):
    alice, bob = hostile["rows"]["alice"], hostile["rows"]["bob"]
    assert alice["status"] == "graded" and float(alice["total"]) == float(alice["max"]) > 0, alice["reason"]
    assert bob["status"] == "graded" and float(bob["total"]) == 0, bob["reason"]
    assert "UNSANDBOXED" not in alice["reason"]


def test_nothing_outside_the_sandboxes_changed(hostile):
    before = hostile["before"]
    assert result_of(hostile, "h_write") == "[]"
    assert repository_state() == before["repo"]
    assert digest(hostile["subs"]) == before["subs"]
    assert digest(hostile["zips"]) == before["zips"]
    written = ("feedback", "grades.csv", "summary.csv", "summary.png", "similarity.csv", "similarity.html")
    assert digest(hostile["out"], skip=written) == before["out"]
    assert sorted(os.listdir("/")) == before["root"]
    assert sorted(os.listdir(Path.home())) == before["home"]
    assert not list(ROOT.glob("PWNED*")) and not list(hostile["subs"].parent.rglob("PWNED*"))


def test_a_sibling_and_the_tests_cannot_be_read(hostile):
    sibling = hostile["rows"]["h_sibling"]
    assert float(sibling["total"]) == 0 and "FileNotFoundError" in feedback(hostile, "h_sibling")
    assert result_of(hostile, "h_read") == "[]"


def test_no_secret_of_the_graders_environment_reaches_a_submission(hostile):
    assert result_of(hostile, "h_env") == "[]"
    assert SECRET not in "".join(p.read_text() for p in (hostile["out"] / "feedback").rglob("*.md"))


def test_no_network_not_even_loopback(hostile):
    assert result_of(hostile, "h_net") == "[]"
    assert hostile["listener"].connections == 0


def test_a_fork_bomb_is_stopped_at_its_task_limit(hostile):
    row = hostile["rows"]["h_forkbomb"]
    assert row["status"] == "error" and "fork bomb" in row["reason"], row
    assert float(row["seconds"]) < 30  # stopped by the limit, not by the 60 s timeout


def test_a_flood_on_the_graders_channel_is_stopped(hostile):
    row = hostile["rows"]["h_flood"]
    assert row["status"] == "tampered" and "unreadable reply" in row["reason"], row  # the warden's socket: no pipe
    assert float(row["seconds"]) < 30


def test_memory_and_file_size_are_capped(hostile):
    assert "MemoryError" in hostile["rows"]["h_memory"]["reason"]
    found = result_of(hostile, "h_bigfile")
    assert "2 GiB written" not in found and ("27" in found or "28" in found), found  # EFBIG or ENOSPC


def test_the_graders_keys_cannot_be_read_and_no_key_outlives_the_batch(hostile):
    outside = subprocess.run([*KEYRING, sys.executable, "-c", f"found = []\n{READ_KEYS}\nprint(found)"],
                             capture_output=True, text=True)  # fmt: skip
    assert KEY_SECRET in outside.stdout, outside  # the same code, unsandboxed, reads it
    assert result_of(hostile, "h_keys") == "[]"
    before = hostile["before"]["key_users"]  # the next batch's sandboxes, with the same ids, find no new key
    ours = hostile["before"]["sandbox_uids"]  # a batch graded beside this one (another test) has keys of its own
    assert ours, "the batch's sandbox users were seen while it ran"
    left = {uid: keys for uid, keys in key_users().items() if uid in ours}
    assert all(keys <= before.get(uid, 0) for uid, keys in left.items()), (left, before)


def test_memory_no_limit_counts_cannot_be_taken(hostile):
    for student in ("h_memfd", "h_xattr", "h_inodes", "h_ipc"):
        assert result_of(hostile, student) == "[]", student


def test_no_namespace_io_uring_or_ptrace(hostile):
    for student in ("h_nest", "h_uring", "h_ptrace"):
        assert result_of(hostile, student) == "[]", student


@pytest.mark.skipif(not CGROUPS, reason="only a root grader makes cgroups")
def test_every_cgroup_of_the_batch_and_of_a_killed_one_is_removed(hostile):
    ended = [b for b in hostile["cgroups"]["batches"] if not Path(f"/proc/{b.name.split('-')[1]}").exists()]
    batches = ended  # a running batch is another grader's on this machine
    peaks = hostile["cgroups"]["peaks"]
    assert peaks and all(peak <= 2 * sandbox.Limits().memory for peak in peaks.values()), peaks  # 2 workers
    assert not [box for batch in batches for box in batch.glob("sandbox-*")]
    assert not [box for box in hostile["cgroups"]["stale"] if box.parent.exists()]


def test_a_sibling_that_takes_the_cpu_leaves_an_honest_one_its_share(hostile):
    assert result_of(hostile, "a_cpu") == "[]"  # its autogroup back at nice 0, but no new session
    alice = hostile["rows"]["alice"]
    assert float(alice["total"]) == float(alice["max"]) and float(alice["seconds"]) < 60, alice


def test_no_process_of_the_batch_survives_it(hostile):
    assert processes_named(MARK) == []
    assert not (ROOT / "PWNED_late.txt").exists()
    sleeper = hostile["rows"]["h_sleeper"]
    assert sleeper["status"] == "graded" and float(sleeper["seconds"]) < 30  # its thread did not hold it up


def test_the_sandbox_mounts_only_what_a_notebook_reads():
    readable = sandbox.readable_paths()
    assert str(ROOT) not in readable and not any(p == str(Path.home()) for p in readable)
    inside_repo = sorted(p for p in readable if p.startswith(str(ROOT) + "/"))
    venv = os.path.realpath(sys.prefix)
    assert [p for p in inside_repo if not p.startswith(venv)] == [
        str(ROOT / "data"),
        str(ROOT / "shared" / "parallel_course"),
    ]


def in_sandbox(readable: list[str], probe, limits: sandbox.Limits | None = None) -> str:
    """What ``probe()`` returns (or the sandbox reports) when run in a sandbox that can read ``readable`` too."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            paths = sandbox.readable_paths() + readable

            def say(*message: str) -> None:
                os.write(wfd, message[-1].encode())

            sandbox.confine(lambda: say(probe()), paths, limits or sandbox.Limits(), say)
        finally:
            os._exit(70)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as f:
        said = f.read().decode()
    os.waitpid(pid, 0)
    return said


def test_a_readable_folder_under_tmp_is_there_and_read_only():
    """The sandbox's private /tmp must not hide what it reads from the host's /tmp (a clone in /tmp)."""
    folder = Path(tempfile.mkdtemp(prefix="sandbox-readable-", dir="/tmp"))
    try:
        folder.chmod(0o755)  # readable by the sandbox's own user, as a clone's files are
        (folder / "data.txt").write_text("course data")

        def probe() -> str:
            try:
                (folder / "written.txt").write_text("x")
                written = "written"
            except OSError as e:
                written = errno.errorcode[e.errno]
            return f"{(folder / 'data.txt').read_text()} | {written} | {sorted(os.listdir('/tmp'))}"

        said = in_sandbox([str(folder)], probe)
        bound = {p.split("/")[2] for p in sandbox.readable_paths() if p.startswith("/tmp/")} | {folder.name}
        assert said == f"course data | EROFS | {sorted(bound)}", said  # read-only; its /tmp: only the binds
        assert not (folder / "written.txt").exists()
    finally:
        shutil.rmtree(folder)


@pytest.mark.skipif(not CGROUPS, reason="only a root grader makes cgroups")
def test_files_in_memory_count_against_the_memory_limit():
    """1.5 GB of files on its tmpfs, under a limit of 256 MB: the kernel stops it; the machine keeps its memory."""
    limits = sandbox.Limits(memory=256 * 2**20, scratch=2 * 2**30)

    def probe() -> str:
        for i in range(96):
            with open(f"/submission/fill{i}.bin", "wb") as f:
                f.write(b"x" * 2**24)
        return "1.5 GB held"

    def available() -> int:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))

    before, lowest, running = available(), [available()], True

    def sample():
        while running:
            lowest.append(available())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        said = in_sandbox([], probe, limits)
    finally:
        running = False
        sampler.join()
    assert said == "stopped: it used more than 0.25 GB of memory (its files included)", said
    assert before - min(lowest) < limits.memory + 512 * 2**20  # others' work on this machine: the margin
