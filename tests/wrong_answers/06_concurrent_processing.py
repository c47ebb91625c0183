"""Plausible wrong answers to notebook 06's exercises: each must fail its check."""

WRONG = {
    # no waves: a fraction of a wave counted as a fraction of the latency
    "q06_predict": (
        "def predict_wall(n_branches, latency, max_concurrency=None):\n"
        "    return n_branches / (max_concurrency or WORKERS) * latency"
    ),
    # max_concurrency believed to cap every run as a whole
    "q06_peaks": 'peaks = {"nested_invoke": 3, "batch": 3, "nested_ainvoke": 3, "abatch": 3}',
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
    # one limiter per model: together they make twice the provider's rate
    "q06_rate": (
        "provider_limiter = InMemoryRateLimiter(requests_per_second=4 / pc.scaled(1), "
        "check_every_n_seconds=pc.scaled(0.02))\n"
        "rated_sentiment = pc.get_chat_model('sentiment', latency=0.2, fake=True, rate_limiter=provider_limiter)\n"
        "rated_summary = pc.get_chat_model('summary', latency=0.2, fake=True, rate_limiter=InMemoryRateLimiter(\n"
        "    requests_per_second=4 / pc.scaled(1), check_every_n_seconds=pc.scaled(0.02)))"
    ),
}
