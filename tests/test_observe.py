"""RunRecorder, record_runs, record_stream, chunk_key, switches and plot_stream."""


import pandas as pd
import pytest
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnableParallel
from langchain_core.runnables.utils import AddableDict
from matplotlib.figure import Figure

import parallel_course as pc
from parallel_course import RateLimitError, fail_always
from parallel_course.observe import (
    RUN_COLUMNS,
    STREAM_COLUMNS,
    RunRecorder,
    chunk_key,
    chunk_text,
    plot_stream,
    record_runs,
    record_stream,
    switches,
)

pytestmark = pytest.mark.usefixtures("real_time")


def chain(model):
    return ChatPromptTemplate.from_template("{text}") | model | StrOutputParser()


# -- runs ------------------------------------------------------------------------------


def test_record_runs_names_types_and_branch_tags(make_fake):
    par = RunnableParallel(a=make_fake(name="alpha", respond="x"), b=RunnableLambda(len))
    out, runs = record_runs(par, "hello")
    assert out["b"] == 5 and out["a"].content == "x"
    assert list(runs.columns) == RUN_COLUMNS
    root = runs.iloc[0]
    assert root["name"] == "RunnableParallel<a,b>" and root["depth"] == 0 and pd.isna(root["parent"])
    assert set(runs["branch"].dropna()) == {"a", "b"}
    assert runs.set_index("name").loc["alpha", "run_type"] == "chat_model"
    assert runs.set_index("name").loc["len", "run_type"] == "chain"
    assert (runs.loc[runs["depth"] == 1, "parent"] == root["name"]).all()
    assert (runs["status"] == "ok").all()
    assert runs["branch"].notna().sum() == 2


def test_run_name_and_inherited_tags(make_fake):
    branch = chain(make_fake(name="m")).with_config(run_name="named", tags=["mine"])
    _, runs = record_runs(RunnableParallel(x=branch), {"text": "t"})
    named = runs.set_index("name").loc["named"]
    assert named["branch"] == "x"
    assert set(named["tags"]) == {"map:key:x", "mine"}
    below = runs[runs["depth"] == 2]
    assert len(below) == 3  # prompt, model, parser
    assert all("mine" in tags for tags in below["tags"])  # with_config tags are inherited
    assert not any("map:key:x" in tags for tags in below["tags"])  # the branch tag is not


def test_failed_runs_are_marked(make_fake):
    par = RunnableParallel(bad=make_fake(name="bad", failure=fail_always()))
    recorder = RunRecorder()
    with pytest.raises(RateLimitError):
        par.invoke("q", {"callbacks": [recorder]})
    runs = recorder.to_frame()
    assert set(runs["status"]) == {"error"}
    recorder.reset()
    assert recorder.to_frame().empty


def test_extra_callbacks_are_kept(make_fake):
    other = RunRecorder()
    _, runs = record_runs(RunnableParallel(a=RunnableLambda(len)), "q", {"callbacks": [other]})
    assert len(other.to_frame()) == len(runs) == 2


# -- streams ---------------------------------------------------------------------------


def test_chunk_key_and_text():
    assert chunk_key(AddableDict(a="x")) == "a"
    assert chunk_key(AddableDict(outer=AddableDict(inner="x"))) == "outer.inner"
    assert chunk_key({"a": {"b": 1}}) == "a"  # a plain dict value is a branch's output, not a nested branch
    assert chunk_key({"a": 1, "b": 2}) == "a,b"
    assert chunk_key("text") == ""
    assert chunk_text(AddableDict(outer=AddableDict(inner="tok"))) == "tok"
    assert chunk_text(12) == "12"


def test_record_stream_merges_like_invoke(make_fake):
    slow = make_fake(respond="one two three four", latency=0.02, token_delay=0.02)
    fast = make_fake(respond="alpha beta gamma delta", latency=0.03, token_delay=0.02)
    par = RunnableParallel(slow=chain(slow), fast=chain(fast), whole=RunnableLambda(lambda x: len(x["text"])))
    with pc.gate(2, slow, fast) as gate:  # the two streams start together, then their tokens alternate 10 ms apart
        merged, chunks = record_stream(par, {"text": "hi"})
    assert gate.opened
    assert list(chunks.columns) == STREAM_COLUMNS
    assert merged == par.invoke({"text": "hi"})
    assert set(chunks["key"]) == {"slow", "fast", "whole"}
    assert (chunks.loc[chunks["key"] == "whole", "text"] == "2").all()
    assert chunks["t"].is_monotonic_increasing
    assert switches(chunks) >= 3  # the two token streams interleave


def test_switches():
    frame = pd.DataFrame({"key": ["a", "a", "b", "a", "b", "b"]})
    assert switches(frame) == 3
    assert switches(frame.iloc[:0]) == 0


def test_plot_stream_returns_a_figure(make_fake):
    par = RunnableParallel(a=chain(make_fake(respond="x y", token_delay=0.01)), b=RunnableLambda(lambda x: 1))
    _, chunks = record_stream(par, {"text": "hi"})
    fig = plot_stream(chunks)
    assert isinstance(fig, Figure)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(dict.fromkeys(chunks["key"]))
