"""The fake chat model: real latency, parallel speed-up, streaming, answers, call log, composition."""

import asyncio
import time

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableLambda, RunnableParallel
from support import LATENCY, NEGATIVE_REVIEW, NEUTRAL_REVIEW, POSITIVE_REVIEW, elapsed

import parallel_course as pc
from parallel_course import (
    RateLimitError,
    ServerError,
    fail_always,
    fail_first,
    get_chat_model,
    sequential,
)
from parallel_course.fake_chat_model import FakeChatModel
from parallel_course.responders import keywords, payload, sentiment, summarize

pytestmark = pytest.mark.usefixtures("real_time", "offline_model")


FIVE_WORDS = "the quick brown fox jumps"


def four_branches(model) -> dict:
    return {name: model for name in ("a", "b", "c", "d")}


# -- latency and parallelism ---------------------------------------------------------


def test_invoke_waits_the_latency(make_fake):
    model = make_fake(latency=LATENCY, respond="hi")
    message, seconds = elapsed(model.invoke, "hello")
    assert message.content == "hi" and seconds >= LATENCY
    pc.verify_timing(lambda: elapsed(model.invoke, "hello")[1], first=seconds, at_most=1.9 * LATENCY,
                     expected=LATENCY, what="one call took", unit=" s")  # waited once, not twice


def test_sync_parallel_of_four_takes_one_latency_and_sequential_four(make_fake):
    latency = 0.2
    model = make_fake(latency=latency)
    RunnableParallel(four_branches(make_fake())).invoke("warm-up")  # thread pool, imports

    with pc.gate(4, model):  # the four calls wait together: they run at once
        out = RunnableParallel(four_branches(model)).invoke("q")
    assert set(out) == {"a", "b", "c", "d"} and model.peak_in_flight == 4
    parallel_seconds = pc.verify_timing(lambda: elapsed(RunnableParallel(four_branches(model)).invoke, "q")[1],
                                        at_most=1.5 * latency, expected=latency, what="parallel of four took",
                                        unit=" s")
    model.reset()
    out, sequential_seconds = elapsed(sequential(four_branches(model)).invoke, "q")
    assert set(out) == {"a", "b", "c", "d"} and model.peak_in_flight == 1
    assert sequential_seconds >= 0.95 * 4 * latency  # four latencies one after another: load only adds
    assert sequential_seconds / parallel_seconds >= 2.5  # follows from the two bounds: 0.76 s / 0.3 s


def test_async_parallel_of_four_takes_one_latency_and_sequential_four(make_fake):
    latency = 0.2
    model = make_fake(latency=latency)

    async def timed(runnable) -> float:
        start = time.perf_counter()
        out = await runnable.ainvoke("q")
        assert set(out) == {"a", "b", "c", "d"}
        return time.perf_counter() - start

    asyncio.run(timed(RunnableParallel(four_branches(make_fake()))))  # warm-up
    with pc.gate(4, model):  # the four calls wait together on the loop: they run at once
        asyncio.run(timed(RunnableParallel(four_branches(model))))
    assert model.peak_in_flight == 4
    parallel_seconds = pc.verify_timing(lambda: asyncio.run(timed(RunnableParallel(four_branches(model)))),
                                        at_most=1.5 * latency, expected=latency, what="async parallel of four took",
                                        unit=" s")
    model.reset()
    sequential_seconds = asyncio.run(timed(sequential(four_branches(model))))
    assert model.peak_in_flight == 1
    assert sequential_seconds >= 0.95 * 4 * latency  # four latencies one after another: load only adds
    assert sequential_seconds / parallel_seconds >= 2.5  # follows from the two bounds: 0.76 s / 0.3 s
    assert set(model.call_log()["mode"]) == {"async"}


async def _count_ticks_while(awaitable) -> int:
    """Ticks of a 5 ms ticker task that happen while ``awaitable`` runs."""
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start
    ticks = 0
    await awaitable
    done = True
    await task
    return ticks


async def _ran_during(awaitable, recorder) -> bool:
    """Whether another task of the loop ran while ``recorder`` (a fake, ``BlockingIO``) had a call in flight."""
    seen = False

    async def watcher() -> None:
        nonlocal seen
        while not call.done():
            seen |= recorder.in_flight_counter.now > 0  # this task runs only when the loop is free
            await asyncio.sleep(0)

    call = asyncio.ensure_future(awaitable)
    await asyncio.gather(call, watcher())
    return seen


