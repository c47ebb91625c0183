"""Typical mistakes in notebook 10's capstone: three milestones, then the open design.

``WRONG`` (the exercise trials) must fail each step's visible check with a hint that names the cause, the
targeted misconception first. ``DESIGNS`` are open designs, each the solution with one decision changed: all
but the first pass the visible check by design and lose only hidden points; ``DESIGNS`` says which
properties each must lose and keep (tests/test_capstone_grading.py grades them, with the milestones solved).
"""

from exercises import ROOT

from parallel_course.otter_files import solution_code

QUESTION = "q10_support_desk"
SOLUTIONS = solution_code(ROOT / "solutions" / "10_capstone_support_desk.ipynb")
SOLUTION = SOLUTIONS[QUESTION]

# -- Exercise 1: one ticket's calls in parallel ------------------------------------------------------------
TICKET_ONE_AFTER_ANOTHER = '''
def ticket_chain(chat_model):  # classify, then extract: one after the other
    def to_record(state):
        return {"id": state["id"], **{k: state[k] for k in ("category", "facts", "reply", "check")}, "error": None}

    return (
        RunnablePassthrough.assign(category=step("classify", chat_model))
        | RunnablePassthrough.assign(facts=step("extract", chat_model))
        | RunnablePassthrough.assign(reply=step("draft", chat_model))
        | RunnablePassthrough.assign(check=step("check", chat_model))
        | RunnableLambda(to_record)
    )
'''

TICKET_ALL_FOUR_AT_ONCE = '''
def ticket_chain(chat_model):  # every step at once: draft and check do not wait for what they read
    def to_record(state):
        return {"id": state["id"], **{k: state[k] for k in ("category", "facts", "reply", "check")}, "error": None}

    return RunnablePassthrough.assign(
        category=step("classify", chat_model), facts=step("extract", chat_model),
        reply=step("draft", chat_model), check=step("check", chat_model),
    ) | RunnableLambda(to_record)
'''

TICKET_STATE_AS_RECORD = '''
def ticket_chain(chat_model):  # the state as it flows, taken for the record: it still holds the text
    return (
        RunnablePassthrough.assign(category=step("classify", chat_model), facts=step("extract", chat_model))
        | RunnablePassthrough.assign(reply=step("draft", chat_model))
        | RunnablePassthrough.assign(check=step("check", chat_model), error=lambda state: None)
    )
'''

TICKET_EMPTY_ERROR = '''
def ticket_chain(chat_model):  # "no error" written as an empty text
    def to_record(state):
        return {"id": state["id"], **{k: state[k] for k in ("category", "facts", "reply", "check")}, "error": ""}

    return (
        RunnablePassthrough.assign(category=step("classify", chat_model), facts=step("extract", chat_model))
        | RunnablePassthrough.assign(reply=step("draft", chat_model))
        | RunnablePassthrough.assign(check=step("check", chat_model))
        | RunnableLambda(to_record)
    )
'''

# -- Exercise 2: a batch under the provider's limits -------------------------------------------------------
BATCH_MAX_CONCURRENCY_AS_CAP = SOLUTIONS["q10_batch"] + '''

def capped_model(provider):  # paced, but no cap of its own: max_concurrency is taken for the cap
    limiter = InMemoryRateLimiter(requests_per_second=paced_rate(provider) / pc.scaled(1.0),
                                  check_every_n_seconds=pc.scaled(0.01))
    return provider.chat_model(rate_limiter=limiter)


def run_batch(provider, tickets):
    chat_model = capped_model(provider)
    per_ticket = RunnableLambda(lambda ticket: one_ticket(ticket, chat_model))
    return per_ticket.batch(tickets, config={"max_concurrency": provider.max_in_flight})
'''

BATCH_NOT_PACED = SOLUTIONS["q10_batch"] + '''

def capped_model(provider):  # the cap, and no pace at all
    chat_model = provider.chat_model()
    slots, aslots = threading.BoundedSemaphore(provider.max_in_flight), asyncio.Semaphore(provider.max_in_flight)

    def call(messages):
        with slots:
            return chat_model.invoke(messages)

    async def acall(messages):
        async with aslots:
            return await chat_model.ainvoke(messages)

    return RunnableLambda(call, afunc=acall, name="capped_model")
'''

BATCH_PACED_FOR_REQUESTS_ONLY = SOLUTIONS["q10_batch"] + '''

def paced_rate(provider):  # 80 % of the request rate: the tokens are not counted
    return 0.8 * provider.requests_per_second
'''

BATCH_ONE_TICKET_AT_A_TIME = SOLUTIONS["q10_batch"] + '''

def run_batch(provider, tickets):  # under every limit, one ticket after another
    chat_model = capped_model(provider)
    return [one_ticket(ticket, chat_model) for ticket in tickets]
'''

# -- Exercise 3: retries that keep what worked -------------------------------------------------------------
RETRY_THE_WHOLE_TICKET = SOLUTIONS["q10_ticket"] + '''

def retried(chat_model):
    return honour_retry_after(chat_model)


def resilient_ticket(chat_model):  # one retry around the whole ticket, its last error caught
    whole = ticket_chain(retried(chat_model)).with_retry(**RETRY)

    def run(ticket):
        try:
            return whole.invoke(ticket)
        except Exception as error:
            return {"id": ticket["id"], "category": None, "facts": None, "reply": None, "check": None,
                    "error": f"{type(error).__name__}: {error}"}

    return RunnableLambda(run)
'''

RETRY_ON_A_TIMER = SOLUTIONS["q10_retry"] + '''

def retried(chat_model):  # with_retry's own backoff for a 429 too: it cannot read retry_after
    return chat_model.with_retry(**RETRY)
'''

