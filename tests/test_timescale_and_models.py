"""COURSE_TIME_SCALE, get_chat_model, describe_mode and data_path."""

import asyncio

import pytest
from support import NEGATIVE_REVIEW, elapsed

import parallel_course
import parallel_course as pc
from parallel_course import (
    data_path,
    describe_mode,
    fail_always,
    get_chat_model,
    scaled,
    time_scale,
)
from parallel_course.fake_chat_model import FakeChatModel
from parallel_course.responders import RESPONDERS

pytestmark = pytest.mark.usefixtures("real_time", "offline_model")


# -- time scale -------------------------------------------------------------------------


def test_time_scale_defaults_to_one(monkeypatch):
    monkeypatch.delenv("COURSE_TIME_SCALE")
    assert time_scale() == 1.0
    assert scaled(0.25) == 0.25


@pytest.mark.parametrize(("raw", "value"), [("0.5", 0.5), ("2", 2.0), ("1e-3", 0.001), (" 0.1 ", 0.1)])
def test_time_scale_reads_the_environment(monkeypatch, raw, value):
    monkeypatch.setenv("COURSE_TIME_SCALE", raw)
    assert time_scale() == value
    assert scaled(3.0) == pytest.approx(3.0 * value)


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "", "nan", "inf"])
def test_bad_time_scale_raises_value_error_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("COURSE_TIME_SCALE", raw)
    with pytest.raises(ValueError, match="COURSE_TIME_SCALE"):
        time_scale()
    with pytest.raises(ValueError, match="COURSE_TIME_SCALE"):
        FakeChatModel(latency=0).invoke("x")  # read at call time, not at import time


def test_time_scale_shrinks_the_fake_latency(monkeypatch):
    model = FakeChatModel(latency=1.0, respond="done")
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.05")
    message, seconds = elapsed(model.invoke, "x")
    assert message.content == "done"
    assert seconds >= 0.05
    pc.verify_timing(lambda: elapsed(model.invoke, "x")[1], first=seconds, at_most=0.5, expected=0.05,
                     what="a scaled call took", unit=" s")  # 1.0 s unscaled
    _, seconds = elapsed(lambda: asyncio.run(model.ainvoke("x")))
    assert seconds >= 0.05
    pc.verify_timing(lambda: elapsed(lambda: asyncio.run(model.ainvoke("x")))[1], first=seconds, at_most=0.5,
                     expected=0.05, what="a scaled async call took", unit=" s")


def test_time_scale_applies_to_jitter_and_token_delay(monkeypatch):
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.1")
    model = FakeChatModel(latency=0.5, token_delay=0.5, respond="a b c")  # 0.5 + 2 * 0.5 = 1.5 s unscaled
    _, seconds = elapsed(lambda: list(model.stream("x")))
    assert seconds >= 0.15
    pc.verify_timing(lambda: elapsed(lambda: list(model.stream("x")))[1], first=seconds, at_most=0.75,
                     expected=0.15, what="a scaled stream took", unit=" s")
    jittery = FakeChatModel(latency=0.0, jitter=2.0, seed=1)
    _, _, wait = jittery._begin("x")
    assert 0 <= wait <= 0.2


# -- models -------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["sentiment", "summary", "keywords", "echo"])
def test_get_chat_model_answers_like_its_task(task):
    model = get_chat_model(task, latency=0)
    assert isinstance(model, FakeChatModel)
    assert model.name == task
    assert model.invoke(NEGATIVE_REVIEW).content == RESPONDERS[task](NEGATIVE_REVIEW)


def test_get_chat_model_passes_settings_through():
    plan = fail_always()
    model = get_chat_model("summary", latency=0.3, jitter=0.1, token_delay=0.01, seed=9, failure=plan, name="mine")
    assert (model.latency, model.jitter, model.token_delay, model.seed, model.name) == (
        0.3,
        0.1,
        0.01,
        9,
        "mine",
    )
    assert model.failure == plan
    assert get_chat_model("summary", respond="fixed", latency=0).invoke("anything").content == "fixed"


def test_get_chat_model_defaults():
    model = get_chat_model()
    assert model.name == "echo"
    assert model.latency == 0.5  # the model's default, scaled by COURSE_TIME_SCALE


def test_get_chat_model_unknown_task():
    with pytest.raises(ValueError, match="task"):
        get_chat_model("translate")


def test_get_chat_model_rejects_bad_settings():
    with pytest.raises(ValueError, match="latency"):
        get_chat_model("echo", latency=-1)


def test_describe_mode_reports_the_time_scale(monkeypatch):
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.25")
    line = describe_mode()
    assert "fake" in line and "0.25" in line
    monkeypatch.setenv("COURSE_TIME_SCALE", "0")
    with pytest.raises(ValueError, match="COURSE_TIME_SCALE"):
        describe_mode()


def test_public_names_are_exported():
    for name in parallel_course.__all__:
        assert hasattr(parallel_course, name), name


# -- data -----------------------------------------------------------------------------------


def test_data_path_of_a_missing_file_names_the_parameter():
    with pytest.raises(ValueError, match="name") as raised:
        data_path("no_such_file.csv")
    assert "no_such_file.csv" in str(raised.value)


def test_data_path_points_into_the_repository_data_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel_course.data, "DATA_DIR", tmp_path)
    (tmp_path / "present.csv").write_text("a\n1\n")
    assert data_path("present.csv") == tmp_path / "present.csv"
    with pytest.raises(ValueError, match=r"available: \['present.csv'\]"):
        data_path("absent.csv")
