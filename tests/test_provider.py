"""The simulated provider: the limits it enforces and counts, its failures and tails, tokens and cost; the desk."""

import asyncio
import threading
import time

import pytest
from langchain_core.rate_limiters import InMemoryRateLimiter

import parallel_course as pc
from parallel_course import support_desk
from parallel_course.fake_chat_model import split_tokens

pytestmark = pytest.mark.usefixtures("real_time")

QUIET = {"error_probability": 0.0, "tail_probability": 0.0, "broken_probability": 0.0}


def calm(**settings) -> pc.SimulatedProvider:
    return pc.SimulatedProvider(**{**QUIET, "latency": 0.05, **settings})


def arrive_together(provider: pc.SimulatedProvider, calls: int) -> pc.SimulatedProvider:
    """Keep the provider's admitted calls in flight (their releases deferred) until ``calls`` calls have been
    admitted or refused: every one of them arrives while the earlier ones are in flight, whatever the machine's
    load. Sync and async alike: nothing waits, a release is only put off. ``del provider.admit, provider.release``
    ends it."""
    lock, admit, release = threading.Lock(), provider.admit, provider.release
    decided, deferred = 0, []

    def admit_counted(*args, **kwargs):
        nonlocal decided
        try:
            return admit(*args, **kwargs)
        finally:
            with lock:
                decided += 1
                due = deferred[:] if decided == calls else []
            for later in due:
                release(*later[0], **later[1])

    def release_when_all_decided(*args, **kwargs):
        with lock:
            if decided < calls:
                deferred.append((args, kwargs))
                return None
        return release(*args, **kwargs)

    provider.admit, provider.release = admit_counted, release_when_all_decided
    return provider


def prompts(n: int) -> list[str]:
    return [support_desk.PROMPTS["classify"].format(text=t["text"]) for t in support_desk.tickets(range(1, n + 1))]


@pytest.mark.parametrize(
    "setting",
    [
        {"requests_per_second": 0},
        {"tokens_per_second": 0},
        {"tokens_per_second": "many"},
        {"requests_per_second": 1, "window": 0.5},  # no request fits in a window
        {"window": -1},
        {"max_in_flight": 0},
        {"max_in_flight": 2.5},
        {"latency": -0.1},
        {"tail_latency": float("nan")},
        {"tail_probability": 1.5},
        {"error_probability": -0.1},
        {"broken_probability": 2},
        {"broken": "a text, not a tuple"},
        {"broken": ("",)},
        {"input_price": -1},
        {"seed": "seven"},
    ],
)
def test_bad_parameters_name_the_parameter(setting):
    name = next(iter(setting)) if "window" not in setting else "window"
    with pytest.raises(ValueError, match=name):
        pc.SimulatedProvider(**setting)


def test_more_requests_than_the_cap_are_refused_with_a_retry_after_and_counted():
    provider = arrive_together(calm(max_in_flight=3, latency=0.3), 5)
    answers = provider.chat_model().batch(prompts(5), config={"max_concurrency": 5}, return_exceptions=True)
    del provider.admit, provider.release  # no more holding
    refused = [a for a in answers if isinstance(a, pc.RateLimitError)]
    stats = provider.stats()
    assert len(refused) == stats["rejected"] == 2 and stats["ok"] == 3
    assert stats["peak_in_flight"] == 4, "a refused request counts as it arrives"
    assert all("in flight" in str(e) and e.retry_after > 0 for e in refused)
    # the slots are free again: the next burst of 3 is admitted
    provider.chat_model().batch(prompts(3), config={"max_concurrency": 3})
    assert provider.stats()["rejected"] == 2


