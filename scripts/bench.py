"""The course's performance sweeps (``make bench``): CSV and PNG plots in ``build/bench/``.

    python scripts/bench.py                  # all sweeps, about a minute on 2 cores
    python scripts/bench.py --quick          # fewer repeats, a smoke test
    python scripts/bench.py --out DIR        # write somewhere else

Three sweeps, all offline (the course's fake chat model and plain functions):

1. ``waves``: wall time of a ``RunnableParallel`` of N = 1..64 branches that each wait
   one model latency, sync ``invoke`` under several ``max_concurrency`` values (and the
   default pool, ``min(32, os.cpu_count() + 4)`` threads), one-after-another
   (``pc.sequential``), and async ``ainvoke`` (``max_concurrency`` ignored, then capped
   with a semaphore);
2. ``overhead``: branches that do nothing, ``RunnableParallel`` against a plain loop over
   the same runnables, sync and async, wall and CPU time: what the parallel itself costs
   per call and per branch;
3. ``break_even``: four branches that each wait ``w`` seconds, parallel against a loop,
   for ``w`` from 0 to 10 ms: the speedup, and the branch time where it crosses 1.

Fake latencies follow ``COURSE_TIME_SCALE`` (default here 0.1, as in the tests: a model
call of 0.3 course-seconds waits 30 ms). Cases are timed in rotation (a burst of load on
a shared machine hits them alike); the summary keeps the median and the min of the
repeats. Outputs: ``bench.csv`` (every timing), ``bench_summary.csv`` (one row per
case), ``bench_summary.txt`` (the headline figures), ``waves.png``, ``overhead.png`` and
``break_even.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("COURSE_TIME_SCALE", "0.1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from langchain_core.runnables import RunnableLambda, RunnableParallel  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from tqdm import tqdm  # noqa: E402

import parallel_course as pc  # noqa: E402
from parallel_course.benchmarks import rotation  # noqa: E402

LATENCY = 0.3  # course-seconds per fake model call
BRANCHES = [1, 2, 4, 8, 16, 32, 64]
SYNC_CAPS: list[int | None] = [None, 4, 16, 64]  # max_concurrency values of the sync sweep
ASYNC_CAP = 4
WORK_MS = [0, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]  # break-even sweep: real milliseconds per branch
DEFAULT_POOL = min(32, (os.cpu_count() or 1) + 4)  # ThreadPoolExecutor's default, used by invoke

Row = dict[str, Any]


# -- timing --------------------------------------------------------------------------
def timed(call: Callable[[], Any], number: int = 1) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) per call, over ``number`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(number):
        call()
    return (time.perf_counter() - wall) / number, (time.process_time() - cpu) / number


def run_cases(cases: list[tuple[Row, Callable[[], Any]]], repeats: int, number: int, bar: tqdm) -> list[Row]:
    """Time every case ``repeats`` times in rotation, after one untimed warm-up round."""
    rows: list[Row] = []
    for is_timed, (labels, call) in rotation(cases, repeats):
        wall, cpu = timed(call, number)
        bar.update()
        if is_timed:
            rows.append({**labels, "wall_s": wall, "cpu_s": cpu})
    return rows


LOOP = asyncio.new_event_loop()  # one event loop for every async case, as in a notebook


def in_loop(coroutine_function: Callable[[], Any]) -> Callable[[], Any]:
    """A sync call that runs a coroutine function to completion on the shared event loop."""
    return lambda: LOOP.run_until_complete(coroutine_function())


# -- the sweeps ---------------------------------------------------------------------
def waves_cases() -> list[tuple[Row, Callable[[], Any]]]:
    """N branches of one model latency each: sync with caps, sequential, async."""
    cases = []
    for n in BRANCHES:
        model = pc.get_chat_model("echo", latency=LATENCY, fake=True)
        branches = {f"b{i}": model for i in range(n)}
        parallel, sequential = RunnableParallel(branches), pc.sequential(branches)
        base = {"sweep": "waves", "kind": "chat model", "branches": n, "work_s": pc.scaled(LATENCY)}
        for cap in SYNC_CAPS:
            config = {"max_concurrency": cap} if cap else {}
            label = f"sync, max_concurrency={cap}" if cap else f"sync, default pool ({DEFAULT_POOL})"
            cases.append(
                (
                    {**base, "mode": label, "max_concurrency": cap or DEFAULT_POOL},
                    lambda p=parallel, c=config: p.invoke("hi", c),
                )
            )
        cases.append(({**base, "mode": "sequential", "max_concurrency": 1}, lambda s=sequential: s.invoke("hi")))
        cases.append(({**base, "mode": "async", "max_concurrency": None}, in_loop(lambda p=parallel: p.ainvoke("hi"))))
        cases.append(
            (
                {**base, "mode": f"async, max_concurrency={ASYNC_CAP} (ignored)", "max_concurrency": ASYNC_CAP},
                in_loop(lambda p=parallel: p.ainvoke("hi", {"max_concurrency": ASYNC_CAP})),
            )
        )
        cases.append(
            (
                {**base, "mode": f"async, semaphore({ASYNC_CAP})", "max_concurrency": ASYNC_CAP},
                in_loop(lambda m=model, k=n: capped_fan_out(m, k, ASYNC_CAP)),
            )
        )
    return cases


async def capped_fan_out(model, n: int, limit: int) -> dict:
    """A parallel of n branches whose calls pass an ``asyncio.Semaphore(limit)``."""
    semaphore = asyncio.Semaphore(limit)

    async def gated(x):
        async with semaphore:
            return await model.ainvoke(x)

    return await RunnableParallel({f"b{i}": RunnableLambda(gated) for i in range(n)}).ainvoke("hi")


def do_nothing(x):
    return x


async def ado_nothing(x):
    return x


def overhead_cases() -> list[tuple[Row, Callable[[], Any]]]:
    """Do-nothing branches: a RunnableParallel against a plain loop, sync and async.

    The functions have a sync and an async body (``RunnableLambda(f, afunc=...)``), so the
    async path awaits them on the event loop instead of sending them to a thread.
    """
    cases = []
    for n in BRANCHES:
        for kind, make in (
            ("function", lambda: RunnableLambda(do_nothing, afunc=ado_nothing)),
            ("chat model", lambda: pc.get_chat_model("echo", latency=0, fake=True)),
        ):
            branches = {f"b{i}": make() for i in range(n)}
            parallel = RunnableParallel(branches)
            base = {"sweep": "overhead", "kind": kind, "branches": n, "work_s": 0.0, "max_concurrency": None}

            async def aloop(b=branches):
                return {key: await branch.ainvoke("hi") for key, branch in b.items()}

            cases += [
                ({**base, "mode": "sync loop"}, lambda b=branches: {k: r.invoke("hi") for k, r in b.items()}),
                ({**base, "mode": "sync parallel"}, lambda p=parallel: p.invoke("hi")),
            ]
            if kind == "function":
                cases += [
                    ({**base, "mode": "async loop"}, in_loop(aloop)),
                    ({**base, "mode": "async parallel"}, in_loop(lambda p=parallel: p.ainvoke("hi"))),
                ]
    return cases


def waiting(ms: float):
    seconds = ms / 1000

    def wait(x):
        if seconds:
            time.sleep(seconds)
        return x

    return RunnableLambda(wait)


def break_even_cases() -> list[tuple[Row, Callable[[], Any]]]:
    """Four branches that wait ``w`` ms each (real time): a loop against a parallel."""
    cases = []
    for ms in WORK_MS:
        branches = {f"b{i}": waiting(ms) for i in range(4)}
        parallel = RunnableParallel(branches)
        base = {"sweep": "break_even", "kind": "function", "branches": 4, "work_s": ms / 1000, "max_concurrency": None}
        cases += [
            ({**base, "mode": "sync loop"}, lambda b=branches: [r.invoke(1) for r in b.values()]),
            ({**base, "mode": "sync parallel"}, lambda p=parallel: p.invoke(1)),
        ]
    return cases


# -- summaries and plots ----------------------------------------------------------------
def summarise(results: pd.DataFrame) -> pd.DataFrame:
    keys = ["sweep", "mode", "kind", "branches", "max_concurrency", "work_s"]
    grouped = results.groupby(keys, dropna=False, sort=False)
    summary = grouped.agg(
        wall_median_s=("wall_s", "median"),
        wall_min_s=("wall_s", "min"),
        wall_max_s=("wall_s", "max"),
        cpu_median_s=("cpu_s", "median"),
        cpu_min_s=("cpu_s", "min"),
        repeats=("wall_s", "size"),
    ).reset_index()
    return summary


def overhead_fit(summary: pd.DataFrame, kind: str, prefix: str, column: str) -> tuple[float, float]:
    """(fixed ms per call, ms per branch): a line through parallel minus loop against N."""
    rows = summary[(summary["sweep"] == "overhead") & (summary["kind"] == kind)]
    loop = rows[rows["mode"] == f"{prefix} loop"].set_index("branches")[column]
    parallel = rows[rows["mode"] == f"{prefix} parallel"].set_index("branches")[column]
    extra_ms = 1000 * (parallel - loop)
    per_branch, fixed = np.polyfit(extra_ms.index.to_numpy(dtype=float), extra_ms.to_numpy(), 1)
    return fixed, per_branch


def plot_waves(summary: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    rows = summary[summary["sweep"] == "waves"]
    latency = pc.scaled(LATENCY)
    for mode, group in rows.groupby("mode", sort=False):
        style = "--" if mode.startswith("async") else "-"
        ax.plot(group["branches"], group["wall_median_s"] / latency, style, marker="o", markersize=4, label=mode)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(BRANCHES, [str(n) for n in BRANCHES])
    ax.set_xlabel("branches (each one model call)")
    ax.set_ylabel("wall time / one call's latency (median)")
    ax.set_title(f"Waves: N calls of {1000 * latency:.0f} ms, by how they run (default pool here: {DEFAULT_POOL})")
    ax.legend(fontsize=8)
    return fig


def plot_overhead(summary: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, column, clock in zip(axes, ["wall_min_s", "cpu_min_s"], ["wall time", "CPU time"], strict=True):
        for kind, prefix in (("function", "sync"), ("function", "async"), ("chat model", "sync")):
            rows = summary[(summary["sweep"] == "overhead") & (summary["kind"] == kind)]
            loop = rows[rows["mode"] == f"{prefix} loop"].set_index("branches")[column]
            parallel = rows[rows["mode"] == f"{prefix} parallel"].set_index("branches")[column]
            fixed, per_branch = overhead_fit(summary, kind, prefix, column)
            ax.plot(
                loop.index,
                1000 * (parallel - loop),
                "o-",
                markersize=4,
                label=f"{prefix}, {kind}s: {fixed:.2f} ms + {per_branch:.3f} ms/branch",
            )
        ax.set_xlabel("branches (each does nothing)")
        ax.set_title(f"RunnableParallel minus a loop ({clock}, min of repeats)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("extra milliseconds per call")
    return fig


def break_even(summary: pd.DataFrame) -> pd.DataFrame:
    rows = summary[summary["sweep"] == "break_even"]
    loop = rows[rows["mode"] == "sync loop"].set_index("work_s")["wall_min_s"]
    parallel = rows[rows["mode"] == "sync parallel"].set_index("work_s")["wall_min_s"]
    frame = pd.DataFrame({"branch_ms": 1000 * loop / 4, "speedup": loop / parallel}).reset_index()
    frame.insert(0, "work_ms", 1000 * frame.pop("work_s"))
    return frame


def crossing_ms(curve: pd.DataFrame) -> float:
    """The branch time where the speedup first reaches 1 (log-interpolated), or nan."""
    above = np.flatnonzero(curve["speedup"].to_numpy() >= 1)
    if not len(above) or above[0] == 0:
        return math.nan
    low, high = curve.iloc[above[0] - 1], curve.iloc[above[0]]
    share = (1 - low["speedup"]) / (high["speedup"] - low["speedup"])
    return float(np.exp(np.log(low["branch_ms"]) + share * (np.log(high["branch_ms"]) - np.log(low["branch_ms"]))))


def plot_break_even(curve: pd.DataFrame, crossing: float) -> Figure:
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.semilogx(curve["branch_ms"], curve["speedup"], "o-")
    ax.axhline(1, color="gray", linestyle="--")
    ax.axhline(4, color="lightgray", linestyle=":")
    if not math.isnan(crossing):
        ax.axvline(crossing, color="tab:red", linestyle=":", label=f"break-even: {crossing:.2f} ms per branch")
        ax.legend()
    ax.set_xlabel("time of one branch (ms, log scale)")
    ax.set_ylabel("speedup of RunnableParallel over a loop")
    ax.set_title("Four branches: parallel pays once a branch outlasts its overhead")
    return fig


def write_summary(summary: pd.DataFrame, curve: pd.DataFrame, crossing: float, seconds: float) -> str:
    waves = summary[summary["sweep"] == "waves"].set_index(["mode", "branches"])["wall_median_s"] / pc.scaled(LATENCY)
    lines = [
        f"make bench: {seconds:.0f} s on {os.cpu_count()} cores, time scale {pc.time_scale():g} "
        f"(one model call = {1000 * pc.scaled(LATENCY):.0f} ms), default pool {DEFAULT_POOL} threads",
        "",
        "overhead of RunnableParallel over a loop (min of repeats): fixed per call + per branch",
    ]
    for kind, prefix in (("function", "sync"), ("function", "async"), ("chat model", "sync")):
        for column, clock in (("wall_min_s", "wall"), ("cpu_min_s", "CPU")):
            fixed, per_branch = overhead_fit(summary, kind, prefix, column)
            lines.append(f"  {prefix:5} {kind + 's':12} {clock:4}: {fixed:6.3f} ms + {per_branch:.3f} ms/branch")
    lines += ["", "wall time of 64 one-call branches, in call latencies (median):"]
    for mode in dict.fromkeys(waves.index.get_level_values(0)):
        lines.append(f"  {mode:38} {waves[(mode, 64)]:6.1f}")
    lines += ["", f"break-even (4 branches): parallel wins above about {crossing:.2f} ms per branch", ""]
    lines += [curve.round(3).to_string(index=False)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench", help="output folder")
    parser.add_argument("--quick", action="store_true", help="one repeat of each sweep (a smoke test)")
    args = parser.parse_args(argv)
    repeats = {"waves": 3, "overhead": 7, "break_even": 7}
    if args.quick:
        repeats = {"waves": 1, "overhead": 2, "break_even": 2}
    numbers = {"waves": 1, "overhead": 5, "break_even": 5}
    sweeps = {"waves": waves_cases(), "overhead": overhead_cases(), "break_even": break_even_cases()}
    total = sum(len(cases) * (repeats[name] + 1) for name, cases in sweeps.items())
    start = time.perf_counter()
    rows: list[Row] = []
    with tqdm(total=total, desc="make bench", unit="timing") as bar:
        for name, cases in sweeps.items():
            bar.set_postfix_str(name)
            rows += run_cases(cases, repeats[name], numbers[name], bar)
    seconds = time.perf_counter() - start

    args.out.mkdir(parents=True, exist_ok=True)
    results = pd.DataFrame(rows)
    summary = summarise(results)
    curve = break_even(summary)
    crossing = crossing_ms(curve)
    outputs = {
        "bench.csv": lambda path: results.to_csv(path, index=False),
        "bench_summary.csv": lambda path: summary.to_csv(path, index=False),
        "waves.png": lambda path: plot_waves(summary).savefig(path, dpi=120),
        "overhead.png": lambda path: plot_overhead(summary).savefig(path, dpi=120),
        "break_even.png": lambda path: plot_break_even(curve, crossing).savefig(path, dpi=120),
    }
    for name, write in outputs.items():
        write(args.out / name)
    text = write_summary(summary, curve, crossing, seconds)
    (args.out / "bench_summary.txt").write_text(text)
    print(text)
    print(f"wrote {', '.join([*outputs, 'bench_summary.txt'])} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