def test_async_fake_does_not_block_the_event_loop(make_fake):
    model = make_fake(latency=0.2)
    assert asyncio.run(_ran_during(model.ainvoke("hello"), model))  # exact: the loop ran during the call
    model.reset()
    # 0.2 s / 5 ms = 40 ticks at best; a blocked loop gets none.
    pc.verify_timing(lambda: asyncio.run(_count_ticks_while(model.ainvoke("hello"))), at_least=10, expected=40,
                     what="ticks during the call")


def test_tick_counter_detects_a_blocked_loop():
    """Control for the test above: a coroutine that blocks the loop lets no tick through, nor any task run."""

    async def blocking() -> None:
        time.sleep(0.1)

    assert asyncio.run(_count_ticks_while(blocking())) <= 1
    tool = pc.BlockingIO(0.1)

    async def blocking_call() -> None:
        tool("x")

    assert not asyncio.run(_ran_during(blocking_call(), tool))


def test_sync_calls_run_in_worker_threads_async_calls_on_the_loop(make_fake):
    model = make_fake(latency=LATENCY)

    def threads() -> set[str]:
        model.reset()
        RunnableParallel(four_branches(model)).invoke("q")
        return set(model.call_log()["thread"])

    assert all(name.startswith("ThreadPoolExecutor") for name in threads())
    with pc.gate(4, model) as gate:  # four calls inside at once: four threads, one each
        assert len(threads()) == 4
    assert gate.opened and model.peak_in_flight == 4
    model.reset()
    asyncio.run(RunnableParallel(four_branches(model)).ainvoke("q"))
    assert set(model.call_log()["thread"]) == {"MainThread"}


# -- streaming -----------------------------------------------------------------------


def test_stream_yields_several_chunks_that_join_to_the_invoke_answer(make_fake):
    model = make_fake(respond=FIVE_WORDS)
    chunks = list(model.stream("tell me about foxes"))
    # One chunk per word (LangChain may add an empty closing chunk).
    assert [chunk.content for chunk in chunks if chunk.content] == [
        "the",
        " quick",
        " brown",
        " fox",
        " jumps",
    ]
    assert "".join(chunk.content for chunk in chunks) == model.invoke("tell me about foxes").content == FIVE_WORDS


def test_async_stream_matches_sync_stream(make_fake):
    model = make_fake(respond=FIVE_WORDS)

    async def collect() -> list[str]:
        return [chunk.content async for chunk in model.astream("x")]

    assert asyncio.run(collect()) == [chunk.content for chunk in model.stream("x")]


def test_usage_metadata_counts_input_and_output_tokens(make_fake):
    model = make_fake(respond=FIVE_WORDS)
    message = model.invoke("one two three")
    assert message.usage_metadata == {"input_tokens": 3, "output_tokens": 5, "total_tokens": 8}
    total = None
    for chunk in model.stream("one two three"):
        total = chunk if total is None else total + chunk
    assert total.usage_metadata == message.usage_metadata
    assert total.content == FIVE_WORDS


def test_usage_metadata_counts_every_message_of_the_prompt(make_fake):
    model = make_fake(respond="fine")
    message = model.invoke([SystemMessage("be brief"), HumanMessage("how are you")])
    assert message.usage_metadata["input_tokens"] == 5
    assert message.usage_metadata["output_tokens"] == 1


def test_token_delay_spreads_the_stream_over_latency_plus_token_gaps(make_fake):
    latency, token_delay = 0.1, 0.05
    model = make_fake(respond=FIVE_WORDS, latency=latency, token_delay=token_delay)
    expected = latency + 4 * token_delay  # 0.3 s

    def arrivals() -> list[float]:
        start = time.perf_counter()
        return [time.perf_counter() - start for chunk in model.stream("x") if chunk.content]

    def gaps(run: list[float]) -> list[float]:
        return sorted(later - earlier for earlier, later in zip(run, run[1:], strict=False))

    def run() -> list[float]:  # lower bounds hold on every run: load only adds time
        run = arrivals()
        assert len(run) == 5 and run[0] >= latency and run[-1] >= expected
        assert gaps(run)[0] >= 0.9 * token_delay
        return run

    first = run()
    pc.verify_timing(lambda: run()[0], first=first[0], at_most=(latency + expected) / 2, expected=latency,
                     what="first token after", unit=" s")  # after the latency only
    pc.verify_timing(lambda: run()[-1], first=first[-1], at_most=expected + 2 * token_delay, expected=expected,
                     what="last token after", unit=" s")  # not each delay twice

    def median_gap(run: list[float]) -> float:
        return (gaps(run)[1] + gaps(run)[2]) / 2

    pc.verify_timing(lambda: median_gap(run()), first=median_gap(first), at_most=1.5 * token_delay,
                     expected=token_delay, what="median gap", unit=" s")  # one delay
    invoked = elapsed(model.invoke, "x")[1]
    assert invoked >= expected  # invoke waits the same total time
    pc.verify_timing(lambda: elapsed(model.invoke, "x")[1], first=invoked, at_most=expected + 2 * token_delay,
                     expected=expected, what="invoke took", unit=" s")


