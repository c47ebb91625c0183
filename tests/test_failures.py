"""Failure injection: each plan fails exactly the calls its documentation promises."""

import asyncio
import random

import pytest
from langchain_core.runnables import RunnableLambda, RunnableParallel

from parallel_course import (
    ModelTimeoutError,
    RateLimitError,
    ServerError,
    fail_always,
    fail_first,
    fail_on_chunk,
    fail_with_probability,
)
from parallel_course.failures import FailurePlan, fail_every

pytestmark = pytest.mark.usefixtures("real_time")

PROMPTS = [f"review number {i}: the product was fine" for i in range(60)]
FIVE_WORDS = "one two three four five"


def outcomes(model, prompts) -> list[bool]:
    """For each prompt in turn, whether the model's call failed."""
    failed = []
    for prompt in prompts:
        try:
            model.invoke(prompt)
            failed.append(False)
        except RateLimitError:
            failed.append(True)
    return failed


def failing_prompts_by_batch(model, prompts) -> set[str]:
    results = model.batch(prompts, config={"max_concurrency": 8}, return_exceptions=True)
    assert all(isinstance(r, RateLimitError) or r.content == "OK" for r in results)
    return {prompt for prompt, result in zip(prompts, results, strict=True) if isinstance(result, Exception)}


def failing_prompts_by_parallel(model, prompts) -> set[str]:
    """Run every prompt as one branch of a RunnableParallel; return the failed prompts."""
    failed = set()
    for start in range(0, len(prompts), 15):
        chunk = prompts[start : start + 15]
        branches = {
            str(i): (RunnableLambda(lambda _, p=p: p) | model).with_fallbacks(
                [RunnableLambda(lambda _, p=p: f"FAILED:{p}")]
            )
            for i, p in enumerate(chunk)
        }
        out = RunnableParallel(branches).invoke("go")
        failed |= {value[len("FAILED:") :] for value in out.values() if isinstance(value, str)}
    return failed


# -- probability ----------------------------------------------------------------------


def test_seeded_probability_fails_the_same_prompts_whatever_the_thread_order(make_fake):
    plan = fail_with_probability(0.3)
    # jitter shuffles which thread finishes (and so which call is counted) first
    first = failing_prompts_by_batch(make_fake(seed=7, failure=plan, jitter=0.005), PROMPTS)
    second = failing_prompts_by_batch(make_fake(seed=7, failure=plan, jitter=0.005), PROMPTS[::-1])
    third = failing_prompts_by_parallel(make_fake(seed=7, failure=plan), PROMPTS)
    assert first == second == third
    assert 0 < len(first) < len(PROMPTS)


def test_a_different_seed_gives_a_different_failure_pattern(make_fake):
    plan = fail_with_probability(0.3)
    patterns = {
        seed: frozenset(failing_prompts_by_batch(make_fake(seed=seed, failure=plan), PROMPTS)) for seed in (7, 8)
    }
    assert patterns[7] != patterns[8]


def test_probability_is_roughly_the_failure_rate(make_fake):
    model = make_fake(seed=0, failure=fail_with_probability(0.3))
    rate = sum(outcomes(model, [f"p{i}" for i in range(400)])) / 400
    assert 0.2 < rate < 0.4


@pytest.mark.parametrize(("p", "expected"), [(0.0, 0), (1.0, len(PROMPTS))])
def test_probability_zero_never_fails_and_one_always_fails(make_fake, p, expected):
    model = make_fake(failure=fail_with_probability(p))
    assert sum(outcomes(model, PROMPTS)) == expected


def test_a_retried_prompt_draws_again_and_reset_replays_the_pattern(make_fake):
    model = make_fake(seed=11, failure=fail_with_probability(0.5))
    first = outcomes(model, PROMPTS)
    second = outcomes(model, PROMPTS)  # attempt 2 of each prompt: a fresh draw
    assert first != second
    model.reset()
    assert outcomes(model, PROMPTS) == first


def test_probability_draw_matches_the_documented_formula():
    plan = fail_with_probability(0.5)
    for prompt in PROMPTS[:20]:
        expected = random.Random(f"5|{prompt}|1").random() < 0.5
        assert plan.fails_call(call_number=99, seed=5, prompt=prompt, attempt=1) is expected


# -- counted plans -------------------------------------------------------------------


