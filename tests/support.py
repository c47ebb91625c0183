"""What the helper package's unit tests share: reviews, a latency, and how to time on a busy machine.

Load only ever adds time. So a test measures a few runs and asserts once: an upper bound on the
fastest run (``fastest``), a lower bound on the most overlap or ticks any run reached (``most``).
A truly slow or serial implementation fails every run; a busy machine rarely spoils them all.
"""

import time
from collections.abc import Callable

# The fake latency most timing tests use, in seconds (the time scale is 1.0).
LATENCY = 0.1
RUNS = 3

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


def fastest(measure: Callable[[], float], runs: int = RUNS) -> float:
    """The smallest of ``runs`` measurements (build what a run counts inside ``measure``)."""
    return min(measure() for _ in range(runs))


def most(measure: Callable[[], float], runs: int = RUNS) -> float:
    """The largest of ``runs`` measurements: the most overlap, ticks or threads any run reached."""
    return max(measure() for _ in range(runs))
