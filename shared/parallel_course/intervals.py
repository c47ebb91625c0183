"""Intervals in time (calls, branches, requests: any table with ``start`` and ``end``): how many were
open at once, over time and at the peak, and a picture of it."""

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from matplotlib.ticker import MaxNLocator

from .concurrency import run_in_new_loop
from .figures import course_seconds, new_figure, time_label


def peak_concurrency(intervals: pd.DataFrame, start: str = "start", end: str = "end") -> int:
    """The largest number of intervals open at the same moment (ends before starts on ties).

    It reads one run's times. To prove that N calls ran at once, whatever the machine's load, hold them
    at a gate (``pc.gate``); a fake model also counts its calls in flight exactly (``peak_in_flight``).
    """
    return int(in_flight(intervals, start, end)["in_flight"].max())


def calls_during(recorder: Any, run: Callable[[], object]) -> pd.DataFrame:
    """The calls ``recorder`` (a fake model, a ``BlockingIO``: anything with ``reset`` and ``call_log``)
    logged while ``run()`` ran, its log emptied first; a coroutine that ``run`` returns runs on a fresh
    loop (``run_in_new_loop``)."""
    for method in ("reset", "call_log"):
        if not callable(getattr(recorder, method, None)):
            raise ValueError(f"recorder must have a {method}() method (a fake model or BlockingIO), got {recorder!r}")
    recorder.reset()
    result = run()
    if asyncio.iscoroutine(result):
        run_in_new_loop(result)
    return recorder.call_log()


def in_flight(intervals: pd.DataFrame, start: str = "start", end: str = "end") -> pd.DataFrame:
    """How many intervals are open over time, as a step function.

    Returns columns ``time`` (seconds since the first start) and ``in_flight`` (the count
    from that time on); an end and a start at the same moment count the end first, like
    ``peak_concurrency``, so the column's maximum is the peak.
    """
    for column in (start, end):
        if column not in intervals.columns:
            raise ValueError(f"intervals must have a {column!r} column, got {list(intervals.columns)}")
    if intervals.empty:
        return pd.DataFrame({"time": [0.0], "in_flight": [0]})
    origin = intervals[start].min()
    events = sorted(
        [(t - origin, 1) for t in intervals[start]] + [(t - origin, -1) for t in intervals[end]],
        key=lambda e: (e[0], e[1]),
    )
    times, counts, current = [0.0], [0], 0
    for t, step in events:
        current += step
        if t == times[-1]:
            counts[-1] = current
        else:
            times.append(t)
            counts.append(current)
    return pd.DataFrame({"time": times, "in_flight": counts})


def plot_in_flight(runs: Mapping[str, pd.DataFrame], limit: int | None = None, title: str = "Calls in flight"):
    """Draw each run's in-flight count (call logs or timelines) in a panel of its own, on shared axes;
    return the figure. ``limit`` draws a dashed line in every panel, e.g. a provider's concurrency limit.
    """
    if not runs:
        raise ValueError("runs must hold at least one call log or timeline")
    fig = new_figure(8, 1.2 * len(runs) + 1.3)
    axes = fig.subplots(len(runs), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for index, (ax, (label, intervals)) in enumerate(zip(axes, runs.items(), strict=True)):
        steps = in_flight(intervals)
        time = course_seconds(steps["time"])
        ax.step(time, steps["in_flight"], where="post", color=f"C{index}")
        ax.fill_between(time, steps["in_flight"], step="post", color=f"C{index}", alpha=0.25)
        if limit is not None:
            ax.axhline(limit, color="tab:red", linestyle="--", linewidth=1)
        ax.set_title(f"{label} (peak {steps['in_flight'].max()})", loc="left", fontsize="medium")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # calls are whole: no half-call ticks
    axes[-1].set_xlabel(time_label("since the first call"))
    fig.supylabel("calls in flight" + (f" (dashed: limit {limit})" if limit is not None else ""), fontsize="medium")
    fig.suptitle(title)
    return fig
