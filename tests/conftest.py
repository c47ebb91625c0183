"""Shared fixtures for the unit tests of ``parallel_course``.

The helper tests measure real wall time, so they pin the course's time scale to 1.0
with the ``real_time`` fixture (each helper test module applies it to all its tests via
``pytestmark``). It is not autouse: other tests in this folder (the notebook checks)
keep whatever ``COURSE_TIME_SCALE`` the caller set.
"""

import time

import pytest

from parallel_course import FakeChatModel

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


@pytest.fixture
def real_time(monkeypatch: pytest.MonkeyPatch) -> float:
    """Run fake latencies in real time (``COURSE_TIME_SCALE=1.0``); return the scale."""
    monkeypatch.setenv("COURSE_TIME_SCALE", "1.0")
    return 1.0


@pytest.fixture
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep ``get_chat_model`` on the fake even when ``OPENAI_API_KEY`` is set."""
    monkeypatch.setenv("COURSE_MODEL", "fake")


@pytest.fixture
def make_fake():
    """A factory of fake chat models: fast by default, any setting overridable."""

    def make(**settings) -> FakeChatModel:
        settings.setdefault("latency", 0.0)
        return FakeChatModel(**settings)

    return make


def elapsed(func, *args, **kwargs) -> tuple[object, float]:
    """Call ``func`` and return ``(result, wall seconds)``."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


def retry_timing(check, tries: int = 3):
    """Run a timing ``check`` (a function that asserts) up to ``tries`` times; return its result.

    A busy machine only ever adds time, so an upper bound that holds on one run out of
    ``tries`` shows the code is fast enough, while a truly slow implementation still fails
    every run. Build any state the check counts (models, recorders) inside ``check``.
    """
    for attempt in range(1, tries + 1):
        try:
            return check()
        except AssertionError:
            if attempt == tries:
                raise
