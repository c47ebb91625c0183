"""What the unit tests share: reviews, a latency, a stopwatch for one call, and what ``make -n`` plans.

A claim about "at once" is proven with ``pc.gate`` and the exact ``peak_in_flight``, a claim
about speed with ``pc.verify_timing`` (CONTRIBUTING.md, "How to write a claim").
"""

import functools
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The fake latency most timing tests use, in seconds (the time scale is 1.0).
LATENCY = 0.1

POSITIVE_REVIEW = (
    "Great little kettle. It boils fast, the handle is comfortable and it looks beautiful "
    "on the counter. I would recommend it to anyone."
)
NEGATIVE_REVIEW = (
    "The lid broke after two days and the kettle leaked all over the counter. "
    "Slow to boil, noisy and flimsy. A waste of money, I returned it for a refund."
)
NEUTRAL_REVIEW = "It is a kettle. It holds water and sits on the counter."


def elapsed(func, *args, **kwargs) -> tuple[object, float]:
    """Call ``func`` and return ``(result, wall seconds)``."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start



# What a make that runs the tests passes down, and the sizes a caller may have set: a plan is read as
# `make` alone would make it on this machine.
MAKE_INHERITED = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "JOBS", "REAL_JOBS")


@functools.cache
def make_plan(*args: str) -> str:
    """The commands ``make -n *args`` would run, continuation lines joined.

    Run once per argument list in a pytest process, and shared by the tests that read it: a ``make -n``
    that scans every solution takes seconds, more on a busy machine. No timeout of its own: the tests
    that call it carry a generous pytest-timeout.
    """
    quiet = {k: v for k, v in os.environ.items() if k not in MAKE_INHERITED}
    done = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, env=quiet)
    assert done.returncode == 0, done.stderr
    return done.stdout.replace("\\\n", " ")