def test_fail_every_n_fails_calls_n_2n_3n(make_fake):
    model = make_fake(failure=fail_every(3))
    assert outcomes(model, ["same"] * 7) == [False, False, True, False, False, True, False]
    model.invoke("x")  # call 8
    with pytest.raises(RateLimitError, match="call 9"):
        model.invoke("x")


def test_fail_every_counts_calls_not_prompts(make_fake):
    model = make_fake(failure=fail_every(2))
    assert outcomes(model, ["a", "b", "c", "d"]) == [False, True, False, True]


def test_fail_first_n_then_recovers(make_fake):
    model = make_fake(failure=fail_first(2))
    assert outcomes(model, ["x"] * 5) == [True, True, False, False, False]


def test_fail_always_raises_the_chosen_error_and_message(make_fake):
    model = make_fake(failure=fail_always(ServerError, message="the provider is down"), name="m")
    for _ in range(3):
        with pytest.raises(ServerError, match=r"the provider is down \(m call \d\)"):
            model.invoke("x")
    with pytest.raises(ServerError):
        list(model.stream("x"))
    with pytest.raises(ServerError):
        asyncio.run(model.ainvoke("x"))
    assert list(model.call_log()["status"]) == ["error"] * 5


def test_failure_happens_after_the_latency(make_fake):
    model = make_fake(latency=0.05, failure=fail_always(ModelTimeoutError))
    with pytest.raises(TimeoutError):  # ModelTimeoutError is a TimeoutError
        model.invoke("x")
    assert model.call_log()["duration"].iloc[0] >= 0.05


def test_counted_plans_also_fail_streams_before_the_first_chunk(make_fake):
    model = make_fake(respond=FIVE_WORDS, failure=fail_first(1))
    received = []
    with pytest.raises(RateLimitError):
        for chunk in model.stream("x"):
            received.append(chunk.content)
    assert received == []
    assert "".join(chunk.content for chunk in model.stream("x")) == FIVE_WORDS


# -- on_chunk --------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 5])
def test_fail_on_chunk_yields_k_minus_one_chunks_then_raises(make_fake, k):
    model = make_fake(respond=FIVE_WORDS, failure=fail_on_chunk(k))
    received = []
    with pytest.raises(ServerError, match=f"chunk {k}"):
        for chunk in model.stream("x"):
            received.append(chunk.content)
    assert received == ["one", " two", " three", " four", " five"][: k - 1]
    assert model.call_log()["status"].iloc[-1] == "error"


def test_fail_on_chunk_async_stream(make_fake):
    model = make_fake(respond=FIVE_WORDS, failure=fail_on_chunk(3))

    async def consume() -> list[str]:
        received = []
        try:
            async for chunk in model.astream("x"):
                received.append(chunk.content)
        except ServerError:
            received.append("<ServerError>")
        return received

    assert asyncio.run(consume()) == ["one", " two", "<ServerError>"]


def test_fail_on_chunk_lets_invoke_and_short_streams_succeed(make_fake):
    model = make_fake(respond=FIVE_WORDS, failure=fail_on_chunk(3))
    assert model.invoke("x").content == FIVE_WORDS
    assert asyncio.run(model.ainvoke("x")).content == FIVE_WORDS
    short = make_fake(respond="one two", failure=fail_on_chunk(3))
    assert "".join(chunk.content for chunk in short.stream("x")) == "one two"
    assert list(model.call_log()["status"]) == ["ok", "ok"]


# -- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "parameter"),
    [
        (lambda: fail_with_probability(-0.1), "p"),
        (lambda: fail_with_probability(1.5), "p"),
        (lambda: FailurePlan("probability"), "p"),
        (lambda: FailurePlan("sometimes"), "mode"),
        (lambda: fail_every(0), "n"),
        (lambda: fail_first(0), "n"),
        (lambda: fail_on_chunk(-1), "n"),
        (lambda: fail_every(1.5), "n"),
        (lambda: fail_always(error=str), "error"),
        (lambda: fail_always(error=RateLimitError("an instance, not a class")), "error"),
    ],
)
def test_bad_failure_plans_raise_value_error_naming_the_parameter(make, parameter):
    with pytest.raises(ValueError, match=rf"^{parameter} must"):
        make()


def test_failure_plans_are_immutable():
    plan = fail_every(2)
    with pytest.raises(AttributeError):
        plan.n = 3
