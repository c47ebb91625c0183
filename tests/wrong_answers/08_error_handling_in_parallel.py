"""Plausible wrong answers to notebook 08's exercises: each must fail its check (the targeted misconception first)."""

WRONG = {
    # the quiz: believes gather cancels the orphaned sibling
    "q08_quiz": 'quiz_answers = {1: "b", 2: "a", 3: "a", 4: "c", 5: "a", 6: "c", 7: "b"}',
    # invoke believed to fail fast with the first error in time, written as an error object, not its class
    "q08_which_error": (
        'sync_error = pc.ServerError("the first failure")\n'
        "sync_seconds = 0.4\n"
        'async_error = pc.ServerError("the first failure")\n'
        "async_seconds = 0.4"
    ),
    "q08_retry": [
        # the waits' jitter left at its default: the first wait is right, but a random part is added to every wait
        (
            "def make_retrying(runnable):\n"
            "    return runnable.with_retry(\n"
            "        retry_if_exception_type=TRANSIENT,\n"
            "        stop_after_attempt=4,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.1)},\n'
            "    )"
        ),
        # the right attempts and waits, but every exception is retried (the default)
        (
            "def make_retrying(runnable):\n"
            "    return runnable.with_retry(\n"
            "        stop_after_attempt=4,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.1), "jitter": 0},\n'
            "    )"
        ),
        # 3 retries counted as 3 attempts: the outage's third failure comes out
        (
            "def make_retrying(runnable):\n"
            "    return runnable.with_retry(\n"
            "        retry_if_exception_type=TRANSIENT,\n"
            "        stop_after_attempt=3,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.1), "jitter": 0},\n'
            "    )"
        ),
        # the waits doubled from the wrong start: exact, but not the ones asked
        (
            "def make_retrying(runnable):\n"
            "    return runnable.with_retry(\n"
            "        retry_if_exception_type=TRANSIENT,\n"
            "        stop_after_attempt=4,\n"
            '        exponential_jitter_params={"initial": pc.scaled(0.2), "jitter": 0},\n'
            "    )"
        ),
    ],
    # the fallback moved onto each branch, but the summary's backup is forgotten: "n/a" where a model could answer
    "q08_partial": (
        "fixed_analysis = RunnableParallel(\n"
        "    sentiment=ex_sentiment | text,\n"
        "    summary=(ex_summary | text).with_fallbacks([RunnableLambda(lambda _: 'n/a')]),\n"
        "    keywords=(ex_keywords | text).with_fallbacks([RunnableLambda(lambda _: 'n/a')]),\n"
        ")"
    ),
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
    # a happy-path fan-in: it breaks on the first missing branch, and reports every branch
    "q08_fan_in": (
        "def review_card(out):\n"
        "    return {\n"
        '        "sentiment": out["sentiment"]["value"],\n'
        '        "summary": out["summary"]["value"],\n'
        '        "keywords": out["keywords"]["value"].split(", "),\n'
        '        "failed": {b: env["error"] for b, env in out.items()},\n'
        "    }"
    ),
}
