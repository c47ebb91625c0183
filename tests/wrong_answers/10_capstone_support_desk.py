"""Typical wrong designs for notebook 10's capstone, each the solution with one decision changed.

``WRONG`` (the exercise trials) must fail the visible check; the others pass it by design and
lose only hidden points: ``DESIGNS`` says which properties each must lose and keep
(tests/test_capstone_grading.py grades them).
"""

from exercises import ROOT

from parallel_course.otter_files import solution_code

QUESTION = "q10_support_desk"
SOLUTION = solution_code(ROOT / "solutions" / "10_capstone_support_desk.ipynb")[QUESTION]

# every call at once: no rate limiter, no cap, every ticket at once (retries on each call)
UNBOUNDED = SOLUTION + '''
def capped_model(provider):
    return provider.chat_model().with_retry(**RETRY)


def tickets_in_flight(provider):
    return None
'''

# one retry around the whole ticket: a failed step re-runs (and pays again) the steps that had worked,
# and a step that keeps failing loses the whole record
RETRY_WHOLE_TICKET = SOLUTION + '''
_retried_model = capped_model  # the solution's: capped, rate-limited, each call retried


def build_desk(provider):
    retried = _retried_model(provider)
    chat_model = retried.bound  # the same capped call, without its retry

    def step(name):
        return ChatPromptTemplate.from_template(STEPS[name]) | chat_model | text

    steps = (
        RunnablePassthrough.assign(category=step("classify"), facts=step("extract"))
        | RunnablePassthrough.assign(reply=step("draft"))
        | RunnablePassthrough.assign(check=step("check"))
        | RunnableLambda(lambda s: {"id": s["id"], **{k: s[k] for k in ("category", "facts", "reply", "check")},
                                    "error": None})
    ).with_retry(**RETRY)

    def lost(ticket, error):
        return {"id": ticket["id"], "category": None, "facts": None, "reply": None, "check": None, "error": repr(error)}

    def one_ticket(ticket, config):
        try:
            return steps.invoke(ticket, config)
        except Exception as error:
            return lost(ticket, error)

    async def aone_ticket(ticket, config):
        try:
            return await steps.ainvoke(ticket, config)
        except Exception as error:
            return lost(ticket, error)

    summarize = ChatPromptTemplate.from_template(STEPS["summarize"]) | retried | text
    combine = ChatPromptTemplate.from_template(STEPS["combine"]) | retried | text
    return RunnableLambda(one_ticket, afunc=aone_ticket), summarize, combine
'''

# one ticket after another (each ticket still runs classify and extract together)
SEQUENTIAL = SOLUTION + '''
def run_desk(provider, tickets):
    desk, summarize, combine = build_desk(provider)
    records = [desk.invoke(ticket) for ticket in tickets]
    counts = [summarize.invoke(chunk) for chunk in chunks_of(records)]
    return {"records": records, "digest": combine.invoke(counts_lines(counts))}


async def arun_desk(provider, tickets):
    desk, summarize, combine = build_desk(provider)
    records = [await desk.ainvoke(ticket) for ticket in tickets]
    counts = [await summarize.ainvoke(chunk) for chunk in chunks_of(records)]
    return {"records": records, "digest": await combine.ainvoke(counts_lines(counts))}
'''

# every ticket at once, with the cap and the rate kept on each call: every ticket waits for all the others
ALL_TICKETS_AT_ONCE = SOLUTION + '''
def tickets_in_flight(provider):
    return 1000  # no bound: batch starts every ticket at once
'''

WRONG = {
    QUESTION: UNBOUNDED,
    # "the cap bites": the cap over the latency taken for the throughput; the rest right
    "q10_quiz": 'quiz_answers = {1: "a", 2: "b", 3: "b", 4: "b", 5: "b", 6: "a", 7: "a", 8: "a"}',
}

# {design: (code, the hidden properties it must lose, those it must keep)}; the others are left open
# (they depend on how the design fails, or on timing in the direction load can move)
DESIGNS = {
    "unbounded fan-out": (UNBOUNDED, {"cap", "rate"}, {"wall time", "cost"}),
    "retry around the whole ticket": (RETRY_WHOLE_TICKET, {"partial results", "cost"}, {"cap", "rate", "wall time"}),
    "sequential loop": (SEQUENTIAL, {"wall time"}, {"correctness", "partial results", "cap", "rate", "p95", "cost"}),
    "every ticket at once": (
        ALL_TICKETS_AT_ONCE,
        {"p95"},
        {"correctness", "partial results", "cap", "rate", "wall time", "cost"},
    ),
}