def test_more_requests_in_a_window_than_the_rate_are_refused_until_the_window_moves():
    provider = calm(requests_per_second=10, window=0.5, latency=0.0)  # at most 5 requests in any 0.5 s
    model = provider.chat_model()
    results = []
    for prompt in prompts(7):
        try:
            results.append(model.invoke(prompt).content)
        except pc.RateLimitError as error:
            results.append(error)
    assert provider.rate_limit == 5
    assert [isinstance(r, pc.RateLimitError) for r in results] == [False] * 5 + [True] * 2
    assert 0 < results[5].retry_after <= 0.5 and "in 0.5 s" in str(results[5])
    assert provider.stats()["peak_rate"] == 7 / 0.5  # refused requests count towards the peak rate
    time.sleep(results[6].retry_after + 0.01)
    assert model.invoke(prompts(1)[0]).content == "account"


def test_a_paced_client_stays_under_the_rate_and_its_peak_rate_says_so():
    provider = calm(requests_per_second=20, window=0.5, latency=0.0)
    limiter = InMemoryRateLimiter(requests_per_second=16, check_every_n_seconds=0.002)
    provider.chat_model(rate_limiter=limiter).batch(prompts(12), config={"max_concurrency": 4})
    stats = provider.stats()
    assert stats["rejected"] == 0 and stats["ok"] == 12
    assert 0 < stats["peak_rate"] <= 20


def test_async_calls_are_admitted_and_counted_the_same_way():
    provider = arrive_together(calm(max_in_flight=2, latency=0.2), 4)
    answers = asyncio.run(provider.chat_model().abatch(prompts(4), return_exceptions=True))
    assert sum(isinstance(a, pc.RateLimitError) for a in answers) == provider.stats()["rejected"] == 2
    assert provider.stats()["peak_in_flight"] == 3
    assert set(provider.call_log()["status"]) == {"ok", "rejected"}


def test_server_errors_come_from_the_seed_the_prompt_and_the_attempt():
    def failures(seed):
        provider = calm(seed=seed, error_probability=0.5, latency=0.0)
        model = provider.chat_model()
        return [isinstance(model.batch([p], return_exceptions=True)[0], pc.ServerError) for p in prompts(12)]

    first = failures(3)
    assert first == failures(3), "the same seed fails the same calls"
    assert any(first) and not all(first)
    assert first != failures(4)
    provider = calm(seed=3, error_probability=0.5, latency=0.0)
    model = provider.chat_model()
    prompt = prompts(12)[first.index(True)]
    for _ in range(20):  # a retry is a new attempt: it succeeds sooner or later
        if not isinstance(model.batch([prompt], return_exceptions=True)[0], Exception):
            break
    assert provider.stats()["ok"] == 1 and provider.stats()["error"] >= 1


def test_broken_prompts_fail_every_attempt_and_the_others_do_not():
    ticket = support_desk.tickets([4])[0]
    provider = calm(broken=(ticket["text"],))
    model = provider.chat_model()
    broken = support_desk.PROMPTS["extract"].format(text=ticket["text"])
    assert all(isinstance(model.batch([broken], return_exceptions=True)[0], pc.ServerError) for _ in range(3))
    assert model.invoke(prompts(1)[0]).content == "account"
    every_ticket = calm(broken_probability=1.0).chat_model()
    assert isinstance(every_ticket.batch([broken], return_exceptions=True)[0], pc.ServerError)
    assert every_ticket.invoke("Combine these counts into one digest.").content.startswith("total=0")


def test_tail_calls_take_the_tail_latency():
    def duration(**settings) -> float:
        provider = calm(latency=0.02, **settings)
        provider.chat_model().invoke(prompts(1)[0])
        return provider.call_log()["duration"].iloc[0]

    tail = {"tail_latency": 0.25, "tail_probability": 1.0}
    assert duration(**tail) > 0.15  # a tail call waits the tail latency: load only adds
    pc.verify_timing(duration, at_most=0.15, expected=0.02, what="a call off the tail took", unit=" s")
    pc.verify_timing(lambda: duration(**tail), at_most=0.5, expected=0.25, what="a tail call took", unit=" s")


