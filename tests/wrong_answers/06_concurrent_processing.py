"""Plausible wrong answers to notebook 06's exercises: each must fail its check."""

WRONG = {
    # no waves: a fraction of a wave counted as a fraction of the latency
    "q06_predict": (
        "def predict_wall(n_branches, latency, max_concurrency=None):\n"
        "    return n_branches / (max_concurrency or WORKERS) * latency"
    ),
    # cap x cap everywhere, even where a run has fewer calls (pair makes only 8)
    "q06_peaks": 'peaks = {"nested_invoke": 9, "batch": 9, "nested_ainvoke": 9, "abatch": 9}',
    # a new semaphore for every call: nothing is shared, nothing is capped
    "q06_gate": (
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
    # the blocking call made directly inside async def: it holds the event loop
    "q06_unblock": "async def priority_branch(ticket):\n    return crm(ticket)",
    # a plain pool's threads believed to see the caller's context variables
    "q06_quiz": 'quiz_answers = {1: "b", 2: "c", 3: "b", 4: "a", 5: "b", 6: "a", 7: "b", 8: "a"}',
    # one limiter per model: together they make twice the provider's rate
    "q06_rate": (
        "provider_limiter = InMemoryRateLimiter(requests_per_second=4 / pc.scaled(1), "
        "check_every_n_seconds=pc.scaled(0.02))\n"
        "rated_sentiment = pc.get_chat_model('sentiment', latency=0.2, fake=True, rate_limiter=provider_limiter)\n"
        "rated_summary = pc.get_chat_model('summary', latency=0.2, fake=True, rate_limiter=InMemoryRateLimiter(\n"
        "    requests_per_second=4 / pc.scaled(1), check_every_n_seconds=pc.scaled(0.02)))"
    ),
}