# -- answers -------------------------------------------------------------------------


def test_sentiment_responder_reads_the_payload():
    assert sentiment(POSITIVE_REVIEW) == "positive"
    assert sentiment(NEGATIVE_REVIEW) == "negative"
    assert sentiment(NEUTRAL_REVIEW) == "positive"  # ties go to positive
    # The instructions (short paragraph) mention positive words; the review decides.
    prompt = f"Is this review good or great? Answer positive or negative.\n\n{NEGATIVE_REVIEW}"
    assert payload(prompt) == NEGATIVE_REVIEW
    assert sentiment(prompt) == "negative"


def test_summary_responder_keeps_the_first_sentence_cut_to_twelve_words():
    assert summarize("Short and sweet. Another sentence here.") == "Short and sweet."
    assert summarize(NEGATIVE_REVIEW) == "The lid broke after two days and the kettle leaked all over..."
    assert summarize(NEGATIVE_REVIEW, max_words=3) == "The lid broke..."


def test_keywords_responder_ranks_by_frequency_then_alphabet():
    text = "Battery battery battery life is short; the screen screen is bright."
    assert keywords(text) == "battery, screen, bright"
    assert keywords(text, k=1) == "battery"
    assert keywords(NEGATIVE_REVIEW) == "boil, broke, counter"  # all once: alphabetical


@pytest.mark.parametrize(
    ("task", "text", "answer"),
    [
        ("sentiment", POSITIVE_REVIEW, "positive"),
        ("sentiment", NEGATIVE_REVIEW, "negative"),
        ("summary", POSITIVE_REVIEW, "Great little kettle."),
        ("keywords", NEGATIVE_REVIEW, "boil, broke, counter"),
    ],
)
def test_task_models_answer_from_the_review_not_the_instructions(task, text, answer):
    model = get_chat_model(task, latency=0)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a careful assistant."), ("human", "Do the task for this text.\n\n{text}")]
    )
    assert (prompt | model).invoke({"text": text}).content == answer
    assert model.invoke(text).content == answer  # the same with no instructions at all


def test_echo_model_answers_the_whole_prompt():
    model = get_chat_model("echo", latency=0)
    assert model.invoke("just this").content == "just this"
    assert model.invoke([SystemMessage("rules"), HumanMessage("question")]).content == "rules\n\nquestion"


def test_answers_are_deterministic_across_fresh_models():
    first = get_chat_model("keywords", latency=0, seed=1).invoke(NEGATIVE_REVIEW).content
    second = get_chat_model("keywords", latency=0, seed=2).invoke(NEGATIVE_REVIEW).content
    assert first == second


def test_keyword_rules_pick_the_first_matching_key_with_star_fallback(make_fake):
    model = make_fake(respond={"refund": "billing", "crash": "bug", "*": "other"})
    assert model.invoke("I want a REFUND now").content == "billing"  # case-insensitive
    assert model.invoke("the app crashes on start").content == "bug"
    assert model.invoke("refund me, it crashed").content == "billing"  # first key wins
    assert model.invoke("hello there").content == "other"
    assert make_fake(respond={"refund": "billing"}).invoke("hello").content == "I don't know."


def test_constant_answer(make_fake):
    assert make_fake(respond="Sure.").invoke("anything").content == "Sure."


def test_one_model_shared_by_branches_answers_each_branch_its_own_prompt(make_fake):
    model = get_chat_model("sentiment", latency=0.02)
    texts = {"pos": POSITIVE_REVIEW, "neg": NEGATIVE_REVIEW, "neutral": NEUTRAL_REVIEW}
    branches = {key: RunnableLambda(lambda _, text=text: text) | model for key, text in texts.items()}
    out = RunnableParallel(branches).invoke("ignored")
    assert {key: message.content for key, message in out.items()} == {
        "pos": "positive",
        "neg": "negative",
        "neutral": "positive",
    }
    echo = make_fake(respond=lambda prompt: prompt.upper(), latency=0.02)
    out = RunnableParallel(
        a=RunnableLambda(lambda x: f"a:{x}") | echo,
        b=RunnableLambda(lambda x: f"b:{x}") | echo,
        c=RunnableLambda(lambda x: f"c:{x}") | echo,
    ).invoke("q")
    assert {key: message.content for key, message in out.items()} == {"a": "A:Q", "b": "B:Q", "c": "C:Q"}
    assert sorted(echo.call_log()["prompt"]) == ["a:q", "b:q", "c:q"]


