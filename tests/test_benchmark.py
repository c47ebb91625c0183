"""Timer and benchmark: timed in rotation, per call, on any clock; summarise."""

import time

import pytest

import parallel_course as pc
from parallel_course import Timer, benchmark
from parallel_course.benchmarks import summarise

pytestmark = pytest.mark.usefixtures("real_time")

COLUMNS = ["median", "min", "max", "repeats", "speedup"]


def test_timer_measures_a_sleep():
    def sleep() -> Timer:
        with Timer() as timer:
            time.sleep(0.05)
        return timer

    timer = sleep()
    assert timer.end is not None and timer.end - timer.start == timer.elapsed
    assert timer.elapsed >= 0.05 and repr(timer) == f"Timer(elapsed={timer.elapsed:.3f}s)"
    pc.verify_timing(lambda: sleep().elapsed, first=timer.elapsed, at_most=0.1, expected=0.05, what="the sleep took",
                     unit=" s")


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
    first_end = timer.end

    def again() -> float:
        with timer:
            pass
        assert timer.start >= first_end  # restarted: exact
        return timer.elapsed

    pc.verify_timing(again, at_most=0.05, what="the empty block took", unit=" s")  # not 0.1 s and more


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
    pc.verify_timing(lambda: benchmark({"slow": counting_sleep(0.03, []), "fast": counting_sleep(0.01, [])},
                                       repeats=3, warmup=1).loc["fast", "speedup"],
                     first=results.loc["fast", "speedup"], at_least=1.5, expected=3, what="speedup", unit="x")


def test_benchmark_with_a_named_baseline():
    def run():
        return benchmark({"slow": lambda: time.sleep(0.02), "fast": lambda: None}, repeats=2, baseline="fast")

    results = run()
    assert results.loc["fast", "speedup"] == 1.0
    pc.verify_timing(lambda: run().loc["slow", "speedup"], first=results.loc["slow", "speedup"], at_most=0.1,
                     what="the slow case's speedup", unit="x")


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


def test_benchmark_needs_a_case():
    with pytest.raises(ValueError, match="cases"):
        benchmark({})


def test_a_bad_parameter_runs_no_case():
    calls: list[float] = []
    with pytest.raises(ValueError, match="repeats"):
        benchmark({"a": counting_sleep(0.0, calls)}, repeats=0)
    assert calls == []


# -- rotation, per-call timing, clocks, summarise --------------------------------------


def recorder(name: str, order: list[str], seconds: float = 0.0):
    def case() -> None:
        order.append(name)
        if seconds:
            time.sleep(seconds)

    return case


def test_cases_are_timed_in_rotation_after_the_warmup():
    order: list[str] = []
    results = benchmark({"a": recorder("a", order), "b": recorder("b", order)}, repeats=3, warmup=1)
    assert order == ["a", "b"] * 4  # one warm-up round, then three timed rounds, in turn
    assert results["repeats"].to_dict() == {"a": 3, "b": 3}


def test_number_calls_per_timing_and_seconds_per_call():
    order: list[str] = []
    results = benchmark({"sleep": recorder("sleep", order, 0.01)}, repeats=2, warmup=0, number=3)
    assert len(order) == 6
    assert 0.01 <= results.loc["sleep", "min"] <= results.loc["sleep", "max"]
    pc.verify_timing(lambda: benchmark({"sleep": recorder("sleep", [], 0.01)}, repeats=2, warmup=0,
                                       number=3).loc["sleep", "min"],
                     first=results.loc["sleep", "min"], at_most=0.025, expected=0.01, what="seconds per call",
                     unit=" s")  # per call, not per timing (0.03): on the fastest timing


def test_benchmark_columns_speedup_and_baseline():
    order: list[str] = []
    cases = {"slow": recorder("slow", order, 0.04), "fast": recorder("fast", order, 0.01)}
    results = benchmark(cases, repeats=3, warmup=0)
    assert list(results.columns) == COLUMNS
    assert list(results.index) == ["slow", "fast"]
    assert results.loc["slow", "speedup"] == 1.0  # the first case is the baseline
    median = results["median"]
    assert results.loc["fast", "speedup"] == pytest.approx(median["slow"] / median["fast"])
    pc.verify_timing(lambda: (m := benchmark(cases, repeats=3, warmup=0)["median"])["slow"] - m["fast"],
                     first=median["slow"] - median["fast"], at_least=0.01, expected=0.03,
                     what="the slow case's median exceeds the fast one's by", unit=" s")
    assert (results["min"] <= results["median"]).all() and (results["median"] <= results["max"]).all()
    assert (results["repeats"] == 3).all()
    rebased = benchmark(cases, repeats=2, warmup=0, baseline="fast")
    median = rebased["median"]
    assert rebased.loc["fast", "speedup"] == 1.0
    assert rebased.loc["slow", "speedup"] == pytest.approx(median["fast"] / median["slow"])
    pc.verify_timing(lambda: (m := benchmark(cases, repeats=2, warmup=0, baseline="fast")["median"])["slow"]
                     - m["fast"], first=median["slow"] - median["fast"], at_least=0.01, expected=0.03,
                     what="the slow case's median exceeds the fast one's by", unit=" s")


def test_process_time_clock_ignores_waiting_and_counts_work():
    def spin() -> None:  # 5 ms of CPU work, however busy the machine is
        end = time.process_time() + 0.005
        while time.process_time() < end:
            pass

    results = benchmark({"sleep": lambda: time.sleep(0.02), "spin": spin}, repeats=2, warmup=0, clock=time.process_time)
    assert results.loc["sleep", "max"] < 0.005  # a sleep costs no CPU
    assert results.loc["spin", "min"] >= 0.005  # busy work does


def test_custom_clock_is_used():
    ticks = iter(range(100))
    results = benchmark({"a": lambda: None}, repeats=3, warmup=0, number=2, clock=lambda: next(ticks))
    assert results.loc["a", ["median", "min", "max"]].tolist() == [0.5, 0.5, 0.5]  # one tick per two calls


def test_summarise_matches_the_samples():
    frame = summarise({"a": [3.0, 1.0, 2.0], "b": [1.0, 1.0]}, baseline="b")
    assert frame.loc["a"].tolist() == [2.0, 1.0, 3.0, 3, 0.5]
    assert frame.loc["b", "speedup"] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"cases": {}}, "cases"),
        ({"cases": {"a": 1}}, "cases"),
        ({"repeats": 0}, "repeats"),
        ({"warmup": -1}, "warmup"),
        ({"number": 0}, "number"),
        ({"baseline": "nope"}, "baseline"),
        ({"clock": 3}, "clock"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs, parameter):
    arguments = {"cases": {"a": lambda: None}, **kwargs}
    cases = arguments.pop("cases")
    with pytest.raises(ValueError, match=parameter):
        benchmark(cases, **arguments)


def test_summarise_rejects_empty_samples_and_unknown_baseline():
    with pytest.raises(ValueError, match="samples"):
        summarise({"a": []})
    with pytest.raises(ValueError, match="baseline"):
        summarise({"a": [1.0]}, baseline="b")
