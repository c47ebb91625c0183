"""Timer, benchmark and abenchmark."""

import asyncio
import time

import pytest

from conftest import retry_timing
from parallel_course import Timer, abenchmark, benchmark

pytestmark = pytest.mark.usefixtures("real_time")

COLUMNS = ["median", "min", "max", "repeats", "speedup"]


def test_timer_measures_a_sleep():
    def check() -> None:
        with Timer() as timer:
            time.sleep(0.05)
        assert timer.end is not None and timer.end - timer.start == timer.elapsed
        assert 0.05 <= timer.elapsed < 0.1
        assert repr(timer).startswith("Timer(elapsed=0.0")

    retry_timing(check)


def test_timer_is_frozen_after_the_block_and_live_inside():
    with Timer() as timer:
        first = timer.elapsed
        time.sleep(0.01)
        assert timer.elapsed > first  # running
    done = timer.elapsed
    time.sleep(0.01)
    assert timer.elapsed == done  # stopped


def test_timer_can_be_reused():
    timer = Timer()
    with timer:
        time.sleep(0.1)
    with timer:
        pass
    assert timer.elapsed < 0.05  # restarted: not 0.1 s and more


def test_timer_counts_cpu_seconds_not_waiting():
    with Timer() as waiting:
        time.sleep(0.1)
    with Timer() as computing:
        start = time.process_time()
        while time.process_time() - start < 0.05:
            pass
    assert waiting.cpu < 0.02 < 0.1 <= waiting.elapsed
    assert computing.cpu >= 0.05


def test_timer_not_started():
    timer = Timer()
    assert repr(timer) == "Timer(not started)"
    with pytest.raises(RuntimeError, match="not been started"):
        timer.elapsed  # noqa: B018
    with pytest.raises(RuntimeError, match="not been started"):
        timer.cpu  # noqa: B018


def counting_sleep(seconds: float, calls: list[float]):
    def case() -> None:
        calls.append(seconds)
        time.sleep(seconds)

    return case


def test_benchmark_reports_the_distribution_and_speedup():
    calls: list[float] = []
    results = benchmark({"slow": counting_sleep(0.03, calls), "fast": counting_sleep(0.01, calls)}, repeats=3, warmup=1)
    assert list(results.columns) == COLUMNS
    assert list(results.index) == ["slow", "fast"]
    assert results.index.name == "case"
    assert calls == [0.03, 0.01] * 4  # warm-up + repeats, the cases in turn
    assert (results["repeats"] == 3).all()
    assert (results["min"] <= results["median"]).all() and (results["median"] <= results["max"]).all()
    assert results.loc["slow", "median"] >= 0.03 and results.loc["fast", "median"] >= 0.01
    assert results.loc["slow", "speedup"] == 1.0  # the first case is the baseline
    assert results.loc["fast", "speedup"] == pytest.approx(
        results.loc["slow", "median"] / results.loc["fast", "median"]
    )
    assert results.loc["fast", "speedup"] > 1.5  # 3 on an idle machine


def test_benchmark_with_a_named_baseline():
    results = benchmark({"slow": lambda: time.sleep(0.02), "fast": lambda: None}, repeats=2, baseline="fast")
    assert results.loc["fast", "speedup"] == 1.0
    assert results.loc["slow", "speedup"] < 0.1


def test_abenchmark_times_coroutines():
    async def run():
        async def slow():
            await asyncio.sleep(0.03)

        async def together():
            await asyncio.gather(*(asyncio.sleep(0.03) for _ in range(4)))

        async def apart():
            for _ in range(4):
                await asyncio.sleep(0.03)

        return await abenchmark({"apart": apart, "together": together, "slow": slow}, repeats=2, warmup=0)

    def check() -> None:
        results = asyncio.run(run())
        assert list(results.columns) == COLUMNS
        assert results.loc["apart", "speedup"] == 1.0
        assert results.loc["apart", "median"] >= 0.12
        assert results.loc["together", "speedup"] > 2.5  # 4 on an idle machine

    retry_timing(check)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"repeats": 0}, "repeats"),
        ({"repeats": 1.5}, "repeats"),
        ({"warmup": -1}, "warmup"),
        ({"baseline": "missing"}, "baseline"),
    ],
)
def test_bad_benchmark_parameters_name_the_parameter(kwargs, parameter):
    with pytest.raises(ValueError, match=parameter):
        benchmark({"a": lambda: None}, **kwargs)

    async def case():
        return None

    with pytest.raises(ValueError, match=parameter):
        asyncio.run(abenchmark({"a": case}, **kwargs))


def test_benchmark_needs_a_case():
    with pytest.raises(ValueError, match="cases"):
        benchmark({})


def test_a_bad_parameter_runs_no_case():
    calls: list[float] = []
    with pytest.raises(ValueError, match="repeats"):
        benchmark({"a": counting_sleep(0.0, calls)}, repeats=0)
    assert calls == []
