"""Shared fixtures for the unit tests of ``parallel_course``.

The helper tests measure real wall time, so they pin the course's time scale to 1.0
with the ``real_time`` fixture (each helper test module applies it to all its tests via
``pytestmark``). It is not autouse: other tests in this folder (the notebook checks)
keep whatever ``COURSE_TIME_SCALE`` the caller set.
"""

import pytest

from parallel_course.fake_chat_model import FakeChatModel


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
