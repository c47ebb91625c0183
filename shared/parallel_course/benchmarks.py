"""Benchmarks that report a distribution and a ratio, never one raw timing.

Cases are timed in rotation (repeat 1 of every case, then repeat 2 of every case, ...),
so a burst of load on a shared machine hits them alike and their ratio stays honest.
``number`` calls per timing lift sub-millisecond work above the noise of a clock read.
``clock=time.process_time`` measures this process's CPU time instead of wall time: use it
for CPU-bound costs (LangChain's own overhead), never for work that waits.
"""

import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .figures import new_figure

COLUMNS = ["median", "min", "max", "repeats", "speedup"]


def _check(cases: Mapping[str, Any], repeats: int, warmup: int, number: int, baseline: str | None, clock) -> None:
    if not cases:
        raise ValueError("cases must hold at least one case")
    if not all(callable(case) for case in cases.values()):
        raise ValueError("cases must map names to zero-argument callables")
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    if not isinstance(number, int) or number < 1:
        raise ValueError(f"number must be an integer >= 1, got {number!r}")
    if baseline is not None and baseline not in cases:
        raise ValueError(f"baseline must name one of the cases {list(cases)}, got {baseline!r}")
    if not callable(clock):
        raise ValueError(f"clock must be a function returning seconds, got {clock!r}")


def summarise(samples: Mapping[str, list[float]], baseline: str | None = None) -> pd.DataFrame:
    """One row per case: median, min, max, repeats and ``speedup`` (baseline median / median)."""
    if not samples or any(len(s) == 0 for s in samples.values()):
        raise ValueError("samples must map each case to at least one timing")
    if baseline is not None and baseline not in samples:
        raise ValueError(f"baseline must name one of the cases {list(samples)}, got {baseline!r}")
    frame = pd.DataFrame(
        {
            "median": {name: statistics.median(s) for name, s in samples.items()},
            "min": {name: min(s) for name, s in samples.items()},
            "max": {name: max(s) for name, s in samples.items()},
            "repeats": {name: len(s) for name, s in samples.items()},
        }
    )
    frame.index.name = "case"
    reference = frame.loc[baseline or frame.index[0], "median"]
    frame["speedup"] = reference / frame["median"]
    return frame[COLUMNS]


def rotation(cases: Iterable, repeats: int, warmup: int = 1) -> Iterator[tuple[bool, Any]]:
    """The order cases are timed in: every case once per round, ``warmup`` untimed rounds, then
    ``repeats`` timed ones; yields ``(timed, case)``. Load that comes and goes hits all cases alike."""
    cases = list(cases)
    for round_ in range(warmup + repeats):
        for case in cases:
            yield round_ >= warmup, case


def benchmark(
    cases: Mapping[str, Callable[[], Any]],
    *,
    repeats: int = 5,
    warmup: int = 1,
    number: int = 1,
    baseline: str | None = None,
    progress: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> pd.DataFrame:
    """Time zero-argument callables in rotation: ``warmup`` untimed rounds, then ``repeats``.

    Returns one row per case: median, min and max seconds *per call* (each timing covers
    ``number`` calls), repeats, and ``speedup``: the baseline's median over this case's
    (baseline: the first case unless named). For micro-benchmarks the ``min`` is the best
    estimate of the cost (noise only ever adds time).
    """
    _check(cases, repeats, warmup, number, baseline, clock)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    with tqdm(total=(warmup + repeats) * len(cases), desc="benchmark", disable=not progress) as bar:
        for timed, name in rotation(cases, repeats, warmup):
            start = clock()
            for _ in range(number):
                cases[name]()
            if timed:
                samples[name].append((clock() - start) / number)
            bar.update()
    return summarise(samples, baseline)


def plot_benchmark(results: pd.DataFrame, ax=None, title: str = "Wall time per case"):
    """Bars of the median with min-max whiskers, speedups written on the bars."""
    if ax is None:
        fig = new_figure(7, 0.5 * len(results) + 1.5)
        ax = fig.add_subplot()
    low = results["median"] - results["min"]
    high = results["max"] - results["median"]
    ax.barh(results.index.astype(str), results["median"], xerr=[low, high], capsize=4, color="tab:blue")
    for y, (median, speedup) in enumerate(zip(results["median"], results["speedup"], strict=True)):
        ax.annotate(f" {speedup:.1f}x", (median, y), va="center")
    ax.invert_yaxis()
    ax.set_xlabel("seconds (median, min-max whiskers)")
    ax.set_title(title)
    return ax.figure
