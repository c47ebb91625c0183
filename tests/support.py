"""What the helper package's unit tests share: reviews, a latency, and a stopwatch for one call.

A claim about "at once" is proven with ``pc.gate`` and the exact ``peak_in_flight``, a claim
about speed with ``pc.verify_timing`` (CONTRIBUTING.md, "How to write a claim").
"""

import time

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