def test_tokens_and_cost_count_answers_only_and_say_what_was_paid_twice():
    provider = calm(input_price=1.0, output_price=10.0, broken=("never answered",))
    model = provider.chat_model()
    prompt = prompts(1)[0]
    model.invoke(prompt)
    stats = provider.stats()
    assert stats["input_tokens"] == len(split_tokens(prompt)) and stats["output_tokens"] == 1
    assert stats["cost"] == pytest.approx((stats["input_tokens"] * 1.0 + 10.0) / 1e6)
    assert stats["repeat_tokens"] == 0
    model.batch(["Classify never answered"], return_exceptions=True)  # a failed call costs nothing
    assert provider.stats()["tokens"] == stats["tokens"]
    model.invoke(prompt)
    assert provider.stats()["repeat_tokens"] == stats["tokens"], "the same answer, paid twice"


def test_throughput_and_the_steady_state_time_come_from_the_tighter_limit():
    rate_bound = pc.SimulatedProvider(requests_per_second=5, max_in_flight=10, latency=1.0)
    cap_bound = pc.SimulatedProvider(requests_per_second=50, max_in_flight=2, latency=0.5)
    assert rate_bound.throughput == 5 and cap_bound.throughput == 4
    assert rate_bound.steady_wall_time(20) == 4 and cap_bound.steady_wall_time(20) == 5
    token_bound = pc.SimulatedProvider(requests_per_second=5, tokens_per_second=100)
    assert token_bound.steady_wall_time(20, tokens=20 * 40) == 8, "800 tokens at 100 a second"
    assert pc.SimulatedProvider(tokens_per_second=None).steady_wall_time(20, tokens=10**6) == 20 / 12


def test_best_wall_time_is_a_true_bound_a_burst_in_the_first_window_beats_the_steady_state():
    rate_bound = pc.SimulatedProvider(requests_per_second=5, max_in_flight=10, latency=1.0)  # 10 in any 2 s
    # 20 calls: 10 at once, 10 more a window later, each a latency: 3, not 20 / 5 = 4
    assert rate_bound.best_wall_time(20) == 3 < rate_bound.steady_wall_time(20)
    assert rate_bound.best_wall_time(21) == 5 and rate_bound.best_wall_time(1, critical_path=3) == 3
    cap_bound = pc.SimulatedProvider(requests_per_second=50, max_in_flight=2, latency=0.5)
    assert cap_bound.best_wall_time(20) == 5 and cap_bound.best_wall_time(0) == 0
    token_bound = pc.SimulatedProvider(requests_per_second=50, tokens_per_second=100, max_in_flight=50, latency=0.5)
    assert token_bound.token_limit == 200 and token_bound.best_wall_time(10, tokens=1000) == 4 * 2 + 0.5

    def run() -> float:
        provider = calm(requests_per_second=10, window=0.5, max_in_flight=5, latency=0.05)  # 5 in any 0.5 s
        with pc.Timer() as timer:
            provider.chat_model().batch(prompts(5), config={"max_concurrency": 5})
        assert provider.stats()["rejected"] == 0
        assert provider.best_wall_time(5) <= timer.elapsed  # a true bound: load only adds time
        assert provider.steady_wall_time(5) == 0.5
        return timer.elapsed

    pc.verify_timing(run, at_most=0.5, expected=0.05, what="a burst of 5 took", unit=" s")  # under the steady state


