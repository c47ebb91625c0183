"""Benchmarks for shared, noisy machines: cases timed in turn, micro-timings looped.

``pc.benchmark`` times all repeats of one case, then all of the next. When the load of
a shared machine changes in between (another program starts), one case pays for it
and the ratio is wrong. ``interleaved_benchmark`` times the cases in rotation instead
(repeat 1 of every case, then repeat 2 of every case, ...), so a burst of load hits
them alike; ``number`` calls per timing lift sub-millisecond work above the noise of a
single clock read. The result has the columns of ``pc.benchmark``, per call.

``clock=time.process_time`` measures CPU time instead of wall time: the work of *this*
process only (all its threads), blind to other programs on the machine. Use it for
CPU-bound costs such as LangChain's own overhead; never for work that waits (a
``sleep`` or a model call costs no CPU).
"""

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

COLUMNS = ["median", "min", "max", "repeats", "speedup"]


def _check(cases: Mapping[str, Any], repeats: int, warmup: int, number: int, baseline: str | None) -> None:
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


def interleaved_samples(
    cases: Mapping[str, Callable[[], Any]],
    *,
    repeats: int = 5,
    warmup: int = 1,
    number: int = 1,
    progress: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per call of each case, ``repeats`` samples each, the cases taken in turn.

    Each sample times ``number`` calls and divides by ``number``. ``warmup`` rounds run
    every case first, untimed. ``clock`` reads the time (wall time by default).
    """
    _check(cases, repeats, warmup, number, None)
    if not callable(clock):
        raise ValueError(f"clock must be a function returning seconds, got {clock!r}")
    samples: dict[str, list[float]] = {name: [] for name in cases}
    bar = tqdm(total=(warmup + repeats) * len(cases), desc="interleaved benchmark", disable=not progress)
    for round_ in range(warmup + repeats):
        for name, case in cases.items():
            start = clock()
            for _ in range(number):
                case()
            seconds = (clock() - start) / number
            if round_ >= warmup:
                samples[name].append(seconds)
            bar.update()
    bar.close()
    return samples


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


def interleaved_benchmark(
    cases: Mapping[str, Callable[[], Any]],
    *,
    repeats: int = 5,
    warmup: int = 1,
    number: int = 1,
    baseline: str | None = None,
    progress: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> pd.DataFrame:
    """Like ``pc.benchmark``, with the cases timed in rotation and ``number`` calls per timing.

    Returns one row per case: median, min and max seconds *per call*, repeats, and
    ``speedup`` (the baseline's median over this case's; baseline: the first case unless
    named). Use it when cases are compared on a shared machine, and with ``number > 1``
    for work shorter than a millisecond; for such micro-benchmarks the ``min`` is the
    best estimate of the cost (noise only ever adds time). ``clock=time.process_time``
    times CPU work only (see the module's docstring).
    """
    _check(cases, repeats, warmup, number, baseline)
    samples = interleaved_samples(cases, repeats=repeats, warmup=warmup, number=number, progress=progress, clock=clock)
    return summarise(samples, baseline)
