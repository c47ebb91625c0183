"""default_pool_size and usable_cpus, BlockingIO, in_flight, plot_in_flight, LoopWatch and run_in_new_loop."""

import asyncio
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from langchain_core.runnables import RunnableLambda, RunnableParallel
from langchain_core.runnables.config import get_executor_for_config
from matplotlib.figure import Figure
from support import LATENCY, elapsed

import parallel_course as pc
from parallel_course.concurrency import (
    LOG_COLUMNS,
    BlockingIO,
    LoopWatch,
    default_pool_size,
    run_in_new_loop,
    usable_cpus,
)
from parallel_course.intervals import in_flight, peak_concurrency, plot_in_flight

pytestmark = pytest.mark.usefixtures("real_time")


def intervals(*pairs: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["start", "end"])


# -- default_pool_size and usable_cpus ------------------------------------------------------


def test_default_pool_size_is_what_this_interpreters_pools_get():
    with ThreadPoolExecutor() as python_pool, get_executor_for_config({}) as langchain_pool:
        assert default_pool_size() == python_pool._max_workers == langchain_pool._max_workers
    assert default_pool_size() == min(32, usable_cpus() + 4)


@pytest.mark.parametrize("process, machine, cpus, pool", [
    (2, 64, 2, 6),  # Python 3.13+: the CPUs the process may run on, not the machine's
    (None, 8, 1, 5),  # unknown counts as 1, as in concurrent/futures/thread.py
    (40, 40, 40, 32),  # never more than 32
])
def test_usable_cpus_reads_process_cpu_count_when_python_has_it(monkeypatch, process, machine, cpus, pool):
    monkeypatch.setattr(os, "process_cpu_count", lambda: process, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: machine)
    assert (usable_cpus(), default_pool_size()) == (cpus, pool)


def test_usable_cpus_falls_back_to_cpu_count_before_python_3_13(monkeypatch):
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert (usable_cpus(), default_pool_size()) == (2, 6)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert (usable_cpus(), default_pool_size()) == (1, 5)


# -- BlockingIO --------------------------------------------------------------------------


def test_blocking_io_waits_returns_and_logs():
    tool = BlockingIO(LATENCY, name="crm")
    out, seconds = elapsed(tool, "ticket 1")
    assert out == "ticket 1" and seconds >= LATENCY
    log = tool.call_log()
    assert list(log.columns) == LOG_COLUMNS
    assert log.loc[0, "name"] == "crm"
    assert log.loc[0, "thread"] == threading.current_thread().name
    assert log.loc[0, "duration"] >= LATENCY
    pc.verify_timing(lambda: elapsed(tool, "ticket")[1], first=seconds, at_most=LATENCY + 0.05, expected=LATENCY,
                     what="the call took", unit=" s")
    assert tool.call_log()["duration"].min() < LATENCY + 0.05  # the logged duration of the run that counted


def test_blocking_io_respond_computes_the_answer():
    tool = BlockingIO(0, respond=str.upper)
    assert tool("abc") == "ABC"


def test_blocking_io_logs_a_failing_call_and_reset_forgets():
    def boom(value):
        raise KeyError(value)

    tool = BlockingIO(0, respond=boom)
    with pytest.raises(KeyError):
        tool("x")
    assert len(tool.call_log()) == 1
    tool.reset()
    assert tool.call_log().empty
    assert list(tool.call_log().columns) == LOG_COLUMNS


def test_blocking_io_holds_a_thread_so_sync_branches_overlap():
    def run(tool: BlockingIO) -> BlockingIO:
        assert RunnableParallel(a=tool, b=tool, c=tool).invoke("x") == {"a": "x", "b": "x", "c": "x"}
        return tool

    tool = BlockingIO(LATENCY, name="nap")
    with pc.gate(3, tool):  # the three calls wait together, each holding its thread
        log = run(tool).call_log()
    assert peak_concurrency(log) == tool.peak_in_flight == 3
    assert log["thread"].nunique() == 3
    pc.verify_timing(lambda: elapsed(run, BlockingIO(LATENCY, name="nap"))[1], at_most=2 * LATENCY,
                     expected=LATENCY, what="three overlapping calls took", unit=" s")


def test_blocking_io_blocks_inside_async_def_but_not_as_a_lambda():
    tool = BlockingIO(LATENCY)

    async def blocking(value):
        return tool(value)

    async def both():
        await RunnableParallel(a=RunnableLambda(blocking), b=RunnableLambda(blocking)).ainvoke("x")
        blocked = (peak_concurrency(tool.call_log()), tool.peak_in_flight)
        tool.reset()
        with pc.gate(2, tool):  # the two calls wait together in two executor threads
            await RunnableParallel(a=tool, b=tool).ainvoke("x")  # sync: sent to the default executor
        return blocked, (peak_concurrency(tool.call_log()), tool.peak_in_flight)

    assert asyncio.run(both()) == ((1, 1), (2, 2))  # the loop held: one at a time, exactly


