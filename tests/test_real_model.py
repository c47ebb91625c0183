"""Real-model mode: ``get_chat_model`` returns ``ChatOpenAI``, tested over real HTTP on 127.0.0.1.

Every test talks to ``tests/openai_server.py`` (started and stopped here) or to nothing;
no network, no real key. Each test is bounded by pytest-timeout (``TEST_TIMEOUT``) and every
model has an explicit request timeout, so nothing can hang.
"""

import asyncio
import contextlib
import gc
import os
import re
import threading
from pathlib import Path

import openai
import openai_server  # tests/ is on sys.path, as for conftest
import pytest
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableParallel
from langchain_openai import ChatOpenAI
from openai_server import OpenAIServer, Step
from support import elapsed, make_plan

import parallel_course as pc
from parallel_course import envfile, models
from parallel_course.fake_chat_model import FakeChatModel, split_tokens
from parallel_course.timing import freeze_imports

ROOT = Path(__file__).resolve().parents[1]
TEST_TIMEOUT = 15  # seconds, per test
pytestmark = pytest.mark.timeout(TEST_TIMEOUT)  # fail, never hang (pytest-timeout)
KEY = "test-key-do-not-print-3f9a"
DELAY = 0.2  # the server's answer delay in the overlap tests, seconds
GATHER = 10  # real seconds a request waits at a gate for the others (a gate opens as soon as they are all there)
POOL = pc.default_pool_size()  # ThreadPoolExecutor's default max_workers in this Python


@pytest.fixture(scope="module", autouse=True)
def no_gc_pauses():
    """Freeze the objects loaded so far (langchain, openai, pandas...) out of the garbage collector.

    Otherwise a full collection walks all of them, which takes up to a second on a busy
    2-core machine, with the GIL held: every server and client thread stalls, and a
    request that should take 0.2 s takes 1 s.
    """
    freeze_imports()  # no collect first: that alone is one of those long pauses
    yield
    gc.unfreeze()


@pytest.fixture
def environ():
    """Restore ``os.environ`` exactly after the test (the .env loader writes to it directly)."""
    saved = dict(os.environ)
    envfile._forget_loaded()
    yield os.environ
    os.environ.clear()
    os.environ.update(saved)
    envfile._forget_loaded()


@pytest.fixture
def server():
    with OpenAIServer(api_key=KEY) as running:
        yield running


@pytest.fixture
def real(environ, server):
    """Real-model mode against the test server: returns the server."""
    for name in ("COURSE_LATENCY_HINT", "COURSE_TIMEOUT", "COURSE_MAX_RETRIES", "OPENAI_API_BASE"):
        environ.pop(name, None)
    environ.update(
        OPENAI_API_KEY=KEY,
        OPENAI_BASE_URL=server.base_url,
        COURSE_MODEL="course-test-model",
        COURSE_DOTENV="0",
        COURSE_TIMEOUT="5",
    )
    return server


def intervals(server: OpenAIServer) -> list[tuple[float, float | None]]:
    """Each request's (arrival, finish), for assertion messages."""
    return [(round(r.arrival, 3), r.finish and round(r.finish, 3)) for r in server.records()]


def parallel(model, n: int) -> RunnableParallel:
    return RunnableParallel({f"b{i}": model for i in range(n)})


# -- which model ------------------------------------------------------------------------------


def test_without_a_key_the_course_is_offline(environ):
    environ.pop("OPENAI_API_KEY", None)
    environ["COURSE_DOTENV"] = "0"
    assert not pc.real_mode()
    assert isinstance(pc.get_chat_model("summary"), FakeChatModel)
    assert "fake" in pc.describe_mode()


def test_with_a_key_get_chat_model_is_chat_openai(real):
    model = pc.get_chat_model("sentiment", latency=3.0, failure=pc.fail_always())
    assert pc.real_mode()
    assert isinstance(model, ChatOpenAI)
    assert (model.model_name, model.name, model.course_task) == ("course-test-model", "sentiment", "sentiment")
    assert model.openai_api_base == real.base_url
    assert model.latency_hint is None  # the fake's latency and failure are ignored


