"""TimelineRecorder, record_timeline, sequential, peak_concurrency and the plots."""

import asyncio
import operator
import time
from typing import Annotated, TypedDict

import matplotlib.colors as mcolors
import pandas as pd
import pytest
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnableParallel
from langgraph.func import entrypoint, task
from langgraph.graph import START, StateGraph
from langgraph.types import RetryPolicy, Send
from matplotlib.figure import Figure
from support import LATENCY

import parallel_course as pc
from parallel_course import (
    BlockingIO,
    RateLimitError,
    TimelineRecorder,
    arecord_timeline,
    benchmark,
    calls_during,
    fail_always,
    fail_first,
    peak_concurrency,
    plot_benchmark,
    plot_timeline,
    plot_timelines,
    record_timeline,
    sequential,
)
from parallel_course.timeline import COLUMNS

pytestmark = pytest.mark.usefixtures("real_time")

NAMES = ("alpha", "beta", "gamma", "delta")


def branches(model) -> dict:
    return {name: model for name in NAMES}


def intervals(*pairs: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["start", "end"])


# -- recording -------------------------------------------------------------------------


def test_tools_and_retrievers_are_branches_too():
    """Every kind of run LangChain tags ``map:key:`` is a branch: a tool's and a retriever's included."""
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.tools import tool

    @tool
    def shout(text: str) -> str:
        """Upper-case the text."""
        return text.upper()

    @tool
    def refuse(text: str) -> str:
        """Always fail."""
        raise ValueError("no")

    class Echo(BaseRetriever):
        def _get_relevant_documents(self, query, *, run_manager):
            return [Document(page_content=query)]

    parallel = RunnableParallel(shout=shout, find=Echo(), plain=RunnableLambda(str.lower))
    out, timeline = record_timeline(parallel, "Hi")
    assert out["shout"] == "HI" and out["find"][0].page_content == "Hi" and out["plain"] == "hi"
    assert sorted(timeline["branch"]) == ["find", "plain", "shout"]
    recorder = TimelineRecorder()
    with pytest.raises(ValueError):
        RunnableParallel(refuse=refuse, plain=RunnableLambda(str.lower)).invoke("x", {"callbacks": [recorder]})
    failed = recorder.to_frame().set_index("branch")
    assert failed.loc["refuse", "status"] == "error" and failed.loc["refuse", "error"] == "ValueError: no"


def test_rows_carry_the_branch_keys(make_fake):
    model = make_fake(latency=LATENCY)

    def run():
        return record_timeline(RunnableParallel(branches(model)), "q")

    with pc.gate(4, model):  # the four calls wait together: four worker threads at once
        out, timeline = run()
    assert set(out) == set(NAMES)
    assert list(timeline.columns) == COLUMNS
    assert sorted(timeline["branch"]) == sorted(NAMES)
    assert (timeline["status"] == "ok").all()
    assert timeline["error"].isna().all()
    assert timeline["start"].is_monotonic_increasing
    assert timeline["parent_run_id"].nunique() == 1  # all children of the parallel run
    assert (timeline["duration"] >= LATENCY).all()
    assert timeline["thread"].nunique() == model.peak_in_flight == 4  # one worker thread per branch
    pc.verify_timing(lambda: run()[1]["duration"].max(), at_most=LATENCY + 0.1, expected=LATENCY,
                     what="the longest branch took", unit=" s")


def test_branches_that_are_chains_are_one_row_each(make_fake):
    model = make_fake(latency=0.02)
    prompt = ChatPromptTemplate.from_template("{text}")
    chain = RunnableParallel(summary=prompt | model, length=RunnableLambda(lambda x: len(x["text"])))
    out, timeline = record_timeline(chain, {"text": "hello"})
    assert out["length"] == 5
    assert sorted(timeline["branch"]) == ["length", "summary"]


def test_nested_parallels_are_labelled_outer_dot_inner(make_fake):
    model = make_fake(latency=0.02)
    inner = RunnableParallel(x=model, y=model)
    outer = RunnableParallel(outer=inner, z=model)
    out, timeline = record_timeline(outer, "q")
    assert set(out) == {"outer", "z"} and set(out["outer"]) == {"x", "y"}
    assert sorted(timeline["branch"]) == ["outer", "outer.x", "outer.y", "z"]
    rows = timeline.set_index("branch")
    assert rows.loc["outer.x", "start"] >= rows.loc["outer", "start"]
    assert rows.loc["outer.x", "end"] <= rows.loc["outer", "end"]