def test_a_prompt_over_the_token_limit_of_a_window_is_refused_for_tokens_with_headers():
    provider = calm(tokens_per_second=100, window=1.0, max_in_flight=20, latency=0.1)  # 100 tokens in any 1 s
    sizes = [provider.count_tokens(p) for p in prompts(6)]
    admitted = next(n for n in range(1, 7) if sum(sizes[:n + 1]) > 100)
    answers = provider.chat_model().batch(prompts(6), config={"max_concurrency": 1}, return_exceptions=True)
    refused = [a for a in answers if isinstance(a, pc.RateLimitError)]
    stats = provider.stats()
    assert stats["ok"] == admitted and stats["rejected"] == stats["rejected_tokens"] == len(refused) == 6 - admitted
    assert stats["rejected_requests"] == stats["rejected_in_flight"] == 0
    assert stats["peak_token_rate"] == sum(sizes) / 1.0, "refused requests count towards the peak token rate"
    error = refused[0]
    assert error.reason == "tokens" and "tokens in 1 s" in str(error) and 0 < error.retry_after <= 1.0
    assert error.headers["x-ratelimit-limit-tokens"] == "100"
    assert int(error.headers["x-ratelimit-remaining-tokens"]) == 100 - sum(sizes[:admitted]) < sizes[admitted]
    assert float(error.headers["retry-after"]) == pytest.approx(error.retry_after, abs=1e-3)
    log = provider.call_log()
    assert list(log.loc[log["status"] == "rejected", "reason"]) == ["tokens"] * (6 - admitted)
    time.sleep(error.retry_after + 0.01)
    assert provider.chat_model().invoke(prompts(6)[admitted]).content, "the first refused, admitted once told"


def test_answers_carry_the_rate_limit_headers_and_the_provider_reports_them():
    provider = calm(requests_per_second=10, tokens_per_second=200, window=1.0)  # 10 requests, 200 tokens a second
    prompt = prompts(1)[0]
    message = provider.chat_model().invoke(prompt)
    headers = message.response_metadata["headers"]
    assert headers["x-ratelimit-limit-requests"] == "10" and headers["x-ratelimit-remaining-requests"] == "9"
    assert headers["x-ratelimit-limit-tokens"] == "200"
    assert int(headers["x-ratelimit-remaining-tokens"]) == 200 - provider.count_tokens(prompt)
    assert 0 < float(headers["x-ratelimit-reset-tokens"].rstrip("s")) <= 1.0
    assert provider.headers()["x-ratelimit-remaining-requests"] == "9"
    time.sleep(1.01)
    assert provider.headers()["x-ratelimit-remaining-tokens"] == "200", "the window moved on"
    assert "x-ratelimit-limit-tokens" not in calm(tokens_per_second=None).headers()


def test_a_prompt_larger_than_the_token_limit_is_a_bad_request_never_a_429():
    provider = calm(tokens_per_second=10, window=1.0)
    with pytest.raises(ValueError, match="more than the 10 tokens"):
        provider.chat_model().invoke(prompts(1)[0])
    assert provider.stats()["rejected"] == 1 and provider.call_log()["reason"].tolist() == ["too large"]


def test_timeline_gives_one_bar_per_ticket_from_its_first_request_to_its_last():
    tickets = support_desk.tickets([2, 3])

    def run():
        provider = calm(latency=0.05, broken=("shattered",))
        model = provider.chat_model()
        for ticket in tickets:
            for step in ("classify", "extract"):
                model.batch([support_desk.PROMPTS[step].format(text=ticket["text"])], return_exceptions=True)
        timeline = provider.timeline({t["id"]: t["text"] for t in tickets})
        assert list(timeline["branch"]) == ["2", "3"] and list(timeline["requests"]) == [2, 2]
        assert list(timeline["status"]) == ["ok", "error"], "ticket 3's text has the broken word"
        assert all(0.09 / pc.scaled(1.0) < d for d in timeline["duration"])  # two latencies: load only adds
        assert timeline["start"].iloc[1] >= timeline["end"].iloc[0] - 1e-9
        return timeline

    timeline = run()
    pc.verify_timing(lambda: run()["duration"].max(), first=timeline["duration"].max(), at_most=0.5, expected=0.1,
                     what="the longest ticket took", unit=" s")
    pc.plot_timeline(timeline)


