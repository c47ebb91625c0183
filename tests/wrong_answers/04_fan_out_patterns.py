"""Plausible wrong answers to notebook 04's exercises: each must fail its check (the targeted misconception first)."""

WRONG = {
    # the shared input believed to be a copy (question 2)
    "q04_quiz": 'quiz_answers = {1: "c", 2: "a", 3: "b", 4: "b", 5: "b", 6: "b", 7: "b"}',
    "q04_shape": [
        # the classifier given the text under an instruction (a prompt template), not the text alone
        (
            "ticket_view = RunnableParallel(\n"
            "    id=itemgetter('id'),\n"
            "    category=ask('Which team handles this ticket?', classifier),\n"
            "    words=lambda t: len(t['text'].split()),\n"
            "    ticket=RunnablePassthrough(),\n"
            ")"
        ),
        # the classifier given the whole ticket dict: a model takes text
        (
            "ticket_view = RunnableParallel(\n"
            "    id=itemgetter('id'),\n"
            "    category=classifier | StrOutputParser(),\n"
            "    words=lambda t: len(t['text'].split()),\n"
            "    ticket=RunnablePassthrough(),\n"
            ")"
        ),
        # the "ticket" branch keeps only the text instead of passing the whole dict through
        (
            "ticket_view = RunnableParallel(\n"
            "    id=itemgetter('id'),\n"
            "    category=itemgetter('text') | classifier | StrOutputParser(),\n"
            "    words=lambda t: len(t['text'].split()),\n"
            "    ticket=itemgetter('text'),\n"
            ")"
        ),
        # characters counted, not words
        (
            "ticket_view = RunnableParallel(\n"
            "    id=itemgetter('id'),\n"
            "    category=itemgetter('text') | classifier | StrOutputParser(),\n"
            "    words=lambda t: len(t['text']),\n"
            "    ticket=RunnablePassthrough(),\n"
            ")"
        ),
        # no parser: the category is the model's message, not a string
        (
            "ticket_view = RunnableParallel(\n"
            "    id=itemgetter('id'),\n"
            "    category=itemgetter('text') | classifier,\n"
            "    words=lambda t: len(t['text'].split()),\n"
            "    ticket=RunnablePassthrough(),\n"
            ")"
        ),
    ],
    "q04_peak": [
        # the peaks worked out with a division: a float is not a number of calls
        "peak_default = 4 * 3\npeak_capped = 12 / 3",
        # the predictions written as text
        'peak_default = "12"\npeak_capped = "2"',
        # a cap believed to stop everything: no call at all in flight
        "peak_default = 12\npeak_capped = 0",
        # a peak written as its factors (2 inputs, 2 branches): a tuple, not a number
        "peak_default = 12\npeak_capped = 2, 2",
    ],
    "q04_dynamic": [
        # the broken chain handed back as it is: every branch's lambda reads the loop's last index
        (
            "paragraph_fanout = RunnableLambda(\n"
            "    lambda text: RunnableParallel({\n"
            "        f'p{i + 1}': RunnableLambda(lambda t: paragraphs(t)[i]) | keyword_model | StrOutputParser()\n"
            "        for i in range(len(paragraphs(text)))\n"
            "    })\n"
            ")"
        ),
        # the branches fixed, but built once for this article: not from the input when it arrives
        (
            "paragraph_fanout = RunnableParallel({\n"
            "    f'p{i + 1}': RunnableLambda(lambda t, i=i: paragraphs(t)[i]) | keyword_model | StrOutputParser()\n"
            "    for i in range(len(paragraphs(article)))\n"
            "})"
        ),
        # keys counted from 0
        (
            "paragraph_fanout = RunnableLambda(\n"
            "    lambda text: RunnableParallel({\n"
            "        f'p{i}': RunnableLambda(lambda t, i=i: paragraphs(t)[i]) | keyword_model | StrOutputParser()\n"
            "        for i in range(len(paragraphs(text)))\n"
            "    })\n"
            ")"
        ),
        # no parser: each value is the model's message, not a string
        (
            "paragraph_fanout = RunnableLambda(\n"
            "    lambda text: RunnableParallel({\n"
            "        f'p{i + 1}': RunnableLambda(lambda t, i=i: paragraphs(t)[i]) | keyword_model\n"
            "        for i in range(len(paragraphs(text)))\n"
            "    })\n"
            ")"
        ),
    ],
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
