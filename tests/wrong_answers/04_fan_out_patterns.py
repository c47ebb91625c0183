"""Plausible wrong answers to notebook 04's exercises: each must fail its check."""

WRONG = {
    # the shared input believed to be a copy (question 2)
    "q04_quiz": 'quiz_answers = {1: "c", 2: "a", 3: "b", 4: "b", 5: "c", 6: "b", 7: "b"}',
    # the "ticket" branch keeps only the text instead of passing the whole dict through
    "q04_shape": (
        "ticket_view = RunnableParallel(\n"
        "    id=itemgetter('id'),\n"
        "    category=itemgetter('text') | classifier | StrOutputParser(),\n"
        "    words=lambda t: len(t['text'].split()),\n"
        "    ticket=itemgetter('text'),\n"
        ")"
    ),
    # max_concurrency believed to be ignored by batch
    "q04_peak": "peak_default = 12\npeak_capped = 12",
    # the broken chain handed back as it is: every branch's lambda reads the loop's last index
    "q04_dynamic": (
        "paragraph_fanout = RunnableLambda(\n"
        "    lambda text: RunnableParallel({\n"
        "        f'p{i + 1}': RunnableLambda(lambda t: paragraphs(t)[i]) | keyword_model | StrOutputParser()\n"
        "        for i in range(len(paragraphs(text)))\n"
        "    })\n"
        ")"
    ),
    # counts inputs, not model calls
    "q04_calls": (
        "def usage_of(outputs):\n"
        "    messages = [m for out in outputs for m in out.values()]\n"
        "    return {\n"
        "        'calls': len(outputs),\n"
        "        'input_tokens': sum(m.usage_metadata['input_tokens'] for m in messages),\n"
        "        'output_tokens': sum(m.usage_metadata['output_tokens'] for m in messages),\n"
        "    }"
    ),
    # right answer, but stage 1 runs one step after the other
    "q04_stages": (
        "two_stage = (\n"
        "    RunnablePassthrough.assign(category=ask('Which team handles this ticket?', classifier))\n"
        "    | RunnablePassthrough.assign(summary=ask('Summarise this ticket in one line.', summariser))\n"
        "    | reply_prompt | writer | StrOutputParser()\n"
        ")"
    ),
}
