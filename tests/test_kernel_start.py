"""nbval's kernel start (root conftest.py): retried when the kernel dies before it is ready, and
forked from a warm zygote when it can be."""

import json
import os
import signal
import time

import jupyter_client.provisioning.local_provisioner as local
import nbval.kernel
import pytest
from jupyter_client import KernelManager
from kernel_start import KERNEL_DEPENDENT, PRELOADED, with_retries

PROBE = """
import json, os, sys
print(json.dumps({"cwd": os.getcwd(), "own_session": os.getsid(0) == os.getpid(), "parent": os.getppid(),
                  "marker": os.environ.get("KERNEL_TEST_MARKER"), "path0": sys.path[0],
                  "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_nbval_starts_kernels_through_the_retrying_wrapper_and_the_warm_launch():
    assert nbval.kernel.start_new_kernel.__qualname__ == "with_retries.<locals>.start"
    assert local.launch_kernel.__qualname__ == "warm_launch.<locals>.launch"


def started(folder, env, stderr=None):
    """A kernel of the course's kernelspec, as nbval starts one; its manager, client and probe."""
    km = KernelManager(kernel_name="parallel-course")
    km.start_kernel(cwd=str(folder), env=env, stderr=stderr)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    said = []
    kc.execute_interactive(PROBE, timeout=30, output_hook=lambda m: said.append(m["content"].get("text", "")))
    return km, kc, json.loads("".join(said))


def stopped(km, kc):
    kc.stop_channels()
    km.shutdown_kernel()
    assert not km.is_alive()


def test_a_warm_kernel_starts_as_a_fresh_one_does_plus_the_preloads(tmp_path):
    """Forked in the notebook's folder, in its own session; the modules a kernel's start affects are
    as in a kernel launched as usual (another environment: the zygote does not serve it)."""
    fresh_km, fresh_kc, fresh = started(tmp_path, {**os.environ, "KERNEL_TEST_MARKER": "fresh"})
    stopped(fresh_km, fresh_kc)
    km, kc, warm = started(tmp_path, dict(os.environ))
    try:
        assert fresh["marker"] == "fresh" and fresh["parent"] == os.getpid()  # launched as usual
        assert warm["marker"] is None and warm["parent"] != os.getpid()  # forked by the zygote
        for probe in (fresh, warm):
            assert probe["cwd"] == str(tmp_path) and probe["own_session"]
        assert warm["path0"] == fresh["path0"]
        preloaded = {m.split(".")[0] for m in PRELOADED}
        assert preloaded <= set(warm["loaded"]) and not preloaded & set(fresh["loaded"])
        assert set(KERNEL_DEPENDENT) & set(warm["loaded"]) == set(KERNEL_DEPENDENT) & set(fresh["loaded"])
        reply = kc.execute_interactive("import time\ntime.sleep(0.2)\n6 * 7", timeout=30)
        assert reply["content"]["status"] == "ok"
    finally:
        stopped(km, kc)


def test_a_warm_kernels_output_goes_where_the_launch_says(tmp_path):
    """nbval sends a kernel's stderr to /dev/null; here, to a file."""
    with open(tmp_path / "stderr.txt", "w") as stderr:
        km, kc, probe = started(tmp_path, dict(os.environ), stderr=stderr)
    try:
        assert probe["parent"] != os.getpid()  # forked
        kc.execute_interactive("import sys\nprint('to the stderr file', file=sys.__stderr__, flush=True)", timeout=30)
        assert "to the stderr file" in (tmp_path / "stderr.txt").read_text()
    finally:
        stopped(km, kc)


def test_a_warm_kernel_is_interrupted_and_killed_like_any_kernel(tmp_path):
    km, kc, _ = started(tmp_path, dict(os.environ))
    try:
        msg_id = kc.execute("import time\nprint('asleep', flush=True)\ntime.sleep(60)")
        while True:  # interrupt once the cell runs (event order, not a guessed half second)
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                assert "asleep" in msg["content"]["text"]
                break
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=60)
        assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["ename"] == "KeyboardInterrupt"
        pid = km.provisioner.pid
        km.provisioner.process.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 60
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not km.is_alive() and not os.path.exists(f"/proc/{pid}")
    finally:
        stopped(km, kc)


def test_a_kernel_that_dies_once_is_started_again():
    calls = []

    def flaky_start(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "km", "kc"

    assert with_retries(flaky_start)(kernel_name="k") == ("km", "kc")
    assert calls == [{"kernel_name": "k"}] * 2


def test_a_kernel_that_keeps_dying_raises_after_the_last_attempt():
    calls = []

    def dead_start():
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    with pytest.raises(RuntimeError, match="Kernel died"):
        with_retries(dead_start, attempts=3)()
    assert len(calls) == 3