def test_nested_parallel_inside_a_chain_keeps_the_outer_label(make_fake):
    model = make_fake(latency=0.02)
    inner = RunnableLambda(lambda x: x.upper()) | RunnableParallel(first=model, second=model)
    _, timeline = record_timeline(RunnableParallel(pipeline=inner, plain=model), "q")
    assert sorted(timeline["branch"]) == ["pipeline", "pipeline.first", "pipeline.second", "plain"]


def test_async_timeline_has_the_same_rows_on_the_event_loop_thread(make_fake):
    model = make_fake(latency=LATENCY)
    inner = RunnableParallel(x=model, y=model)

    def run():
        return asyncio.run(arecord_timeline(RunnableParallel(outer=inner, z=model), "q"))[1]

    with pc.gate(3, model):  # the three calls wait together on the loop
        timeline = run()
    assert sorted(timeline["branch"]) == ["outer", "outer.x", "outer.y", "z"]
    assert set(timeline["thread"]) == {"MainThread"}
    assert model.peak_in_flight == 3 and peak_concurrency(timeline[timeline["branch"] != "outer"]) == 3


# -- LangGraph runs ----------------------------------------------------------------------


class Appended(TypedDict, total=False):
    out: Annotated[list, operator.add]


def _graph(nodes: dict, retry=None):
    """A StateGraph whose nodes all start from START and append to ``out``."""
    builder = StateGraph(Appended)
    for name, node in nodes.items():
        builder.add_node(name, node, retry_policy=retry)
        builder.add_edge(START, name)
    return builder.compile()


def test_langgraph_nodes_are_branches_labelled_by_name(make_fake):
    """A node's run is a branch; the runs inside it (prompt, model) are not; a parallel inside is node.key."""
    model = make_fake(latency=LATENCY, name="summary")  # same name as a node: still one row
    chain = ChatPromptTemplate.from_template("{q}") | model

    def ask(state):
        return {"out": [chain.invoke({"q": "hi"}).content]}

    def both(state):
        return {"out": [RunnableParallel(x=model, y=model).invoke("q")]}

    def run():
        return record_timeline(_graph({"summary": ask, "both": both}), {})

    with pc.gate(3, model):  # the node's call and the two inside the other node wait together
        out, timeline = run()
    assert len(out["out"]) == 2
    assert sorted(timeline["branch"]) == ["both", "both.x", "both.y", "summary"]
    assert model.peak_in_flight == 3 and peak_concurrency(timeline[timeline["branch"].isin(["both", "summary"])]) == 2


def test_langgraph_send_tasks_and_functional_tasks_are_rows():
    builder = StateGraph(Appended)
    builder.add_node("work", lambda item: {"out": [item]})
    builder.add_conditional_edges(START, lambda state: [Send("work", i) for i in range(3)], ["work"])
    out, timeline = record_timeline(builder.compile(), {})
    assert out["out"] == [0, 1, 2]
    assert list(timeline["branch"]) == ["work"] * 3  # one row per Send; LangGraph's __start__ is not one

    @task
    def double(x: int) -> int:
        return 2 * x

    @entrypoint()
    def flow(xs: list) -> list:
        return [f.result() for f in [double(x) for x in xs]]

    out, timeline = record_timeline(flow, [1, 2])
    assert out == [2, 4]
    assert sorted(timeline["branch"]) == ["flow", "flow.double", "flow.double"]


def test_langgraph_retry_attempts_are_one_row_each(make_fake):
    flaky = make_fake(failure=fail_first(2))
    node = lambda state: {"out": [flaky.invoke("q").content]}  # noqa: E731
    retry = RetryPolicy(max_attempts=3, initial_interval=0.001, jitter=False, retry_on=RateLimitError)
    _, timeline = record_timeline(_graph({"flaky": node}, retry=retry), {})
    assert list(timeline["branch"]) == ["flaky"] * 3
    assert list(timeline["status"]) == ["error", "error", "ok"]


def test_failed_branches_get_status_error(make_fake):
    good = make_fake(latency=0.05)
    bad = make_fake(latency=0.02, failure=fail_always(message="quota exceeded"))
    recorder = TimelineRecorder()
    with pytest.raises(RateLimitError):
        RunnableParallel(good=good, bad=bad).invoke("q", config={"callbacks": [recorder]})
    timeline = recorder.to_frame().set_index("branch")
    assert timeline.loc["bad", "status"] == "error"
    assert timeline.loc["bad", "error"].startswith("RateLimitError: quota exceeded")
    assert timeline.loc["good", "status"] == "ok"
    assert timeline.loc["good", "error"] is None or pd.isna(timeline.loc["good", "error"])
    figure = plot_timeline(recorder.to_frame())
    colors = {tuple(patch.get_facecolor()) for patch in figure.axes[0].patches}
    assert mcolors.to_rgba("tab:red") in colors and mcolors.to_rgba("tab:blue") in colors


