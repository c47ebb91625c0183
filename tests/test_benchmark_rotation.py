"""pc.benchmark times cases in rotation, per call, on any clock; summarise (parallel_course.benchmark)."""

import time

import pytest

from parallel_course.benchmark import COLUMNS, benchmark, summarise


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
    assert 0.01 <= results.loc["sleep", "min"] <= results.loc["sleep", "max"] < 0.025  # per call, not per timing


def test_benchmark_columns_speedup_and_baseline():
    order: list[str] = []
    cases = {"slow": recorder("slow", order, 0.02), "fast": recorder("fast", order, 0.005)}
    results = benchmark(cases, repeats=3, warmup=0)
    assert list(results.columns) == COLUMNS
    assert list(results.index) == ["slow", "fast"]
    assert results.loc["slow", "speedup"] == 1.0
    assert 1.5 < results.loc["fast", "speedup"] < 4.5
    assert (results["min"] <= results["median"]).all() and (results["median"] <= results["max"]).all()
    assert (results["repeats"] == 3).all()
    rebased = benchmark(cases, repeats=2, warmup=0, baseline="fast")
    assert rebased.loc["fast", "speedup"] == 1.0 and rebased.loc["slow", "speedup"] < 0.5


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
