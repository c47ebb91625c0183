"""The grading sandbox: hostile submissions to notebook 01, graded in one batch beside honest ones.

Each hostile notebook is the learner notebook's init and check cells around one attack. Its cell ends
by raising ``RuntimeError(f"RESULT {what it achieved}")``, so the row's feedback says what it managed.
After the batch: nothing changed outside the sandboxes (the repository, OUT, the submissions, the zips,
the file system's root and the grader's home), no process of the batch is alive, the test server on
loopback saw no connection, and the honest submissions have their exact scores.
"""

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
    run_grader,
    write,
)

from course_tools.grading import sandbox

SECRET = f"sk-grader-secret-{uuid.uuid4().hex}"
PACKAGE = ROOT / "shared" / "parallel_course"  # read-only in the sandbox, wherever the course lives
MARK = f"detached-{uuid.uuid4().hex[:12]}"


def attack(body: str) -> str:
    """An attack cell: ``body`` fills the list ``found``; the cell raises with it."""
    return f"found = []\n{body}\nraise RuntimeError(f'RESULT {{found}}')"


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
            "        pass"
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
        "h_sleeper": "import threading, time\nthreading.Thread(target=time.sleep, args=(10**6,)).start()",
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


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandbox")
    zips, subs, out = tmp / "zips", tmp / "submissions", tmp / "out"
    for folder in (zips, subs, out):
        folder.mkdir()
    autograder_zip(zips)
    (out / "keep.txt").write_text("the instructor's own file in OUT")
    write(answered(answers()), subs, "alice")
    write(learner(), subs, "bob")
    listener = Listener()
    cases = attacks({"repo": ROOT, "out": out, "zips": zips, "subs": subs}, listener.port)
    for student, cell in cases.items():
        write(minimal(cell), subs, student)
    before = {
        "repo": repository_state(),
        "subs": digest(subs),
        "zips": digest(zips),
        "out": digest(out),
        "root": sorted(os.listdir("/")),
        "home": sorted(os.listdir(Path.home())),
    }
    started = time.monotonic()
    done = run_grader(subs, out, zips, "--timeout", "60", env=SECRETS, check=False)
    seconds = time.monotonic() - started
    time.sleep(max(0.0, 6.5 - seconds))  # the detached child's 5 s are over
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return {"done": done, "rows": rows, "out": out, "subs": subs, "zips": zips, "before": before, "cases": cases,
            "listener": listener, "seconds": seconds}  # fmt: skip


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
    assert digest(hostile["out"], skip=("feedback", "grades.csv", "summary.csv", "summary.png")) == before["out"]
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
    assert row["status"] == "error" and "stopped: it sent the grader more than" in row["reason"], row
    assert float(row["seconds"]) < 30


def test_memory_and_file_size_are_capped(hostile):
    assert "MemoryError" in hostile["rows"]["h_memory"]["reason"]
    found = result_of(hostile, "h_bigfile")
    assert "2 GiB written" not in found and ("27" in found or "28" in found), found  # EFBIG or ENOSPC


def test_no_process_of_the_batch_survives_it(hostile):
    assert processes_named(MARK) == []
    assert not (ROOT / "PWNED_late.txt").exists()
    sleeper = hostile["rows"]["h_sleeper"]
    assert sleeper["status"] == "graded" and float(sleeper["seconds"]) < 30  # its thread did not hold it up


def test_without_user_namespaces_grading_stops_with_a_clear_message(hostile, tmp_path):
    """A machine where no sandbox can be made: a user namespace whose limit of user namespaces is 0."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is not installed")
    prefix = ("unshare", "--user", "--map-root-user", "sh", "-c", 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"', "sh")  # noqa: E501
    subs = tmp_path / "submissions"
    write(minimal(), subs, "bob")  # the checks only: what is tested is the refusal, then grading without a sandbox
    refused = run_grader(subs, tmp_path / "out", hostile["zips"], prefix=prefix, check=False)
    assert refused.returncode != 0
    assert "cannot build the sandbox" in refused.stderr and "--unsandboxed" in refused.stderr
    assert "user namespaces" in refused.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
    run_grader(subs, tmp_path / "out", hostile["zips"], "--unsandboxed", prefix=prefix)
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["status"] == "graded" and "UNSANDBOXED" in row["reason"]


def test_a_grader_that_is_not_the_machines_root_sandboxes_in_a_user_namespace(hostile, tmp_path):
    """Most instructors are not root: the root of a user namespace stands in for one."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is not installed")
    subs = tmp_path / "submissions"
    write(minimal(), subs, "bob")  # an honest notebook with nothing answered, its checks only
    write(minimal(attack("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
                         "    found.append('net')\nexcept OSError:\n    pass\n"
                         f"try:\n    open({str(PACKAGE / 'PWNED_userns.txt')!r}, 'w')\n    found.append('package')\n"
                         "except OSError:\n    pass")), subs, "h_userns")  # fmt: skip
    run_grader(subs, tmp_path / "out", hostile["zips"], prefix=("unshare", "--user", "--map-root-user"))
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["total"]) == 0
    assert "UNSANDBOXED" not in rows["bob"]["reason"] + rows["h_userns"]["reason"]
    said = (tmp_path / "out" / "feedback" / "h_userns" / f"{NAME}.md").read_text()
    assert "RuntimeError: RESULT []" in said and not (PACKAGE / "PWNED_userns.txt").exists()


def test_the_sandbox_mounts_only_what_a_notebook_reads():
    readable = sandbox.readable_paths()
    assert str(ROOT) not in readable and not any(p == str(Path.home()) for p in readable)
    inside_repo = sorted(p for p in readable if p.startswith(str(ROOT) + "/"))
    venv = os.path.realpath(sys.prefix)
    assert [p for p in inside_repo if not p.startswith(venv)] == [
        str(ROOT / "data"),
        str(ROOT / "shared" / "parallel_course"),
    ]


def in_sandbox(readable: list[str], probe) -> str:
    """What ``probe()`` returns when run in a sandbox that can read ``readable`` besides the usual."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            paths = sandbox.readable_paths() + readable

            def say(*message: str) -> None:
                os.write(wfd, message[-1].encode())

            sandbox.confine(lambda: say(probe()), paths, sandbox.Limits(), say)
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