def test_recorder_reset_forgets_rows_and_restarts_the_clock(make_fake):
    model = make_fake(latency=0.02)

    recorder = TimelineRecorder()
    RunnableParallel(a=model).invoke("q", config={"callbacks": [recorder]})
    assert len(recorder.to_frame()) == 1
    time.sleep(0.3)
    before = time.perf_counter()
    recorder.reset()
    reset = time.perf_counter()
    assert recorder.to_frame().empty
    RunnableParallel(b=model).invoke("q", config={"callbacks": [recorder]})
    after = time.perf_counter()
    frame = recorder.to_frame()
    assert list(frame["branch"]) == ["b"] and frame["start"].iloc[0] >= 0
    assert before <= recorder.t0 <= reset  # the clock restarted at the reset (else 0.3 s and more earlier) ...
    assert frame["start"].iloc[0] <= after - before  # ... and the run after it is stamped from there


def test_record_timeline_keeps_the_callers_callbacks(make_fake):
    mine = TimelineRecorder()
    config = {"callbacks": [mine], "tags": ["mine"]}
    _, timeline = record_timeline(RunnableParallel(a=make_fake()), "q", config)
    assert list(timeline["branch"]) == ["a"]
    assert list(mine.to_frame()["branch"]) == ["a"]
    assert config == {"callbacks": [mine], "tags": ["mine"]}  # not mutated


def test_non_parallel_runs_have_no_rows(make_fake):
    _, timeline = record_timeline(make_fake(), "q")
    assert timeline.empty
    assert list(timeline.columns) == COLUMNS


# -- sequential ------------------------------------------------------------------------


def test_sequential_runs_branches_one_after_another_with_the_same_keys(make_fake):
    model = make_fake(latency=0.03, respond=lambda prompt: prompt[::-1])
    out, timeline = record_timeline(sequential(branches(model)), "abc")
    assert {key: message.content for key, message in out.items()} == dict.fromkeys(NAMES, "cba")
    assert list(timeline["branch"]) == list(NAMES)
    assert peak_concurrency(timeline) == 1
    starts, ends = timeline["start"].to_numpy(), timeline["end"].to_numpy()
    assert (starts[1:] >= ends[:-1]).all()


def test_sequential_accepts_a_mapping_and_keywords(make_fake):
    model = make_fake()
    out = sequential({"a": model}, b=model, c=lambda x: x * 2).invoke("z")
    assert list(out) == ["a", "b", "c"] and out["c"] == "zz"
    out = asyncio.run(sequential(a=model, c=lambda x: x * 2).ainvoke("z"))
    assert out["c"] == "zz"


def test_sequential_needs_a_branch():
    with pytest.raises(ValueError, match="branches"):
        sequential()
    with pytest.raises(ValueError, match="branches"):
        sequential({})


# -- peak concurrency ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "peak"),
    [
        ([], 0),
        ([(0, 1)], 1),
        ([(0, 1), (1, 2), (2, 3)], 1),  # touching: an end before a start at the same time
        ([(0, 1), (0.5, 1.5), (1.0, 2.0)], 2),
        ([(0, 4), (1, 3), (2, 2.5), (3.5, 5)], 3),
        ([(0, 1)] * 4, 4),
        ([(5, 6), (0, 10), (5.5, 7)], 3),  # unsorted rows
    ],
)
def test_peak_concurrency_on_hand_made_intervals(pairs, peak):
    assert peak_concurrency(intervals(*pairs)) == peak


def test_peak_concurrency_reads_named_columns():
    frame = pd.DataFrame({"t0": [0.0, 0.2], "t1": [1.0, 1.2]})
    assert peak_concurrency(frame, start="t0", end="t1") == 2


def test_peak_concurrency_has_no_rerun_knobs():
    """A peak that load could under-count is proven at a gate (``pc.gate``), not by running it again."""
    with pytest.raises(TypeError):
        peak_concurrency(intervals((0, 1)), again=lambda: intervals(), until=2)


def test_calls_during_logs_only_the_run_it_is_given(make_fake):
    model, lookup = make_fake(), BlockingIO(0.0, name="lookup")
    model.invoke("before")
    lookup("before")
    calls = calls_during(model, lambda: RunnableParallel(branches(model)).invoke("now"))
    assert len(calls) == 4 and set(calls["prompt"]) == {"now"}  # the earlier call is forgotten
    assert len(calls_during(lookup, lambda: [lookup(i) for i in range(3)])) == 3
    calls = calls_during(model, lambda: RunnableParallel(branches(model)).ainvoke("async"))  # a coroutine, run
    assert len(calls) == 4 and set(calls["mode"]) == {"async"}
    calls_during(lookup, lambda: lookup(1))
    assert len(lookup.call_log()) == 1  # each run starts from an empty log