# -- call log ------------------------------------------------------------------------


def test_call_log_records_start_end_thread_mode_and_status(make_fake):
    def run():
        model = make_fake(latency=0.05, failure=fail_first(1), name="spy")
        with pytest.raises(RateLimitError):
            model.invoke("first")
        model.invoke("second")
        asyncio.run(model.ainvoke("third"))
        list(model.stream("fourth"))
        return model.call_log()

    log = run()
    assert (log["duration"] >= 0.05).all()
    pc.verify_timing(lambda: run()["duration"].max(), first=log["duration"].max(), at_most=0.15, expected=0.05,
                     what="the longest call took", unit=" s")
    assert list(log.columns) == ["model", "start", "end", "thread", "mode", "status", "prompt", "duration"]
    assert list(log["prompt"]) == ["first", "second", "third", "fourth"]
    assert list(log["status"]) == ["error", "ok", "ok", "ok"]
    assert list(log["mode"]) == ["sync", "sync", "async", "sync"]
    assert set(log["model"]) == {"spy"}
    assert set(log["thread"]) == {"MainThread"}
    assert (log["end"] > log["start"]).all()
    assert (log["start"].diff().dropna() > 0).all()  # in call order


def test_reset_clears_the_log_and_the_counters(make_fake):
    model = make_fake(failure=fail_first(1))
    with pytest.raises(RateLimitError):
        model.invoke("x")
    model.invoke("x")
    assert len(model.call_log()) == 2
    model.reset()
    log = model.call_log()
    assert log.empty
    assert list(log.columns)[-1] == "duration"
    with pytest.raises(RateLimitError):  # the call counter restarted: call 1 fails again
        model.invoke("x")


def test_every_model_keeps_its_own_log(make_fake):
    first, second = make_fake(), make_fake()
    first.invoke("a")
    assert len(first.call_log()) == 1
    assert second.call_log().empty


# -- parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "parameter"),
    [
        ({"latency": -0.1}, "latency"),
        ({"jitter": -0.1}, "jitter"),
        ({"token_delay": -0.01}, "token_delay"),
        ({"latency": float("nan")}, "latency"),
        ({"latency": float("inf")}, "latency"),
        ({"jitter": float("nan")}, "jitter"),
        ({"respond": ""}, "respond"),
        ({"respond": {}}, "respond"),
        ({"latancy": 0.5}, "latancy"),  # a misspelt setting is not silently ignored
    ],
)
def test_bad_model_settings_raise_value_error_naming_the_setting(settings, parameter):
    with pytest.raises(ValueError, match=parameter):
        FakeChatModel(**settings)


def test_jitter_is_seeded_bounded_and_really_waited(make_fake):
    def waits(seed: int) -> list[float]:
        model = make_fake(latency=0.02, jitter=0.05, seed=seed)
        return [model._begin(f"prompt {i}")[2] for i in range(8)]

    assert waits(3) == waits(3)
    assert waits(3) != waits(4)
    assert all(0.02 <= wait <= 0.07 for wait in waits(3))
    assert len(set(waits(3))) > 1

    def overshoot() -> float:  # how much longer than its seeded wait the slowest of three calls took
        model = make_fake(latency=0.02, jitter=0.05, seed=3)
        late = [elapsed(model.invoke, f"prompt {i}")[1] - expected for i, expected in enumerate(waits(3)[:3])]
        assert min(late) >= 0  # each call waited at least its own seeded time
        return max(late)

    pc.verify_timing(overshoot, at_most=0.1, expected=0.0, what="the slowest call overshot its wait by", unit=" s")


# -- composition with LangChain ------------------------------------------------------


def test_with_retry_recovers_from_a_transient_outage(make_fake):
    model = make_fake(respond="recovered", failure=fail_first(2))
    retrying = model.with_retry(stop_after_attempt=3, wait_exponential_jitter=False)
    assert retrying.invoke("x").content == "recovered"
    assert list(model.call_log()["status"]) == ["error", "error", "ok"]


def test_with_retry_gives_up_after_its_attempts(make_fake):
    model = make_fake(failure=fail_first(2))
    with pytest.raises(RateLimitError):
        model.with_retry(stop_after_attempt=2, wait_exponential_jitter=False).invoke("x")
    assert len(model.call_log()) == 2


