"""The sandbox when the grader is not the machine's root, and where no sandbox can be made.

Most instructors are not root: the root of a user namespace stands in for one. A machine without user
namespaces, or without libseccomp's bindings, refuses to grade rather than grade without a sandbox.
"""

import csv
import shutil

import pytest
from exercises import ROOT
from grading_support import NAME, answered, answers, grading_folders, minimal, reduced, run_grader, write
from test_sandbox import A_CPU, KEYRING, PACKAGE, READ_KEYS, attack

from course_tools.grading.assignments import load_assignment


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    return grading_folders(tmp_path_factory, "without-root")[0]


def test_without_user_namespaces_grading_stops_with_a_clear_message(zips, tmp_path):
    """A machine where no sandbox can be made: a user namespace whose limit of user namespaces is 0."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is not installed")
    prefix = ("unshare", "--user", "--map-root-user", "sh", "-c", 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"', "sh")  # noqa: E501
    subs = tmp_path / "submissions"
    write(minimal(), subs, "bob")  # the checks only: what is tested is the refusal, then grading without a sandbox
    refused = run_grader(subs, tmp_path / "out", zips, prefix=prefix, check=False)
    assert refused.returncode != 0
    assert "cannot build the sandbox" in refused.stderr and "--unsandboxed" in refused.stderr
    assert "user namespaces" in refused.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
    run_grader(subs, tmp_path / "out", zips, "--unsandboxed", prefix=prefix)
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["status"] == "graded" and "UNSANDBOXED" in row["reason"]


@pytest.mark.full  # the forging, hostile and attacking classes run so too (make test-full)
def test_a_grader_that_is_not_the_machines_root_sandboxes_in_a_user_namespace(zips, tmp_path):
    """Most instructors are not root: the root of a user namespace stands in for one."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is not installed")
    subs = tmp_path / "submissions"
    write(minimal(), subs, "bob")  # an honest notebook with nothing answered, its checks only
    write(minimal(attack("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
                         "    found.append('net')\nexcept OSError:\n    pass\n"
                         f"try:\n    open({str(PACKAGE / 'PWNED_userns.txt')!r}, 'w')\n    found.append('package')\n"
                         "except OSError:\n    pass")), subs, "h_userns")  # fmt: skip
    write(minimal(attack(READ_KEYS)), subs, "h_keys")
    write(reduced(answered(answers()), load_assignment(zips / f"{NAME}.zip", ROOT / "notebooks")), subs, "alice")
    write(minimal(A_CPU), subs, "a_cpu")  # beside alice: no cgroup here, its autogroup only
    prefix = (*KEYRING, "unshare", "--user", "--map-root-user")
    run_grader(subs, tmp_path / "out", zips, "--timeout", "60", prefix=prefix)
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    alice = rows["alice"]
    assert float(alice["total"]) == float(alice["max"]) > 0 and float(alice["seconds"]) < 60, alice
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["total"]) == 0
    assert "UNSANDBOXED" not in rows["bob"]["reason"] + rows["h_userns"]["reason"]
    for student in ("h_userns", "h_keys", "a_cpu"):
        said = (tmp_path / "out" / "feedback" / student / f"{NAME}.md").read_text()
        assert "RuntimeError: RESULT []" in said, said[-1500:]
    assert not (PACKAGE / "PWNED_userns.txt").exists()


def test_without_libseccomp_grading_stops_with_a_clear_message(zips, tmp_path):
    """No seccomp filter, no sandbox: grading refuses rather than run without it."""
    (tmp_path / "shadow").mkdir()
    (tmp_path / "shadow" / "pyseccomp.py").write_text("raise ImportError('not installed here')\n")
    subs = tmp_path / "submissions"
    write(minimal(), subs, "bob")
    refused = run_grader(subs, tmp_path / "out", zips, env={"PYTHONPATH": str(tmp_path / "shadow")},
                         check=False)  # fmt: skip
    assert refused.returncode != 0 and "cannot build the sandbox" in refused.stderr
    assert "libseccomp's Python bindings are missing" in refused.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