def test_fake_true_and_course_model_fake_keep_the_fake(real, environ):
    assert isinstance(pc.get_chat_model("echo", fake=True, latency=0), FakeChatModel)
    environ["COURSE_MODEL"] = "fake"
    assert not pc.real_mode()
    assert isinstance(pc.get_chat_model("echo", latency=0), FakeChatModel)


def test_the_default_model_is_small_and_cheap(real, environ):
    del environ["COURSE_MODEL"]
    assert pc.get_chat_model("echo").model_name == models.DEFAULT_MODEL == "gpt-4o-mini"


def test_chat_openai_alone_would_wait_forever():
    """The reason for an explicit timeout: langchain-openai's default is none at all."""
    bare = ChatOpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1")
    assert bare.request_timeout is None
    assert bare.root_client.timeout is None


def test_timeout_and_retries_are_explicit_and_configurable(real, environ):
    model = pc.get_chat_model("echo")
    assert (model.request_timeout, model.max_retries) == (5.0, models.DEFAULT_MAX_RETRIES)
    assert model.root_client.timeout == 5.0 and model.root_client.max_retries == 2
    del environ["COURSE_TIMEOUT"]
    assert pc.get_chat_model("echo").request_timeout == models.DEFAULT_TIMEOUT
    environ.update(COURSE_TIMEOUT="2.5", COURSE_MAX_RETRIES="0")
    assert (pc.get_chat_model("echo").request_timeout, pc.get_chat_model("echo").max_retries) == (2.5, 0)
    assert pc.get_chat_model("echo", timeout=1.0, max_retries=4).max_retries == 4  # a setting wins


@pytest.mark.parametrize(("name", "raw"), [("COURSE_TIMEOUT", "soon"), ("COURSE_TIMEOUT", "0"),
                                           ("COURSE_TIMEOUT", "-1"), ("COURSE_MAX_RETRIES", "1.5"),
                                           ("COURSE_MAX_RETRIES", "-2")])
def test_bad_course_variables_name_themselves(real, environ, name, raw):
    environ[name] = raw
    with pytest.raises(ValueError, match=name):
        pc.get_chat_model("echo")


def test_other_settings_are_passed_on(real):
    limiter = InMemoryRateLimiter(requests_per_second=100)
    model = pc.get_chat_model("summary", name="mine", rate_limiter=limiter, max_tokens=50, seed=7,
                              respond="ignored", token_delay=1.0)
    assert (model.name, model.rate_limiter, model.max_tokens) == ("mine", limiter, 50)
    assert model.seed is None  # the fake's seed is not OpenAI's seed


def test_describe_mode_shows_model_and_host_never_the_key(real, environ):
    line = pc.describe_mode()
    assert "course-test-model" in line and f"127.0.0.1:{real.port}" in line and "real" in line
    assert KEY not in line and "/v1" not in line
    environ["OPENAI_BASE_URL"] = "http://learner:hunter2@gpu-box.local:8000/v1"
    line = pc.describe_mode()
    assert "gpu-box.local:8000" in line and "hunter2" not in line and "learner" not in line
    del environ["OPENAI_BASE_URL"]
    assert "api.openai.com" in pc.describe_mode()


def test_the_key_is_not_in_the_model_repr(real):
    model = pc.get_chat_model("echo")
    assert KEY not in repr(model) and KEY not in str(model.model_dump())


# -- .env ---------------------------------------------------------------------------------------


def test_parse_env_file():
    text = (
        "# a comment\n\nOPENAI_API_KEY=sk-abc\nexport COURSE_MODEL = 'gpt-4o-mini'\n"
        'OPENAI_BASE_URL="http://localhost:11434/v1"\nCOURSE_TIMEOUT=30  # seconds\nnot a line\n'
    )
    assert envfile.parse_env_file(text) == {
        "OPENAI_API_KEY": "sk-abc",
        "COURSE_MODEL": "gpt-4o-mini",
        "OPENAI_BASE_URL": "http://localhost:11434/v1",
        "COURSE_TIMEOUT": "30",
    }


