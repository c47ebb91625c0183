"""Plausible wrong answers to notebook 08's exercises: each must fail its check (the targeted misconception first)."""


def _patient(settings: str) -> str:
    """A make_patient answer whose with_retry takes ``settings``."""
    return f"def make_patient(runnable):\n    return runnable.with_retry(\n{settings}    )"


def _analysis(summary: str, whole: str = "") -> str:
    """A fixed_analysis answer whose summary branch is ``summary`` (and ``whole`` after the parallel)."""
    return (
        "fixed_analysis = RunnableParallel(\n"
        "    sentiment=ex_sentiment | text,\n"
        f"    summary={summary},\n"
        "    keywords=ex_keywords | text,\n"
        f"){whole}"
    )


WRONG = {
    # the quiz: believes gather cancels the orphaned sibling
    "q08_quiz": 'quiz_answers = {1: "b", 2: "a", 3: "a", 4: "b", 5: "a", 6: "c", 7: "b"}',
    # a prediction is any well-formed one: these are not well formed
    "q08_which_error": [
        # an error object where its class is asked
        (
            'sync_error = pc.ServerError("the first failure")\n'
            "sync_seconds = 0.4\n"
            'async_error = pc.ServerError("the first failure")\n'
            "async_seconds = 0.4"
        ),
        # the error's name, a string
        'sync_error = "ModelTimeoutError"\nsync_seconds = 1.5\nasync_error = "ServerError"\nasync_seconds = 0.4',
        # times in milliseconds, not course-seconds
        "sync_error = pc.ModelTimeoutError\nsync_seconds = 1500\nasync_error = pc.ServerError\nasync_seconds = 400",
        # a time as text
        'sync_error = pc.ModelTimeoutError\nsync_seconds = "1.5"\nasync_error = pc.ServerError\nasync_seconds = 0.4',
    ],
    "q08_retry": [
        # the waits' jitter left at its default: constant waits asked, a random part added to every one
        _patient(
            "        retry_if_exception_type=(pc.ServerError,),\n"
            "        stop_after_attempt=5,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.3), "exp_base": 1},\n'
        ),
        # exp_base left at its default: the waits double, where the service asks for the same wait
        _patient(
            "        retry_if_exception_type=(pc.ServerError,),\n"
            "        stop_after_attempt=5,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.3), "jitter": 0},\n'
        ),
        # 4 failures read as 4 attempts: the incident's fourth failure comes out
        _patient(
            "        retry_if_exception_type=(pc.ServerError,),\n"
            "        stop_after_attempt=4,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.3), "exp_base": 1, "jitter": 0},\n'
        ),
        # the lesson's TRANSIENT reused: the spent quota's RateLimitError is retried
        _patient(
            "        retry_if_exception_type=TRANSIENT,\n"
            "        stop_after_attempt=5,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.3), "exp_base": 1, "jitter": 0},\n'
        ),
        # a bare class, not a tuple: taken as a predicate that retries every error
        _patient(
            "        retry_if_exception_type=pc.ServerError,\n"
            "        stop_after_attempt=5,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.3), "exp_base": 1, "jitter": 0},\n'
        ),
        # waits with no random part, but the retry waits nothing at all
        _patient("        retry_if_exception_type=(pc.ServerError,),\n        stop_after_attempt=5,\n"
                 "        wait_exponential_jitter=False,\n"),
    ],
    "q08_partial": [
        # the retry left around the whole parallel: every healthy branch runs again
        _analysis("ex_summary | text",
                  ".with_retry(retry_if_exception_type=TRANSIENT, exponential_jitter_params=FAST)"),
        # the retry dropped: the hiccup's ServerError comes out
        _analysis("ex_summary | text"),
        # a default where a second try would answer
        _analysis("(ex_summary | text).with_fallbacks([RunnableLambda(lambda _: 'n/a')])"),
        # the retry on the wrong branch
        (
            "fixed_analysis = RunnableParallel(\n"
            "    sentiment=ex_sentiment | text,\n"
            "    summary=ex_summary | text,\n"
            "    keywords=ex_keywords.with_retry(retry_if_exception_type=TRANSIENT, exponential_jitter_params=FAST)"
            " | text,\n"
            ")"
        ),
    ],
    # a default that names no error: the fallback never sees what went wrong
    "q08_exception_key": (
        "explained_summary = summary_chain.with_fallbacks([RunnableLambda(lambda _: '(no summary)')])"
    ),
    # returns a sentinel instead of raising: fallbacks and retries never see the timeout
    "q08_timeout": (
        "def with_attempt_timeout(runnable, seconds):\n"
        "    async def run(value, config):\n"
        "        try:\n"
        "            return await asyncio.wait_for(runnable.ainvoke(value, config), timeout=pc.scaled(seconds))\n"
        "        except TimeoutError:\n"
        "            return TIMED_OUT\n"
        "    return RunnableLambda(run)"
    ),
    "q08_fan_in": [
        # a happy-path fan-in: it breaks on the first missing branch, and reports every branch
        (
            "def review_card(out):\n"
            "    return {\n"
            '        "sentiment": out["sentiment"]["value"],\n'
            '        "summary": out["summary"]["value"],\n'
            '        "keywords": out["keywords"]["value"].split(", "),\n'
            '        "failed": {b: env["error"] for b, env in out.items()},\n'
            "    }"
        ),
        # the whole error text where its type name is asked
        (
            "def review_card(out):\n"
            "    value = {branch: env['value'] for branch, env in out.items()}\n"
            "    return {\n"
            "        'sentiment': value['sentiment'] or 'unknown',\n"
            "        'summary': value['summary'] or '(no summary)',\n"
            "        'keywords': value['keywords'].split(', ') if value['keywords'] else [],\n"
            "        'failed': {b: env['error'] for b, env in out.items() if env['error']},\n"
            "    }"
        ),
    ],
}
