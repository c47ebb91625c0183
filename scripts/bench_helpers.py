"""Benchmark the course helpers' own overhead (a script, not a test).

(a) Per-call overhead of ``FakeChatModel(latency=0)`` against langchain_core's
    ``FakeListChatModel`` (no sleep): median over repeats of the mean time of many
    ``invoke`` calls, after a warm-up. Target: at most 1.5x the reference.
(b) Overhead of ``TimelineRecorder`` on a 4-branch ``RunnableParallel`` of fakes with
    100 ms latency (``COURSE_TIME_SCALE=1``): median wall time of runs with and without
    the recorder, sync (``invoke``) and async (``ainvoke``). Target: at most 5 %.

Variants are interleaved run by run, so a slow spell on the machine hits both alike.
Prints a table and writes ``build/bench/helpers.csv``.

    .venv/bin/python scripts/bench_helpers.py [--calls 2000] [--repeats 5] [--runs 15] [--strict]
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ["COURSE_TIME_SCALE"] = "1"  # before any fake runs: real 100 ms latencies

import pandas as pd  # noqa: E402
from langchain_core.language_models import FakeListChatModel  # noqa: E402
from langchain_core.runnables import RunnableParallel  # noqa: E402

from parallel_course import TimelineRecorder  # noqa: E402
from parallel_course.benchmarks import rotation  # noqa: E402
from parallel_course.fake_chat_model import FakeChatModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench" / "helpers.csv"
CALL_RATIO_TARGET = 1.5
RECORDER_OVERHEAD_TARGET = 5.0  # percent
BRANCHES = ("a", "b", "c", "d")


def row(benchmark: str, case: str, samples: list[float], unit_calls: int = 1) -> dict:
    per = [s / unit_calls for s in samples]
    return {
        "benchmark": benchmark,
        "case": case,
        "samples": len(per),
        "calls_per_sample": unit_calls,
        "median_s": statistics.median(per),
        "min_s": min(per),
        "max_s": max(per),
    }


def interleaved(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Time each case ``repeats`` times, alternating cases on every round."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _, name in rotation(cases, repeats, warmup=0):
        start = time.perf_counter()
        cases[name]()
        samples[name].append(time.perf_counter() - start)
    return samples


def call_overhead(calls: int, repeats: int, warmup: int) -> list[dict]:
    fake = FakeChatModel(latency=0, respond="OK")
    reference = FakeListChatModel(responses=["OK"])

    def many(model) -> Callable[[], None]:
        def run() -> None:
            for _ in range(calls):
                model.invoke("hello")

        return run

    for model in (fake, reference):
        for _ in range(warmup):
            model.invoke("hello")
    fake.reset()

    def fake_case() -> None:
        many(fake)()
        fake.reset()  # keep the call log from growing across repeats (reset is ~free)

    samples = interleaved({"FakeChatModel(latency=0)": fake_case, "FakeListChatModel": many(reference)}, repeats)
    rows = [row("per_call_overhead", name, s, calls) for name, s in samples.items()]
    ratio = rows[0]["median_s"] / rows[1]["median_s"]
    rows[0].update(relative=ratio, relative_unit="x reference", target=CALL_RATIO_TARGET)
    rows[0]["meets_target"] = ratio <= CALL_RATIO_TARGET
    rows[1].update(relative=1.0, relative_unit="x reference")
    return rows


def recorder_overhead(runs: int) -> list[dict]:
    model = FakeChatModel(latency=0.1, respond="OK")
    parallel = RunnableParallel({name: model for name in BRANCHES})

    def sync_without() -> None:
        parallel.invoke("q")

    def sync_with() -> None:
        parallel.invoke("q", config={"callbacks": [TimelineRecorder()]})

    for case in (sync_without, sync_with):  # warm-up: thread pool, imports
        case()
    sync = interleaved({"sync without recorder": sync_without, "sync with recorder": sync_with}, runs)

    async def async_samples() -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {"async without recorder": [], "async with recorder": []}
        await parallel.ainvoke("q")
        await parallel.ainvoke("q", config={"callbacks": [TimelineRecorder()]})
        for _ in range(runs):
            for name, config in (
                ("async without recorder", None),
                ("async with recorder", {"callbacks": [TimelineRecorder()]}),
            ):
                start = time.perf_counter()
                await parallel.ainvoke("q", config=config)
                samples[name].append(time.perf_counter() - start)
        return samples

    rows = []
    for samples in (sync, asyncio.run(async_samples())):
        (base_name, base), (with_name, with_) = samples.items()
        base_row, with_row = row("recorder_overhead", base_name, base), row("recorder_overhead", with_name, with_)
        overhead = (with_row["median_s"] / base_row["median_s"] - 1) * 100
        base_row.update(relative=0.0, relative_unit="% overhead")
        with_row.update(
            relative=overhead,
            relative_unit="% overhead",
            target=RECORDER_OVERHEAD_TARGET,
            meets_target=overhead <= RECORDER_OVERHEAD_TARGET,
        )
        rows += [base_row, with_row]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="invokes per repeat in (a)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats per model in (a)")
    parser.add_argument("--warmup", type=int, default=300, help="warm-up invokes per model in (a)")
    parser.add_argument("--runs", type=int, default=15, help="runs per variant in (b)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    rows = call_overhead(args.calls, args.repeats, args.warmup) + recorder_overhead(args.runs)
    frame = pd.DataFrame(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False)

    shown = frame.copy()
    for column in ("median_s", "min_s", "max_s"):
        shown[column] = [
            f"{v * 1e6:8.1f} us" if b == "per_call_overhead" else f"{v * 1e3:7.1f} ms"
            for v, b in zip(frame[column], frame["benchmark"], strict=True)
        ]
    shown["relative"] = [
        f"{v:.2f}x" if unit == "x reference" else f"{v:+.2f} %"
        for v, unit in zip(frame["relative"], frame["relative_unit"], strict=True)
    ]
    shown["target"] = [
        "" if pd.isna(t) else (f"<= {t:g}x" if unit == "x reference" else f"<= {t:g} %")
        for t, unit in zip(frame["target"], frame["relative_unit"], strict=True)
    ]
    shown["meets_target"] = ["" if pd.isna(m) else ("yes" if m else "NO") for m in frame["meets_target"]]
    columns = ["benchmark", "case", "samples", "median_s", "min_s", "max_s", "relative", "target", "meets_target"]
    print(shown[columns].to_string(index=False))
    print(f"\nwrote {OUT.relative_to(ROOT)}")
    missed = frame["meets_target"].eq(False).any()
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