def test_calls_during_refuses_what_keeps_no_log():
    with pytest.raises(ValueError, match="recorder must have a reset"):
        calls_during(RunnableLambda(len), lambda: None)


def test_peak_concurrency_of_a_real_parallel_run(make_fake):
    model = make_fake(latency=LATENCY)
    with pc.gate(4, model):  # the four calls wait together
        _, timeline = record_timeline(RunnableParallel(branches(model)), "q")
    assert peak_concurrency(timeline) == model.peak_in_flight == 4


def test_max_concurrency_caps_the_peak(make_fake):
    model = make_fake(latency=LATENCY)
    with pc.gate(2, model):  # the cap is reached ...
        _, timeline = record_timeline(RunnableParallel(branches(model)), "q", {"max_concurrency": 2})
    assert peak_concurrency(timeline) == model.peak_in_flight == 2  # ... and never passed
    assert timeline["end"].max() - timeline["start"].min() >= 2 * LATENCY
    assert timeline["thread"].nunique() == 2


# -- plots -----------------------------------------------------------------------------


def test_plot_timeline_draws_one_bar_per_row(make_fake):
    _, timeline = record_timeline(RunnableParallel(branches(make_fake(latency=0.01))), "q")
    figure = plot_timeline(timeline)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert len(ax.patches) == len(timeline) == 4
    assert [label.get_text() for label in ax.get_yticklabels()] == list(timeline["branch"])
    for patch, (_, row) in zip(ax.patches, timeline.iterrows(), strict=True):
        assert patch.get_x() == pytest.approx(row["start"])
        assert patch.get_width() == pytest.approx(row["duration"])


def test_failed_bars_are_red_hatched_and_the_legend_says_so(make_fake):
    chain = RunnableParallel(ok=make_fake(), bad=make_fake(failure=fail_always()))
    recorder = TimelineRecorder()
    with pytest.raises(RateLimitError):
        chain.invoke("q", config={"callbacks": [recorder]})
    ax = plot_timeline(recorder.to_frame()).axes[0]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["succeeded", "failed (raised)"]
    assert plot_timeline(record_timeline(RunnableParallel(a=make_fake()), "q")[1]).axes[0].get_legend() is None


def test_plot_timeline_on_given_axes_with_a_title(make_fake):
    figure = Figure()
    ax = figure.add_subplot()
    _, timeline = record_timeline(RunnableParallel(a=make_fake(), b=make_fake()), "q")
    assert plot_timeline(timeline, ax=ax, title="mine") is figure
    assert ax.get_title() == "mine"
    assert len(ax.patches) == 2


def test_plot_timelines_stacks_one_axes_per_timeline(make_fake):
    model = make_fake(latency=0.01)
    _, parallel = record_timeline(RunnableParallel(branches(model)), "q")
    _, nested = record_timeline(RunnableParallel(outer=RunnableParallel(x=model), y=model), "q")
    figure = plot_timelines({"parallel": parallel, "nested": nested})
    assert isinstance(figure, Figure)
    assert [ax.get_title() for ax in figure.axes] == ["parallel", "nested"]
    assert [len(ax.patches) for ax in figure.axes] == [4, 3]


def test_plot_timelines_needs_a_timeline():
    with pytest.raises(ValueError, match="timelines"):
        plot_timelines({})


def test_plot_benchmark_draws_one_bar_per_case():
    results = benchmark({"a": lambda: None, "b": lambda: None, "c": lambda: None}, repeats=2, warmup=0)
    figure = plot_benchmark(results)
    assert isinstance(figure, Figure)
    assert len(figure.axes[0].patches) == 3
    assert [label.get_text() for label in figure.axes[0].get_yticklabels()] == ["a", "b", "c"]


def test_stacked_timelines_share_an_axis_that_spans_the_longest_run():
    short = pd.DataFrame({"branch": ["a"], "start": [0.0], "end": [0.12], "duration": [0.12], "status": ["ok"]})
    long = pd.DataFrame({"branch": ["b"], "start": [0.0], "end": [0.44], "duration": [0.44], "status": ["ok"]})
    fig = plot_timelines({"short": short, "long": long})
    for ax in fig.axes:
        assert ax.get_xlim()[0] == 0 and ax.get_xlim()[1] >= 0.44
