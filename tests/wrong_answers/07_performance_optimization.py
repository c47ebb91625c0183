"""Plausible wrong answers to notebook 07's exercises: each must fail its check."""

WRONG = {
    # Amdahl's even split: the work shared out as if calls could be cut into pieces
    "q07_predict_wall": (
        "def predict_wall(before, latencies, after, max_concurrency):\n"
        "    workers = max_concurrency or min(32, os.cpu_count() + 4)\n"
        "    return before + sum(latencies) / workers + after"
    ),
    # the branches run one after another instead: still one runnable (and one run) per check
    "q07_fuse": (
        "fast_profile = pc.sequential(\n"
        "    words=lambda text: len(text.split()),\n"
        "    exclamations=lambda text: text.count('!'),\n"
        "    mentions_order=lambda text: 'order' in text.lower(),\n"
        "    mentions_account=lambda text: 'account' in text.lower(),\n"
        "    longest_word=lambda text: max(text.split(), key=len),\n"
        ")"
    ),
    # the fastest setting, not the smallest one that is good enough
    "q07_knee": "def knee(walls, tolerance=0.1):\n    return walls.idxmin()",
    # "each call is fast 99 % of the time, so the run is too"
    "q07_tail": (
        "def all_within(p_single, n):\n"
        "    return p_single\n"
        "\n"
        "def max_branches(p_single, target):\n"
        "    return 100 if p_single >= target else 0"
    ),
    # a single timing, and the parallel as the baseline
    "q07_benchmark": (
        "bench = pc.benchmark(\n"
        "    {'sequential': lambda: pc.sequential(two_calls).invoke(a_review),\n"
        "     'parallel': lambda: RunnableParallel(two_calls).invoke(a_review)},\n"
        "    repeats=1, warmup=0, baseline='parallel',\n"
        ")\n"
        "measured_speedup = float(bench.loc['parallel', 'speedup'])"
    ),
}
