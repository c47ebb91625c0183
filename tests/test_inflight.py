"""Calls in flight, counted exactly and held at a gate; and the one helper for claims about speed.

Nothing here reads a clock to decide: a gate opens only when its calls wait together, and the
counters are exact, so these tests hold on a machine as busy as it gets.
"""

import asyncio

import pytest
from langchain_core.runnables import RunnableLambda, RunnableParallel

import parallel_course as pc
from parallel_course.fake_chat_model import FakeChatModel


def three(model) -> RunnableParallel:
    return RunnableParallel(a=model, b=model, c=model)


def one_after_another(model) -> RunnableLambda:
    return RunnableLambda(lambda x: [model.invoke(f"{x} {i}") for i in range(3)])


def test_the_peak_in_flight_is_counted_exactly_and_reset():
    model = FakeChatModel(latency=0.05)
    three(model).invoke("x")
    assert model.peak_in_flight <= 3
    model.reset()
    one_after_another(model).invoke("x")
    assert model.peak_in_flight == 1  # never two at once: no clock can make it more
    model.reset()
    assert model.peak_in_flight == 0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_gate_opens_when_its_calls_wait_together_and_the_peak_is_exact(mode):
    model = FakeChatModel(latency=0.01)
    with pc.gate(3, model) as gate:
        if mode == "sync":
            three(model).invoke("x")
        else:
            asyncio.run(three(model).ainvoke("x"))
    assert gate.opened and not gate.broken and model.peak_in_flight == 3


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_calls_one_after_another_never_open_a_gate(mode):
    model = FakeChatModel(latency=0.0)

    async def awaited():
        return [await model.ainvoke(str(i)) for i in range(3)]

    with pytest.raises(AssertionError, match="3 calls never ran at once.*only one at a time"):
        with pc.gate(3, model, timeout=0.3):
            one_after_another(model).invoke("x") if mode == "sync" else asyncio.run(awaited())
    assert len(model.call_log()) == 3  # the broken gate let them all through


def test_a_cap_is_proven_by_a_gate_of_its_size_and_the_exact_peak():
    model = FakeChatModel(latency=0.01)
    chain = RunnableParallel(a=model)
    with pc.gate(2, model):  # reached ...
        chain.batch([str(i) for i in range(6)], config={"max_concurrency": 2})
    assert model.peak_in_flight == 2  # ... and never more
    model.reset()
    with pytest.raises(AssertionError, match="3 calls never ran at once.*at most 2"):
        with pc.gate(3, model, timeout=0.3):  # a gate above the cap never opens
            chain.batch([str(i) for i in range(6)], config={"max_concurrency": 2})


def test_blocking_io_and_two_models_share_one_gate():
    blocking, model = pc.BlockingIO(0.01), FakeChatModel(latency=0.01)
    with pc.gate(2, blocking, model):
        RunnableParallel(a=blocking, b=model).invoke("x")
    assert blocking.peak_in_flight == 1 and model.peak_in_flight == 1
    blocking.reset()
    assert blocking.peak_in_flight == 0


def test_bad_gate_parameters_name_themselves():
    model = FakeChatModel(latency=0.0)
    for parties in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="parties"):
            with pc.gate(parties, model):
                pass
    with pytest.raises(ValueError, match="timeout"):
        with pc.gate(2, model, timeout=0):
            pass
    with pytest.raises(ValueError, match="recorders"):
        with pc.gate(2):
            pass
    with pytest.raises(ValueError, match="recorders"):
        with pc.gate(2, RunnableLambda(lambda x: x)):
            pass


def test_verify_timing_measures_again_only_while_the_bound_is_missed(capsys):
    runs = iter([3.0, 2.5, 1.2, 9.0])
    calls = []

    def measure():
        calls.append(1)
        return next(runs)

    kept = pc.verify_timing(measure, first=4.0, at_most=1.5, expected=1.0, what="the run took", unit=" s")
    assert kept == 1.2 and len(calls) == 3  # the first was the demo's; three more, then it held: the lowest
    assert capsys.readouterr().out == "verified: the run took 1.2 s, expected about 1 s (at most 1.5 s)\n"
    assert pc.verify_timing(lambda: 1 / 0, first=2.9, at_least=2, what="speedup") == 2.9  # held: no rerun
    speedups = iter([1.5, 1.9, 1.7, 1.8, 1.6])
    with pytest.raises(AssertionError, match=r"speedup: 1.9x over 5 runs, expected about 3x, at least 2x claimed"):
        pc.verify_timing(lambda: next(speedups), at_least=2, expected=3, what="speedup", unit="x")  # the highest


def test_bad_verify_timing_parameters_name_themselves():
    with pytest.raises(ValueError, match="at_most or at_least"):
        pc.verify_timing(lambda: 1.0)
    with pytest.raises(ValueError, match="at_most or at_least"):
        pc.verify_timing(lambda: 1.0, at_most=2, at_least=1)
    with pytest.raises(ValueError, match="measure"):
        pc.verify_timing(1.0, at_most=2)