RETRY_UNGUARDED = SOLUTIONS["q10_retry"] + "\n\n\n" + SOLUTIONS["q10_ticket"] + '''

def resilient_ticket(chat_model):  # each call retried, but a step that still fails raises
    return ticket_chain(retried(chat_model))
'''

RETRY_CAUGHT_PER_TICKET = SOLUTIONS["q10_retry"] + "\n\n\n" + SOLUTIONS["q10_ticket"] + '''

def resilient_ticket(chat_model):  # each call retried; a failure caught for the ticket as a whole
    chain = ticket_chain(retried(chat_model))

    def run(ticket):
        try:
            return chain.invoke(ticket)
        except Exception as error:
            return {"id": ticket["id"], "category": None, "facts": None, "reply": None, "check": None,
                    "error": f"{type(error).__name__}: {error}"}

    return RunnableLambda(run)
'''

# -- Exercise 4: the open design ----------------------------------------------------------------------------
# the Demo's slow design, one ticket after another, called synchronously inside an async def
ONE_BY_ONE_IN_ASYNC = SOLUTION + '''

async def arun_desk(provider, tickets):  # async def, but every call is a plain one: the loop is blocked
    desk, summarize, combine = build_desk(provider)
    records = [desk.invoke(ticket) for ticket in tickets]
    counts = [summarize.invoke(chunk) for chunk in chunks_of(records)]
    return {"records": records, "digest": combine.invoke(counts_lines(counts))}
'''

# every call at once: no rate limiter, no cap, every ticket at once (retries on each call)
UNBOUNDED = SOLUTION + '''

def capped_model(provider):
    return provider.chat_model()


def tickets_in_flight(provider):
    return None
'''

# the digest counted here, not by the provider's summarize and combine
LOCAL_DIGEST = SOLUTION + '''

def run_desk(provider, tickets):
    desk, _, _ = build_desk(provider)
    records = desk.batch(tickets, config={"max_concurrency": tickets_in_flight(provider)})
    return {"records": records, "digest": pc.support_desk.digest(records)}
'''

# the sync batch inside async def: the calls overlap in threads, but the event loop waits for them all
SYNC_BATCH_IN_ASYNC = SOLUTION + '''

async def arun_desk(provider, tickets):
    return run_desk(provider, tickets)
'''

# one retry around the whole ticket: a failed step re-runs (and pays again) the steps that had worked,
# and a step that keeps failing loses the whole record
RETRY_WHOLE_TICKET = SOLUTION + '''

def build_desk(provider):
    capped = capped_model(provider)  # capped and paced; its calls not retried on their own
    whole = (
        RunnablePassthrough.assign(category=step("classify", capped), facts=step("extract", capped))
        | RunnablePassthrough.assign(reply=step("draft", capped))
        | RunnablePassthrough.assign(check=step("check", capped))
        | RunnableLambda(lambda s: {"id": s["id"], **{k: s[k] for k in ("category", "facts", "reply", "check")},
                                    "error": None})
    ).with_retry(**RETRY)

    def lost(ticket, error):
        return {"id": ticket["id"], "category": None, "facts": None, "reply": None, "check": None, "error": repr(error)}

    def one_ticket(ticket, config):
        try:
            return whole.invoke(ticket, config)
        except Exception as error:
            return lost(ticket, error)

    async def aone_ticket(ticket, config):
        try:
            return await whole.ainvoke(ticket, config)
        except Exception as error:
            return lost(ticket, error)

    summarize = ChatPromptTemplate.from_template(STEPS["summarize"]) | retried(capped) | text
    combine = ChatPromptTemplate.from_template(STEPS["combine"]) | retried(capped) | text
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
    "q10_ticket": [TICKET_ONE_AFTER_ANOTHER, TICKET_ALL_FOUR_AT_ONCE, TICKET_STATE_AS_RECORD, TICKET_EMPTY_ERROR],
    "q10_batch": [BATCH_MAX_CONCURRENCY_AS_CAP, BATCH_NOT_PACED, BATCH_PACED_FOR_REQUESTS_ONLY,
                  BATCH_ONE_TICKET_AT_A_TIME],
    "q10_retry": [RETRY_THE_WHOLE_TICKET, RETRY_ON_A_TIMER, RETRY_UNGUARDED, RETRY_CAUGHT_PER_TICKET],
    QUESTION: [ONE_BY_ONE_IN_ASYNC, UNBOUNDED, LOCAL_DIGEST, SYNC_BATCH_IN_ASYNC],
    # "the cap bites": the cap over the latency taken for the throughput; the rest right
    "q10_quiz": 'quiz_answers = {1: "a", 2: "b", 3: "b", 4: "b", 5: "b", 6: "a", 7: "a", 8: "a"}',
}

# {design: (code, the hidden properties it must lose, those it must keep)}; the others are left open
# (they depend on how the design fails, or on timing in the direction load can move)
DESIGNS = {
    "one by one inside async def": (
        ONE_BY_ONE_IN_ASYNC, {"wall time"}, {"correctness", "partial results", "cap", "rate", "cost"}
    ),
    "unbounded fan-out": (UNBOUNDED, {"cap", "rate"}, {"wall time", "cost"}),
    "retry around the whole ticket": (RETRY_WHOLE_TICKET, {"partial results", "cost"}, {"cap", "rate"}),
    "sequential loop": (SEQUENTIAL, {"wall time"}, {"correctness", "partial results", "cap", "rate", "p95", "cost"}),
    "every ticket at once": (
        ALL_TICKETS_AT_ONCE,
        {"p95"},
        {"correctness", "partial results", "cap", "rate", "cost"},
    ),
}