def test_measure_design_runs_sync_and_async_designs_and_keeps_errors():
    tickets = support_desk.tickets([1, 2])

    def by_hand(provider, batch):
        model = provider.chat_model()
        records = [{"id": t["id"], "category": model.invoke(support_desk.PROMPTS["classify"].format(**t)).content}
                   for t in batch]
        return {"records": records, "digest": "d"}

    async def by_hand_async(provider, batch):
        return by_hand(provider, batch)

    def broken(provider, batch):
        raise KeyError("category")

    def measured_wall(run) -> float:
        measured = pc.measure_design(run, tickets, **QUIET, latency=0.05)
        assert measured.error is None and [r["category"] for r in measured.records] == ["account", "shipping"]
        assert measured.stats["ok"] == 2 and 0.1 < measured.wall and len(measured.timeline) == 2  # two latencies
        assert measured.row()["records"] == 2
        return measured.wall

    for run in (by_hand, by_hand_async):
        pc.verify_timing(lambda run=run: measured_wall(run), at_most=0.5, expected=0.1, what="the design took",
                         unit=" s")
    failed = pc.measure_design(broken, tickets)
    assert failed.error == "KeyError: 'category'" and failed.records == [] and failed.row()["error"]
    first = pc.measure_design(by_hand, tickets, memo=True, seed=9, latency=0.0)
    assert pc.measure_design(by_hand, tickets, memo=True, seed=9, latency=0.0) is first
    assert pc.measure_design(by_hand, tickets, memo=True, seed=10, latency=0.0) is not first
    with pytest.raises(ValueError, match="run"):
        pc.measure_design("not a function", tickets)
    with pytest.raises(ValueError, match="tickets"):
        pc.measure_design(by_hand, [{"text": "no id"}])


def test_a_rate_limit_error_says_no_retry_after_unless_its_raiser_does():
    assert pc.RateLimitError("x").retry_after is None


# -- the desk's answers ---------------------------------------------------------------------------


def test_each_step_answers_from_its_labelled_lines():
    ticket = support_desk.tickets([12])[0]
    text = ticket["text"]
    ask = {name: template for name, template in support_desk.PROMPTS.items()}
    assert support_desk.answer(ask["classify"].format(text=text)) == "billing"
    assert support_desk.answer(ask["extract"].format(text=text)) == "24.99, 19.99"
    reply = support_desk.answer(ask["draft"].format(text=text, category="billing", facts="24.99, 19.99"))
    assert "billing" in reply and "24.99, 19.99" in reply
    assert support_desk.answer(ask["check"].format(text=text, reply=reply)) == "approved"
    assert support_desk.answer(ask["check"].format(text=text, reply="Sorry.")) == "revise"
    assert support_desk.answer("Draft a reply.\nTicket: x") == support_desk.reply("unknown", "none")
    assert support_desk.answer("Tell me a joke") == "I don't know."
    assert support_desk.expected_record(ticket) == {
        "id": 12, "category": "billing", "facts": "24.99, 19.99", "reply": reply, "check": "approved", "error": None
    }


def test_the_digest_map_reduce_through_the_answers_equals_the_digest_of_the_records():
    records = [support_desk.expected_record(t) for t in support_desk.tickets(range(1, 10))]
    records[3] = {**records[3], "reply": None, "check": None, "error": "ServerError: down"}
    lines = [support_desk.record_line(r) for r in records]
    counts = [
        support_desk.answer(support_desk.PROMPTS["summarize"].format(records="\n".join(lines[i:i + 4])))
        for i in range(0, len(lines), 4)
    ]
    combine = support_desk.PROMPTS["combine"].format(counts="\n".join(f"Counts: {c}" for c in counts))
    digest = support_desk.answer(combine)
    assert digest == support_desk.digest(records)
    assert digest.startswith("total=9;") and "failed=1" in digest


def test_the_rules_get_27_of_the_30_labels_and_tickets_come_in_the_order_asked():
    frame = pc.load_tickets()
    assert sum(frame["text"].map(support_desk.classify) == frame["category"]) == 27
    assert [t["id"] for t in support_desk.tickets([5, 2])] == [5, 2]
    assert len(support_desk.tickets()) == 30
    with pytest.raises(ValueError, match="ids"):
        support_desk.tickets([31])