def test_with_retry_only_retries_the_named_exceptions(make_fake):
    model = make_fake(failure=fail_first(1, error=ServerError))
    retrying = model.with_retry(
        retry_if_exception_type=(RateLimitError,), stop_after_attempt=3, wait_exponential_jitter=False
    )
    with pytest.raises(ServerError):
        retrying.invoke("x")
    assert len(model.call_log()) == 1


def test_with_fallbacks_answers_from_the_backup(make_fake):
    primary = make_fake(respond="primary", failure=fail_always())
    backup = make_fake(respond="backup")
    assert primary.with_fallbacks([backup]).invoke("x").content == "backup"
    assert list(primary.call_log()["status"]) == ["error"]
    assert list(backup.call_log()["status"]) == ["ok"]
    with pytest.raises(RateLimitError):
        primary.with_fallbacks([backup], exceptions_to_handle=(ServerError,)).invoke("x")


def test_async_retry_and_fallbacks(make_fake):
    flaky = make_fake(respond="ok", failure=fail_first(1))
    broken = make_fake(failure=fail_always(ServerError))
    chain = RunnableParallel(
        retried=flaky.with_retry(stop_after_attempt=2, wait_exponential_jitter=False),
        fallen_back=broken.with_fallbacks([make_fake(respond="backup")]),
    )
    out = asyncio.run(chain.ainvoke("x"))
    assert out["retried"].content == "ok"
    assert out["fallen_back"].content == "backup"


class Spy(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.events.append(("start", messages[0][-1].content))

    def on_llm_new_token(self, token, **kwargs):
        self.events.append(("token", token))

    def on_llm_end(self, response, **kwargs):
        self.events.append(("end", response.generations[0][0].text))

    def on_llm_error(self, error, **kwargs):
        self.events.append(("error", type(error).__name__))


def test_callback_handlers_see_start_tokens_end_and_errors(make_fake):
    spy = Spy()
    model = make_fake(respond="a b")
    model.invoke("hi", config={"callbacks": [spy]})
    assert spy.events == [("start", "hi"), ("end", "a b")]
    spy.events.clear()
    list(model.stream("hi", config={"callbacks": [spy]}))
    events = [event for event in spy.events if event != ("token", "")]  # LangChain's closing chunk
    assert events == [("start", "hi"), ("token", "a"), ("token", " b"), ("end", "a b")]
    spy.events.clear()
    with pytest.raises(RateLimitError):
        make_fake(failure=fail_always()).invoke("hi", config={"callbacks": [spy]})
    assert spy.events == [("start", "hi"), ("error", "RateLimitError")]


def test_rate_limiter_spaces_out_calls(make_fake):
    limiter = InMemoryRateLimiter(requests_per_second=20, check_every_n_seconds=0.005, max_bucket_size=1)
    limited = make_fake(rate_limiter=limiter)
    _, seconds = elapsed(lambda: [limited.invoke(f"x{i}") for i in range(4)])
    assert seconds >= 3 / 20 * 0.9  # 4 calls at 20 per second: at least 3 gaps of 50 ms
    free = make_fake()
    pc.verify_timing(lambda: elapsed(lambda: [free.invoke(f"x{i}") for i in range(4)])[1], at_most=0.1,
                     what="4 unlimited calls took", unit=" s")


def limited_parallel_run(make_fake) -> tuple[dict, float, float]:
    """Four branches of a model limited to 20 calls a second: the output, the wall, the span of the starts."""
    limiter = InMemoryRateLimiter(requests_per_second=20, check_every_n_seconds=0.005, max_bucket_size=1)
    model = make_fake(latency=0.01, rate_limiter=limiter)
    out, seconds = elapsed(RunnableParallel(four_branches(model)).invoke, "x")
    starts = sorted(model.call_log()["start"])
    return out, seconds, starts[-1] - starts[0]


def test_rate_limiter_caps_a_parallel_run(make_fake):
    out, seconds, span = limited_parallel_run(make_fake)
    assert all(isinstance(message, AIMessage) for message in out.values())
    assert seconds >= 3 / 20 * 0.9
    pc.verify_timing(lambda: limited_parallel_run(make_fake)[2], first=span, at_least=3 / 20 * 0.9,
                     expected=3 / 20, what="the starts spanned", unit=" s")  # at least 3 gaps of 50 ms


def test_usage_is_counted_by_langchains_usage_callback(make_fake):
    from langchain_core.callbacks import get_usage_metadata_callback

    model = make_fake(latency=0, respond="three word answer", name="counted")
    with get_usage_metadata_callback() as usage:
        model.invoke("one two")
        model.invoke("one two")
    assert usage.usage_metadata["counted"]["output_tokens"] == 6
    assert usage.usage_metadata["counted"]["input_tokens"] == 4