def test_blocking_io_is_named_after_its_name():
    assert RunnableLambda(BlockingIO(0, name="legacy_lookup")).get_name() == "legacy_lookup"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"latency": -1}, "latency"),
        ({"latency": float("nan")}, "latency"),
        ({"latency": "1"}, "latency"),
        ({"name": ""}, "name"),
        ({"respond": "fixed"}, "respond"),
    ],
)
def test_blocking_io_rejects_bad_parameters(settings, field):
    with pytest.raises(ValueError, match=field):
        BlockingIO(**settings)


# -- in_flight and its plot ----------------------------------------------------------------


def test_in_flight_counts_open_intervals_over_time():
    steps = in_flight(intervals((10.0, 12.0), (10.5, 11.0), (11.0, 13.0)))
    assert steps["time"].tolist() == [0.0, 0.5, 1.0, 2.0, 3.0]
    assert steps["in_flight"].tolist() == [1, 2, 2, 1, 0]
    assert steps["in_flight"].max() == peak_concurrency(intervals((10.0, 12.0), (10.5, 11.0), (11.0, 13.0)))


def test_in_flight_counts_ends_before_starts_on_ties():
    steps = in_flight(intervals((0.0, 1.0), (1.0, 2.0)))
    assert steps["in_flight"].max() == 1


def test_in_flight_of_nothing_and_bad_columns():
    assert in_flight(intervals()).to_dict("list") == {"time": [0.0], "in_flight": [0]}
    with pytest.raises(ValueError, match="start"):
        in_flight(pd.DataFrame({"begin": [0.0], "end": [1.0]}))


def test_plot_in_flight_draws_a_panel_per_run_with_the_limit_in_course_seconds(monkeypatch):
    monkeypatch.setenv("COURSE_MODEL", "fake")
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.1")
    fig = plot_in_flight({"a": intervals((0, 0.1), (0, 0.1)), "b": intervals((0, 0.2))}, limit=1)
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # small multiples: no series hides another
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["a (peak 2)", "b (peak 1)"]
    assert all(len(ax.lines) == 2 for ax in fig.axes)  # the steps and the limit
    assert max(fig.axes[1].lines[0].get_xdata()) == pytest.approx(2.0)  # 0.2 s at scale 0.1
    assert fig.axes[1].get_xlabel() == "course-seconds since the first call"
    assert all(tick == int(tick) for ax in fig.axes for tick in ax.get_yticks())  # whole calls only
    with pytest.raises(ValueError, match="runs"):
        plot_in_flight({})


# -- LoopWatch and run_in_new_loop --------------------------------------------------------------


def test_loop_watch_sees_a_blocking_call_and_a_free_loop():
    async def watch(blocking: bool) -> LoopWatch:
        async with LoopWatch(interval=0.002) as watcher:
            if blocking:
                time.sleep(LATENCY)
            else:
                await asyncio.sleep(LATENCY)
        return watcher

    blocked, free = asyncio.run(watch(True)), asyncio.run(watch(False))
    assert blocked.max_gap >= LATENCY
    assert free.ticks[0] == 0.0 and free.ticks == sorted(free.ticks)
    pc.verify_timing(lambda: asyncio.run(watch(False)).max_gap, first=free.max_gap, at_most=LATENCY / 2,
                     expected=0.002, what="the free loop's longest gap", unit=" s")
    pc.verify_timing(lambda: len(asyncio.run(watch(False)).ticks), first=len(free.ticks),
                     at_least=len(blocked.ticks) + 1, what="ticks of the free loop")  # more than the blocked one's


def test_loop_watch_before_use_and_bad_interval():
    assert LoopWatch().max_gap == 0.0
    with pytest.raises(ValueError, match="interval"):
        LoopWatch(interval=0)


def test_run_in_new_loop_works_inside_a_running_loop():
    async def answer():
        await asyncio.sleep(0)
        return threading.current_thread().name

    async def outer():
        with pytest.raises(RuntimeError, match="running event loop"):
            coroutine = answer()
            try:
                asyncio.run(coroutine)
            finally:
                coroutine.close()
        return run_in_new_loop(answer())

    assert asyncio.run(outer()).startswith("new-loop")


def test_run_in_new_loop_propagates_errors_and_rejects_non_coroutines():
    async def fail():
        raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        run_in_new_loop(fail())
    with pytest.raises(ValueError, match="coroutine"):
        run_in_new_loop(fail)
