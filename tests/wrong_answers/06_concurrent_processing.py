"""Plausible wrong answers to notebook 06's exercises: each must fail its check (the targeted misconception first)."""

WRONG = {
    # optional practice: no waves, a fraction of a wave counted as a fraction of the latency
    "q06_predict": (
        "def predict_wall(n_branches, latency, max_concurrency=None):\n"
        "    return n_branches / (max_concurrency or WORKERS) * latency"
    ),
    "q06_peaks": [
        # cap x cap everywhere, even where a run has fewer calls (pair makes only 8)
        'peaks = {"nested_invoke": 9, "batch": 9, "nested_ainvoke": 9, "abatch": 9}',
        # a peak worked out by division: a float, not a whole number of calls
        'peaks = {"nested_invoke": 6, "batch": 15 / 5 * 3, "nested_ainvoke": 8, "abatch": 12}',
        # the runs named loosely: keys that are not the run names of `runs`
        'peaks = {"nested": 6, "batch": 9, "nested_async": 8, "abatch": 12}',
        # the predictions written as text, as read off a table
        'peaks = {"nested_invoke": "6", "batch": "9", "nested_ainvoke": "8", "abatch": "12"}',
    ],
    "q06_gate": [
        # a new semaphore for every call: nothing is shared, nothing is capped
        (
            "def gated(runnable, limit):\n"
            "    def call(value):\n"
            "        with threading.BoundedSemaphore(limit):\n"
            "            return runnable.invoke(value)\n"
            "\n"
            "    async def acall(value):\n"
            "        async with asyncio.Semaphore(limit):\n"
            "            return await runnable.ainvoke(value)\n"
            "\n"
            "    return RunnableLambda(call, afunc=acall)"
        ),
        # the sync path only: under ainvoke the sync function runs on the default executor's threads
        (
            "def gated(runnable, limit):\n"
            "    slots = threading.BoundedSemaphore(limit)\n"
            "\n"
            "    def call(value):\n"
            "        with slots:\n"
            "            return runnable.invoke(value)\n"
            "\n"
            "    return RunnableLambda(call)"
        ),
        # the async semaphore made inside the async function: shared on the sync path only
        (
            "def gated(runnable, limit):\n"
            "    slots = threading.BoundedSemaphore(limit)\n"
            "\n"
            "    def call(value):\n"
            "        with slots:\n"
            "            return runnable.invoke(value)\n"
            "\n"
            "    async def acall(value):\n"
            "        async with asyncio.Semaphore(limit):\n"
            "            return await runnable.ainvoke(value)\n"
            "\n"
            "    return RunnableLambda(call, afunc=acall)"
        ),
        # max_concurrency bound into the config: it caps each pool, not every use
        (
            "def gated(runnable, limit):\n"
            "    return runnable.with_config(max_concurrency=limit)"
        ),
        # a lock "to be safe": never more than the limit, but one call at a time
        (
            "def gated(runnable, limit):\n"
            "    lock = threading.Lock()\n"
            "\n"
            "    def call(value):\n"
            "        with lock:\n"
            "            return runnable.invoke(value)\n"
            "\n"
            "    return RunnableLambda(call)"
        ),
    ],
    "q06_unblock": [
        # the blocking call made directly inside async def: it holds the event loop
        "async def priority_branch(ticket):\n    return crm(ticket)",
        # a yield to the loop first, then the blocking call: the loop is held all the same
        "async def priority_branch(ticket):\n    await asyncio.sleep(0)\n    return crm(ticket)",
        # to_thread without await: the branch returns a coroutine, not crm's answer
        "async def priority_branch(ticket):\n    return asyncio.to_thread(crm, ticket)",
        # the demo's ticket hard-wired: overlaps, but answers for the wrong ticket
        "async def priority_branch(ticket):\n    return await asyncio.to_thread(crm, TICKET)",
    ],
    # a believed cap: max_concurrency as a keyword taken to cap abatch
    "q06_quiz": 'quiz_answers = {1: "b", 2: "c", 3: "b", 4: "a", 5: "b", 6: "a", 7: "a"}',
    # optional practice: one limiter per model, together they make twice the provider's rate
    "q06_rate": (
        "provider_limiter = InMemoryRateLimiter(requests_per_second=4 / pc.scaled(1), "
        "check_every_n_seconds=pc.scaled(0.02))\n"
        "rated_sentiment = pc.get_chat_model('sentiment', latency=0.2, fake=True, rate_limiter=provider_limiter)\n"
        "rated_summary = pc.get_chat_model('summary', latency=0.2, fake=True, rate_limiter=InMemoryRateLimiter(\n"
        "    requests_per_second=4 / pc.scaled(1), check_every_n_seconds=pc.scaled(0.02)))"
    ),
}
