"""Plausible wrong answers to notebook 01's exercises: each must fail its check."""

WRONG = {
    # sentiment left as a message (no parser), words counts characters
    "q01_build": (
        "review_facts = RunnableParallel(\n"
        "    sentiment=pc.get_chat_model('sentiment', latency=0.1),\n"
        "    words=lambda text: len(text),\n"
        ")"
    ),
    # parallel time taken as the sum as well
    "q01_predict": "predicted_sequential = 1.6\npredicted_parallel = 1.6",
    # "parallel always helps": the dependent pipeline and the CPU-bound hashing too
    "q01_when": 'speeds_up = {"translate": True, "pipeline": True, "hashing": True, "lookups": True}',
    # right table, agreement computed on all reviews instead of the 8
    "q01_batch": (
        'report = pd.DataFrame(analysis.batch([{"review": t} for t in reviews["text"].head(8)]))\n'
        'report = report[["summary", "sentiment", "keywords"]]\n'
        "agreement = 1.0"
    ),
    # the sequential time for the parallel run; the rest right
    "q01_quiz": 'quiz_answers = {1: "a", 2: "c", 3: "a", 4: "b", 5: "c", 6: "a"}',
}