def test_env_file_switches_on_real_mode_without_overriding_the_environment(environ, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={KEY}\nCOURSE_MODEL=from-file\nCOURSE_TIMEOUT=7\n")
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "COURSE_MODEL", "COURSE_DOTENV", "OPENAI_BASE_URL"):
        environ.pop(name, None)
    environ["COURSE_TIMEOUT"] = "9"  # already set: the file does not change it
    assert envfile.find_env_file() == tmp_path / ".env"
    assert pc.real_mode()
    model = pc.get_chat_model("echo")
    assert (model.model_name, model.request_timeout) == ("from-file", 9.0)
    assert KEY not in pc.describe_mode()


def test_env_file_can_be_switched_off(environ, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")
    monkeypatch.chdir(tmp_path)
    environ.pop("OPENAI_API_KEY", None)
    environ["COURSE_DOTENV"] = "0"
    assert not pc.real_mode()
    assert "OPENAI_API_KEY" not in environ


def test_env_file_is_git_ignored():
    assert ".env" in (ROOT / ".gitignore").read_text().split()


# -- over HTTP -----------------------------------------------------------------------------------


def test_invoke_sends_the_task_instruction_and_the_key(real):
    answer = pc.get_chat_model("sentiment").invoke("I love it")
    assert answer.content == openai_server.default_reply(1, {})
    assert answer.usage_metadata["output_tokens"] > 0
    (record,) = real.records()
    assert record.authorized and record.model == "course-test-model" and not record.stream
    assert record.messages[0] == {"role": "system", "content": models.TASK_INSTRUCTIONS["sentiment"]}
    assert record.messages[-1] == {"role": "user", "content": "I love it"}
    assert record.headers == {}  # no latency hint unless asked for


def test_a_wrong_key_is_refused(real, environ):
    environ["OPENAI_API_KEY"] = "wrong"
    with pytest.raises(openai.AuthenticationError):
        pc.get_chat_model("echo").invoke("hi")


def test_latency_hint_makes_the_server_wait_the_lessons_latency(real, environ):
    environ.update(COURSE_LATENCY_HINT="1", COURSE_TIME_SCALE="0.1")
    model = pc.get_chat_model("echo", latency=2.0, token_delay=0.1)
    _, seconds = elapsed(model.invoke, "one two three")
    (record,) = real.records()
    assert float(record.headers["X-Course-Delay"]) == pytest.approx(0.2)
    assert float(record.headers["X-Course-Token-Delay"]) == pytest.approx(0.01)
    reply_tokens = len(split_tokens(openai_server.default_reply(1, {})))
    assert seconds >= 0.2 + 0.01 * (reply_tokens - 1)  # like the fake: latency + a delay per further token
    assert "Latency hints" in pc.describe_mode()


def test_sync_parallel_overlaps_at_the_server(real):
    model = pc.get_chat_model("echo")
    model.invoke("warm up")  # opens the HTTP client's first connection
    real.delay = DELAY
    real.reset()
    with pc.gate(3, real, timeout=GATHER):  # the three requests wait at the server together
        parallel(model, 3).invoke("hi")
    assert real.peak_in_flight() == real.in_flight_counter.peak == 3, intervals(real)
    pc.verify_timing(lambda: elapsed(parallel(model, 3).invoke, "hi")[1], at_most=0.6 * 3 * DELAY, expected=DELAY,
                     what="three requests took", unit=" s")  # well under the 3 delays of a sequence


def test_sync_parallel_is_capped_by_the_thread_pool_and_max_concurrency(real):
    real.delay = DELAY
    chain = parallel(pc.get_chat_model("echo"), POOL + 2)
    with pc.gate(POOL, real, timeout=GATHER):  # the pool's worker threads all wait at the server ...
        chain.invoke("hi")
    assert real.peak_in_flight() == real.in_flight_counter.peak == POOL, intervals(real)  # ... and no more
    real.reset()
    with pc.gate(2, real, timeout=GATHER):
        _, seconds = elapsed(parallel(pc.get_chat_model("echo"), 4).invoke, "hi", {"max_concurrency": 2})
    assert real.peak_in_flight() == real.in_flight_counter.peak == 2
    assert seconds >= 2 * DELAY  # two waves of two


def test_async_parallel_overlaps_beyond_the_pool_and_ignores_max_concurrency(real):
    model = pc.get_chat_model("echo")
    chain = parallel(model, POOL + 2)

    async def timed(gathered: int | None = None) -> float:
        await model.ainvoke("warm up")  # makes this event loop's HTTP client
        real.delay = DELAY
        real.reset()
        with contextlib.ExitStack() as stack, pc.Timer() as timer:
            if gathered:
                stack.enter_context(pc.gate(gathered, real, timeout=GATHER))
            await chain.ainvoke("hi")
        return timer.elapsed

    asyncio.run(timed(gathered=POOL + 2))  # more requests wait at the server together than the pool has threads
    assert real.peak_in_flight() == real.in_flight_counter.peak == POOL + 2, intervals(real)  # a task per branch
    pc.verify_timing(lambda: asyncio.run(timed()), at_most=0.6 * (POOL + 2) * DELAY, expected=DELAY,
                     what=f"{POOL + 2} requests took", unit=" s")  # well under the delays of a sequence
    real.reset()
    with pc.gate(4, real, timeout=GATHER):
        asyncio.run(parallel(pc.get_chat_model("echo"), 4).ainvoke("hi", {"max_concurrency": 2}))
    assert real.peak_in_flight() == 4  # RunnableParallel.ainvoke gathers every branch at once


def test_a_burst_of_requests_is_served(real, environ):
    """40 connections at once: the listen backlog is raised above ThreadingHTTPServer's 5."""
    environ["COURSE_MAX_RETRIES"] = "0"  # a refused connection would fail, not be retried
    real.delay = DELAY
    with pc.gate(40, real, timeout=GATHER):  # all 40 wait at the server together
        out = asyncio.run(parallel(pc.get_chat_model("echo"), 40).ainvoke("hi"))
    assert len(out) == 40 and real.peak_in_flight() == real.in_flight_counter.peak == 40
    assert OpenAIServer.request_queue_size >= 64


def test_streaming_through_a_parallel(real):
    real.token_delay = 0.01
    chain = RunnableParallel(a=pc.get_chat_model("echo"), b=pc.get_chat_model("summary"))
    texts: dict[str, str] = {"a": "", "b": ""}
    order = []
    with pc.gate(2, real, timeout=GATHER):  # the two streams are open at the server together
        for chunk in chain.stream("hi"):
            ((key, message),) = chunk.items()
            texts[key] += message.content
            order.append(key)
    assert all(text.startswith("Reply ") and text.endswith("prompts.") for text in texts.values())
    assert all(r.stream for r in real.records()) and real.peak_in_flight() == real.in_flight_counter.peak == 2
    assert len(order) > 10 and order != sorted(order)  # the two streams' chunks interleave


def test_async_streaming_through_a_parallel(real):
    chain = RunnableParallel(a=pc.get_chat_model("echo"), b=pc.get_chat_model("keywords"))

    async def collect():
        texts = {"a": "", "b": ""}
        async for chunk in chain.astream("hi"):
            for key, message in chunk.items():
                texts[key] += message.content
        return texts

    texts = asyncio.run(collect())
    assert all(text.endswith("prompts.") for text in texts.values())
    assert [r.stream for r in real.records()] == [True, True]


# -- failures ---------------------------------------------------------------------------------------


def test_a_429_is_retried_after_retry_after(real):
    def run() -> float:
        real.reset()
        real.enqueue(Step(429, retry_after=0.05), Step(429, retry_after=0.05))
        message, seconds = elapsed(pc.get_chat_model("echo").invoke, "hi")
        assert message.content.startswith("Reply ") and message.content.split()[1] == str(real.records()[-1].number)
        assert [r.status for r in real.records()] == [429, 429, 200]
        return seconds

    first = run()
    assert real.records()[-1].number == 3  # the third request answered
    pc.verify_timing(run, first=first, at_most=0.35, expected=0.1, what="two retries took",
                     unit=" s")  # Retry-After (0.05 s) was honoured, not the 0.375-1 s backoff


def test_429_after_max_retries_raises_the_course_rate_limit_error(real):
    real.enqueue(*[Step(429, retry_after=0.02)] * 3)
    with pytest.raises(pc.RateLimitError) as raised:
        pc.get_chat_model("echo").invoke("hi")
    assert isinstance(raised.value, openai.RateLimitError) and isinstance(raised.value, ModelRateLimitError)
    assert raised.value.status_code == 429
    assert len(real.records()) == 1 + models.DEFAULT_MAX_RETRIES


def test_429_async_raises_the_course_rate_limit_error(real, environ):
    environ["COURSE_MAX_RETRIES"] = "1"
    real.enqueue(*[Step(429, retry_after=0.02)] * 2)
    with pytest.raises(pc.RateLimitError):
        asyncio.run(pc.get_chat_model("echo").ainvoke("hi"))
    assert len(real.records()) == 2


def test_500_after_max_retries_raises_the_course_server_error(real, environ):
    environ["COURSE_MAX_RETRIES"] = "1"
    real.enqueue(Step(500, retry_after=0.02), Step(503, retry_after=0.02))
    with pytest.raises(pc.ServerError) as raised:
        pc.get_chat_model("echo").invoke("hi")
    assert isinstance(raised.value, openai.InternalServerError)
    assert [r.status for r in real.records()] == [500, 503]


def test_a_failing_branch_fails_the_parallel_with_the_course_error(real, environ):
    environ["COURSE_MAX_RETRIES"] = "0"
    real.enqueue(Step(500))
    with pytest.raises(pc.ServerError):
        parallel(pc.get_chat_model("echo"), 3).invoke("hi")


def test_with_retry_on_the_course_error_works_in_real_mode(real, environ):
    environ["COURSE_MAX_RETRIES"] = "0"
    real.enqueue(Step(429), Step(429))
    model = pc.get_chat_model("echo").with_retry(
        retry_if_exception_type=(pc.RateLimitError,), stop_after_attempt=3, wait_exponential_jitter=False
    )
    assert model.invoke("hi").content.startswith("Reply 3 ")


def test_a_timeout_bounds_the_wait(real, environ):
    environ.update(COURSE_TIMEOUT="0.3", COURSE_MAX_RETRIES="0")

    def run() -> float:
        real.reset()
        real.enqueue(Step(delay=10))
        with pc.Timer() as timer, pytest.raises(pc.ModelTimeoutError) as raised:
            pc.get_chat_model("echo").invoke("hi")
        assert isinstance(raised.value, openai.APITimeoutError) and isinstance(raised.value, TimeoutError)
        assert len(real.records()) == 1
        return timer.elapsed

    pc.verify_timing(run, at_most=0.3 + 1.0, expected=0.3, what="the timed-out call took",
                     unit=" s")  # the server would have taken 10 s


def test_a_timeout_is_retried_then_raised_in_bounded_time(real, environ):
    environ.update(COURSE_TIMEOUT="0.15", COURSE_MAX_RETRIES="1")

    async def call():
        return await pc.get_chat_model("echo").ainvoke("hi")

    def run() -> float:
        real.reset()
        real.enqueue(Step(delay=10), Step(delay=10))
        with pc.Timer() as timer, pytest.raises(pc.ModelTimeoutError):
            asyncio.run(call())
        assert len(real.records()) == 2
        return timer.elapsed

    pc.verify_timing(run, at_most=2 * 0.15 + 1.0 + 1.0, expected=2 * 0.15 + 0.5, what="two timeouts and a backoff took",
                     unit=" s")  # two timeouts, one backoff (<= 1 s), a margin


# -- event loops ------------------------------------------------------------------------------------


def test_plain_chat_openai_breaks_when_a_second_event_loop_reuses_its_connection(real):
    """langchain-openai shares one async HTTP client across loops; a kept-alive connection
    from a closed loop fails in the next one. The course's model gives each loop its own."""
    bare = ChatOpenAI(api_key=KEY, base_url=real.base_url, model="m", timeout=5, max_retries=0)
    outcomes = []
    for _ in range(3):
        try:
            asyncio.run(bare.ainvoke("hi"))
            outcomes.append("ok")
        except RuntimeError as error:
            outcomes.append(str(error))
    assert outcomes[0] == "ok" and "Event loop is closed" in outcomes[1:]


def test_the_course_model_works_across_event_loops(real, environ):
    environ["COURSE_MAX_RETRIES"] = "0"
    model = pc.get_chat_model("echo")
    for _ in range(2):
        assert asyncio.run(model.ainvoke("hi")).content.startswith("Reply ")
        assert asyncio.run(parallel(model, 2).ainvoke("hi"))["b1"].content.startswith("Reply ")
    assert [r.status for r in real.records()] == [200] * 6


def test_the_course_model_serves_two_loops_in_two_threads(real, environ):
    environ["COURSE_MAX_RETRIES"] = "0"
    real.delay = 0.05
    model = pc.get_chat_model("echo")
    results = []

    def run():
        results.append(asyncio.run(parallel(model, 3).ainvoke("hi")))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 2 and all(len(r) == 3 for r in results)


# -- the server and its tooling ------------------------------------------------------------------


def test_server_log_and_routes(server):
    import json
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as response:
        assert json.load(response)["data"][0]["id"] == openai_server.DEFAULT_MODEL
    request = urllib.request.Request(f"{server.base_url}/nowhere", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 404
    with pc.Timer() as timer:  # the server notes the finish just after the client has read the answer
        while server.records()[0].finish is None and timer.elapsed < 30:
            threading.Event().wait(0.01)
    (record,) = server.records()
    assert record.status == 404 and record.finish >= record.arrival and not record.authorized


def test_key_leak_plugin_fails_a_cell_that_prints_the_key(environ):
    environ["OPENAI_API_KEY"] = KEY

    class Item:
        nodeid = "nb.ipynb::Cell 3"
        test_outputs = [{"output_type": "stream", "text": f"key={KEY}"}]

    class Call:
        when = "call"

    class Report:
        outcome, longrepr = "passed", None

    hook = openai_server.pytest_runtest_makereport(Item(), Call())
    next(hook)
    with pytest.raises(StopIteration) as done:
        hook.send(Report())
    assert done.value.value.outcome == "failed"
    Item.test_outputs = [{"output_type": "stream", "text": "no secrets here"}]
    hook = openai_server.pytest_runtest_makereport(Item(), Call())
    next(hook)
    with pytest.raises(StopIteration) as done:
        hook.send(Report())
    assert done.value.value.outcome == "passed"


# `make -n test` as every test below reads it (one run per session, shared: support.make_plan); the browser's
# session planned too, as on a machine with Chromium
MAKE_TEST = ("test", "BROWSER=/usr/bin/chromium")
MAKE_TIMEOUT = 600  # seconds: a `make -n` that scans every solution takes seconds, a minute on a crowded machine


def planned_real_runs(*args: str) -> list[tuple[str, str, list[str]]]:
    """(seed, latency range, notebooks) of every provider-like server run ``make -n *args`` would start."""
    runs = []
    for command in make_plan(*args).splitlines():
        match = re.search(r"openai_server\.py --seed (\S+) --latency (\S+) -- (.*)", command)
        if match:
            runs.append((match[1], match[2], re.findall(r"notebooks/\S+\.ipynb", match[3])))
    return runs


@pytest.mark.timeout(MAKE_TIMEOUT)  # two `make -n` runs, the matrix's scanning every solution six times
def test_make_test_real_runs_the_scanned_notebooks_at_every_seed_and_range():
    from real_calls import real_model_notebooks

    scanned = sorted(str(p.relative_to(ROOT)) for p in real_model_notebooks())
    matrix = planned_real_runs("test-real-matrix")
    assert len({(seed, latency) for seed, latency, _ in matrix}) == len(matrix) == 6  # 3 seeds x 2 ranges
    assert len({seed for seed, _, _ in matrix}) == 3 and len({latency for _, latency, _ in matrix}) == 2
    assert all(openai_server.latency_range(latency) for _, latency, _ in matrix)
    assert all(sorted(notebooks) == scanned for _, _, notebooks in matrix)
    (one,) = planned_real_runs(*MAKE_TEST)  # make test: the matrix's first pair, the same at every commit
    assert one == matrix[0]
    assert "make test-real-matrix" in (ROOT / ".ci" / "run").read_text().splitlines()


# -- a provider the course does not control ------------------------------------------------------


def provider(**settings) -> openai_server.Provider:
    return openai_server.Provider(**{"latency": (0.03, 0.06), "tail": 0.0, "errors": 0.0, "odd": 0.0, **settings})


def test_a_provider_ignores_the_course_hints(real, environ):
    environ.update(COURSE_LATENCY_HINT="1", COURSE_TIME_SCALE="1")
    real.provider = provider()
    model = pc.get_chat_model("echo", latency=5.0, token_delay=0.5)  # hints of 5 s, and 0.5 s a chunk
    _, seconds = elapsed(model.invoke, "one two three")
    (record,) = real.records()
    assert float(record.headers["X-Course-Delay"]) == pytest.approx(5.0)  # sent, and ignored:
    pc.verify_timing(lambda: elapsed(model.invoke, "one two three")[1], first=seconds, at_most=1.0,
                     expected=0.06, what="the call took", unit=" s")


def test_a_provider_draws_from_its_seed():
    body = {"messages": [{"role": "user", "content": "hi"}]}
    one, other = openai_server.Provider(seed=1), openai_server.Provider(seed=2)
    assert [one.step(n, body, False) for n in range(50)] == [one.step(n, body, False) for n in range(50)]
    assert [one.step(n, body, False) for n in range(50)] != [other.step(n, body, False) for n in range(50)]
    steps = [one.step(n, body, False) for n in range(2000)]
    low, high = one.latency
    answered = [s for s in steps if s.status == 200]
    assert all(low <= s.delay <= high * one.tail_factor for s in answered)
    slow = sum(s.delay > high for s in answered) / len(answered)
    assert 0.5 * one.tail < slow < 2 * one.tail  # the slow tail
    assert {s.status for s in steps} == {200, 429, 500}
    assert 0.5 * one.errors < 1 - len(answered) / len(steps) < 2 * one.errors
    assert all(one.retry_after[0] <= s.retry_after <= one.retry_after[1] for s in steps if s.status != 200)
    assert set(openai_server.ODD_ANSWERS) <= {s.reply for s in answered}  # empty, JSON, refusal, long...
    assert 0.5 * one.odd < sum(s.reply in openai_server.ODD_ANSWERS for s in answered) / len(answered) < 2 * one.odd
    assert all(s.chunks[0] == "" and "".join(s.chunks) == s.reply for s in answered)
    assert all(one.step(n, body, True).status == 200 for n in range(200))  # a body fails once at most


@pytest.mark.parametrize("setting, value", [("latency", (0.5, 0.1)), ("tail", 1.5), ("errors", -0.1),
                                            ("odd", 2), ("retry_after", (0, 1)), ("tail_factor", 0.5)])
def test_bad_provider_settings_name_themselves(setting, value):
    with pytest.raises(ValueError, match=setting):
        openai_server.Provider(**{setting: value})


def test_a_provider_failure_is_retried_after_retry_after(real):
    real.provider = provider(errors=1.0, retry_after=(0.3, 0.3))  # every body fails once
    message, seconds = elapsed(pc.get_chat_model("echo").invoke, "hi")
    first, retry = real.records()
    assert first.status in (429, 500) and retry.status == 200 and message.content.startswith("Reply 2 ")
    # from the first request's arrival: its `finish` is stamped after the error is sent, by a server thread
    # that a busy machine can pause while the client already waits out Retry-After
    assert retry.arrival - first.arrival >= 0.3 and seconds >= 0.3


def test_a_provider_streams_uneven_chunks_after_an_empty_one(real):
    real.provider = provider()
    chunks = [chunk.content for chunk in pc.get_chat_model("echo").stream("hi")]
    reply = openai_server.default_reply(1, {})
    assert "".join(chunks) == reply and chunks[0] == ""
    assert chunks[1:] != split_tokens(reply) and max(map(len, chunks)) <= 12  # 1-12 characters, not words


def test_a_provider_odd_answers_reach_the_course_intact(real):
    real.provider = provider(odd=1.0, seed=4)
    answers = {pc.get_chat_model("echo").invoke(f"question {i}").content for i in range(12)}
    assert answers <= set(openai_server.ODD_ANSWERS) and "" in answers and len(answers) > 2


def test_the_command_line_serves_a_provider_unless_scripted():
    assert openai_server.latency_range("0.05-0.8") == (0.05, 0.8)
    for bad in ("0.8-0.05", "fast", "0.1"):
        with pytest.raises(Exception, match="--latency"):
            openai_server.latency_range(bad)


# -- which notebooks make real calls ----------------------------------------------------------------


def solution(tmp_path: Path, *cells: str) -> Path:
    import nbformat

    path = tmp_path / "solutions" / "99_x.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    return path


@pytest.mark.parametrize("code, real", [
    ('pc.get_chat_model("echo", fake=True, latency=0.1)', False),
    ('pc.get_chat_model("echo", latency=0.1)', True),
    ("get_chat_model(task, fake=fake)", True),  # may be False
    ("pc.get_chat_model(task, **settings)", True),  # may hold fake=False
    ("pc.get_chat_model(task, fake=True, **settings)", False),
    ('%time x = 1\nawait chain.ainvoke(pc.get_chat_model("echo", fake=True))', False),  # magics and await parse
    ('ChatOpenAI(api_key="placeholder")', False),  # the same in both modes
])
def test_real_calls_reads_the_solution(tmp_path, code, real):
    import real_calls

    assert bool(real_calls.real_calls(solution(tmp_path, "x = 1", code))) is real


def test_the_scan_agrees_with_the_measured_calls():
    """The notebooks with real calls, read statically, are those whose run counted real calls (docs/real_model.md)."""
    import real_calls

    table = (ROOT / "docs" / "real_model.md").read_text().split("<!-- cost:begin -->")[1].split("<!-- cost:end -->")[0]
    measured = {row.split("|")[1].strip() for row in table.splitlines()
                if row.startswith("| 0") and int(row.split("|")[2].strip().replace(",", "")) > 0}
    scanned = real_calls.real_model_notebooks()
    assert {path.stem for path in scanned} == measured
    assert all(path.exists() for path in scanned)


def planned_workers(*settings: str) -> dict[str, int]:
    """{session: pytest-xdist workers} of what ``make -n test`` would start with ``settings``."""
    workers = {}
    for command in make_plan(*MAKE_TEST, *settings).splitlines():
        if "--nbval" in command and (match := re.search(r" -n (\d+) ", command)):  # the notebook sessions
            workers["real" if "openai_server" in command else "notebooks"] = int(match[1])
    return workers


@pytest.mark.timeout(MAKE_TIMEOUT)
def test_make_test_runs_every_test_file_in_one_session():
    """make test's unit, notebook, real-model and grading sessions, and the browser's (in make test-full), share no
    test file, and lose none."""
    sessions = []
    for command in (make_plan(*MAKE_TEST) + make_plan("test-browser")).splitlines():
        if "bin/pytest" in command:
            words = command.split()
            ignored = [w.split("=", 1)[1] for w in words if w.startswith("--ignore=")]
            chosen = [w for w in words if w == "tests" or w.startswith("tests/")]
            sessions.append((chosen, ignored))
    for path in sorted(ROOT.glob("tests/**/test_*.py")):
        name = str(path.relative_to(ROOT))
        runs = [chosen for chosen, ignored in sessions
                if any(name == c or name.startswith(c + "/") for c in chosen)
                and not any(name == i or name.startswith(i + "/") for i in ignored)]
        assert len(runs) == 1, (name, runs)


@pytest.mark.timeout(MAKE_TIMEOUT)
def test_make_test_sizes_its_workers_to_the_machine():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # a worker a core for the offline notebooks, and a real-model one a core beside them (they wait on the server)
    assert planned_workers() == {"notebooks": cores, "real": cores}
    # each size obeyed on its own, in one plan: JOBS above the cores (not capped), REAL_JOBS=1 (a crowded machine)
    assert planned_workers("JOBS=8", "REAL_JOBS=1") == {"notebooks": 8, "real": 1}
