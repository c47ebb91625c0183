"""One knob for every fake delay: the ``COURSE_TIME_SCALE`` environment variable."""

import math
import os

ENV_VAR = "COURSE_TIME_SCALE"


def time_scale() -> float:
    """Return the factor that multiplies every fake latency (default 1.0)."""
    raw = os.environ.get(ENV_VAR, "1")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be a number, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0:  # nan and inf would break or hang the sleeps
        raise ValueError(f"{ENV_VAR} must be a positive, finite number, got {raw!r}")
    return value


def scaled(seconds: float) -> float:
    """Return ``seconds`` as the fake models will actually wait under the time scale."""
    return seconds * time_scale()
