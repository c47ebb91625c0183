"""Benchmarks that report a distribution and a ratio, never one raw timing."""

import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .figures import new_figure

SyncCase = Callable[[], Any]
AsyncCase = Callable[[], Awaitable[Any]]


def _check(cases: Mapping[str, Any], repeats: int, warmup: int, baseline: str | None) -> None:
    if not cases:
        raise ValueError("cases must hold at least one case")
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    if baseline is not None and baseline not in cases:
        raise ValueError(f"baseline must name one of the cases {list(cases)}, got {baseline!r}")


def _summarise(samples: dict[str, list[float]], baseline: str | None) -> pd.DataFrame:
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
    return frame


def benchmark(
    cases: Mapping[str, SyncCase],
    *,
    repeats: int = 5,
    warmup: int = 1,
    baseline: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Time each zero-argument callable ``warmup`` + ``repeats`` times.

    Returns one row per case: median, min, max (seconds), repeats, and ``speedup``, the
    baseline's median over this case's median (baseline: the first case unless named).
    """
    _check(cases, repeats, warmup, baseline)
    samples: dict[str, list[float]] = {}
    bar = tqdm(total=len(cases) * (warmup + repeats), desc="benchmark", disable=not progress)
    for name, case in cases.items():
        for _ in range(warmup):
            case()
            bar.update()
        samples[name] = []
        for _ in range(repeats):
            start = time.perf_counter()
            case()
            samples[name].append(time.perf_counter() - start)
            bar.update()
    bar.close()
    return _summarise(samples, baseline)


async def abenchmark(
    cases: Mapping[str, AsyncCase],
    *,
    repeats: int = 5,
    warmup: int = 1,
    baseline: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Like ``benchmark`` for zero-argument coroutine functions (use with ``await``)."""
    _check(cases, repeats, warmup, baseline)
    samples: dict[str, list[float]] = {}
    bar = tqdm(total=len(cases) * (warmup + repeats), desc="benchmark", disable=not progress)
    for name, case in cases.items():
        for _ in range(warmup):
            await case()
            bar.update()
        samples[name] = []
        for _ in range(repeats):
            start = time.perf_counter()
            await case()
            samples[name].append(time.perf_counter() - start)
            bar.update()
    bar.close()
    return _summarise(samples, baseline)


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
