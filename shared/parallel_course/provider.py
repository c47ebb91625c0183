"""A simulated model provider: request, token and in-flight limits it enforces and counts, errors, slow tails, prices.

``SimulatedProvider`` hands out chat models (``provider.chat_model()``, the course's fake chat
model underneath) whose every call goes through the provider. A call that would exceed
``requests_per_second`` or ``tokens_per_second`` over any ``window`` (what OpenAI-style providers
publish, per minute, as RPM and TPM), or ``max_in_flight`` calls at once (what some gateways and
self-hosted servers enforce), is refused with a ``RateLimitError`` carrying ``retry_after`` and
``headers`` (like an HTTP 429 with its ``retry-after`` and ``x-ratelimit-*`` headers); an answer
carries the same ``x-ratelimit-*`` headers in its ``response_metadata``. An admitted call may be slow (a
tail call) or fail with a ``ServerError``: transiently (a retry may succeed) or, for a few
prompts, every time. Both are drawn from the seed, the prompt and the attempt, never from
thread timing. The provider counts what the client did: the peak of calls in flight asked
for, the highest rate over any window, refusals, tokens and their cost.
"""

import contextvars
import inspect
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import ConfigDict

from . import support_desk
from .concurrency import run_in_new_loop
from .failures import FailurePlan, RateLimitError, ServerError
from .fake_chat_model import FakeChatModel, split_tokens
from .timescale import scaled
from .timing import Timer

_ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar("provider_attempt", default=0)
_HEADERS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("provider_headers", default=None)
LOG_COLUMNS = ["start", "end", "duration", "status", "attempt", "prompt", "input_tokens", "output_tokens", "reason",
               "retry_after"]
REASONS = ("in flight", "requests", "tokens")  # why a request was refused


def _number(name: str, value: Any, low: float, high: float = math.inf, low_open: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < low
        or (low_open and value == low)
        or value > high
    ):
        bound = f"> {low}" if low_open else f">= {low}"
        raise ValueError(f"{name} must be a finite number {bound}{f' and <= {high}' if high < math.inf else ''}, "
                         f"got {value!r}")
    return float(value)


class SimulatedProvider:
    """A provider with limits, failures and prices; times in course-seconds (see ``pc.scaled``).

    ``requests_per_second`` over a sliding ``window`` (so at most ``rate_limit`` requests in any
    window), ``tokens_per_second`` over the same window (at most ``token_limit`` prompt tokens, counted
    as a request arrives; ``None``: no token limit), ``max_in_flight`` calls at once (a gateway's or a
    self-hosted server's cap), ``latency`` per call, ``tail_latency`` for a share
    ``tail_probability`` of the calls, ``error_probability`` of a transient ``ServerError`` per
    call, ``broken_probability`` that a prompt about a ticket (a ``Ticket:`` line) fails on every
    attempt, ``broken`` texts whose prompts fail on every attempt, prices in dollars per
    million input and output tokens. Refused and failed calls cost nothing.
    """

    def __init__(
        self,
        *,
        requests_per_second: float = 12.0,
        tokens_per_second: float | None = 600.0,
        window: float = 2.0,
        max_in_flight: int = 6,
        latency: float = 0.4,
        tail_latency: float = 1.6,
        tail_probability: float = 0.03,
        error_probability: float = 0.05,
        broken_probability: float = 0.02,
        broken: tuple[str, ...] = (),
        input_price: float = 0.15,
        output_price: float = 0.60,
        seed: int = 0,
    ):
        self.requests_per_second = _number("requests_per_second", requests_per_second, 0, low_open=True)
        self.window = _number("window", window, 0, low_open=True)
        if self.rate_limit < 1:
            raise ValueError(f"window must hold at least one request at requests_per_second, got {window!r}")
        self.tokens_per_second = (None if tokens_per_second is None
                                  else _number("tokens_per_second", tokens_per_second, 0, low_open=True))
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
            raise ValueError(f"max_in_flight must be a positive integer, got {max_in_flight!r}")
        self.max_in_flight = max_in_flight
        self.latency = _number("latency", latency, 0)
        self.tail_latency = _number("tail_latency", tail_latency, 0)
        self.tail_probability = _number("tail_probability", tail_probability, 0, 1)
        self.error_probability = _number("error_probability", error_probability, 0, 1)
        self.broken_probability = _number("broken_probability", broken_probability, 0, 1)
        if isinstance(broken, str) or not all(isinstance(b, str) and b for b in broken):
            raise ValueError(f"broken must be a tuple of non-empty texts, got {broken!r}")
        self.broken = tuple(broken)
        self.input_price = _number("input_price", input_price, 0)
        self.output_price = _number("output_price", output_price, 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.seed = seed
        self._lock = threading.Lock()
        self.reset()

    @property
    def rate_limit(self) -> int:
        """The most requests admitted in any window."""
        return math.floor(self.requests_per_second * self.window + 1e-9)

    @property
    def token_limit(self) -> float:
        """The most prompt tokens admitted in any window (``math.inf`` without a token limit)."""
        return math.inf if self.tokens_per_second is None else math.floor(self.tokens_per_second * self.window + 1e-9)

    @property
    def throughput(self) -> float:
        """The most calls per course-second a client can keep up: the rate, or the cap over the latency.

        Tokens are not counted here: ``steady_wall_time(calls, tokens)`` adds the token limit.
        """
        return min(self.requests_per_second, self.max_in_flight / self.latency if self.latency else math.inf)

    @staticmethod
    def count_tokens(text: str) -> int:
        """The tokens the provider counts in a text (its tokenizer; a real provider's is e.g. tiktoken)."""
        return len(split_tokens(text))

    def steady_wall_time(self, calls: int, tokens: float = 0) -> float:
        """The wall time, in course-seconds, of ``calls`` calls (``tokens`` prompt tokens) at the steady-state rate.

        ``calls / throughput``, or ``tokens / tokens_per_second`` if that is longer. Not a bound: a client
        that bursts a full window at the start gets ahead of it by up to a window (``best_wall_time``).
        """
        token_time = tokens / self.tokens_per_second if self.tokens_per_second else 0.0
        return max(calls / self.throughput, token_time)

    def best_wall_time(self, calls: int, critical_path: int = 1, tokens: float = 0) -> float:
        """A true lower bound, in course-seconds, on the wall time of ``calls`` calls (``tokens`` prompt tokens).

        No schedule does better: the last call starts at the earliest a window after each full window
        of requests (or of tokens) before it, and takes a latency; at most ``max_in_flight`` calls of a
        latency each at once; ``critical_path`` calls in a row.
        """
        if calls <= 0:
            return 0.0
        by_rate = (math.ceil(calls / self.rate_limit) - 1) * self.window + self.latency
        by_tokens = (math.ceil(tokens / self.token_limit) - 1) * self.window + self.latency if tokens > 0 else 0.0
        by_cap = math.ceil(calls / self.max_in_flight) * self.latency
        return max(by_rate, by_tokens, by_cap, critical_path * self.latency)

    def reset(self) -> None:
        """Forget every call and count (the limits and the seed stay)."""
        with self._lock:
            self._running = 0
            self._attempts: deque[tuple[float, int]] = deque()  # (arrival, tokens) in the last window
            self._admitted: deque[tuple[float, int]] = deque()
            self._tokens = {"attempts": 0, "admitted": 0}  # their tokens
            self._tries: Counter = Counter()  # admitted attempts per prompt
            self._answered: set[str] = set()
            self._log: list[dict] = []
            self._counts = Counter(peak_in_flight=0, peak_window=0, peak_window_tokens=0)

    # -- the client's side ---------------------------------------------------------------------
    def chat_model(self, name: str = "provider", **settings: Any) -> "ProviderChatModel":
        """A chat model whose calls go through this provider (answers: ``support_desk.answer``).

        ``settings`` go to the model, e.g. ``rate_limiter=`` (LangChain's ``InMemoryRateLimiter``).
        """
        settings.setdefault("respond", support_desk.answer)
        return ProviderChatModel(provider=self, name=name, latency=self.latency, **settings)

    # -- what a call does ----------------------------------------------------------------------
    def _draw(self, prompt: str, attempt: int, what: str) -> float:
        return random.Random(f"{self.seed}|{prompt}|{attempt}|{what}").random()

    def admit(self, prompt: str) -> int:
        """Admit a call now or raise ``RateLimitError`` (with ``retry_after`` and ``headers``); return its attempt.

        A prompt of more tokens than ``token_limit`` can never be admitted: ``ValueError`` (an HTTP 400).
        """
        window, tokens = scaled(self.window), self.count_tokens(prompt)
        with self._lock:
            now = time.perf_counter()
            for name, times in (("attempts", self._attempts), ("admitted", self._admitted)):
                while times and times[0][0] <= now - window:
                    self._tokens[name] -= times.popleft()[1]
            self._attempts.append((now, tokens))
            self._tokens["attempts"] += tokens
            counts = self._counts
            counts["requests"] += 1
            counts["peak_in_flight"] = max(counts["peak_in_flight"], self._running + 1)
            counts["peak_window"] = max(counts["peak_window"], len(self._attempts))
            counts["peak_window_tokens"] = max(counts["peak_window_tokens"], self._tokens["attempts"])
            if tokens > self.token_limit:
                counts["rejected"] += 1
                self._log.append(self._row(now, now, "rejected", 0, prompt, reason="too large"))
                raise ValueError(f"400 Bad Request: a prompt of {tokens} tokens, more than the {self.token_limit} "
                                 f"tokens per {self.window:g} s")
            if self._running >= self.max_in_flight:
                reason, wait = "in flight", self.latency / 2
                message = f"more than {self.max_in_flight} requests in flight"
            elif len(self._admitted) >= self.rate_limit:
                reason, wait = "requests", (self._admitted[0][0] + window - now) / scaled(1.0)
                message = f"more than {self.rate_limit} requests in {self.window:g} s"
            elif self._tokens["admitted"] + tokens > self.token_limit:
                freed, leave = 0, now
                for arrival, spent in self._admitted:  # the oldest requests leave the window first
                    freed, leave = freed + spent, arrival
                    if self._tokens["admitted"] - freed + tokens <= self.token_limit:
                        break
                reason, wait = "tokens", (leave + window - now) / scaled(1.0)
                message = f"more than {self.token_limit:g} tokens in {self.window:g} s"
            else:
                self._running += 1
                self._admitted.append((now, tokens))
                self._tokens["admitted"] += tokens
                self._tries[prompt] += 1
                _HEADERS.set(self._headers(now))
                return self._tries[prompt]
            counts["rejected"] += 1
            counts[f"rejected {reason}"] += 1
            self._log.append(self._row(now, now, "rejected", 0, prompt, reason=reason, retry_after=wait))
            headers = {**self._headers(now), "retry-after": f"{wait:.3f}"}
        error = RateLimitError(f"429 Too Many Requests: {message}; retry after {wait:.2f} s")
        error.retry_after, error.reason, error.headers = wait, reason, headers
        raise error

    def _headers(self, now: float) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers as of ``now`` (course-seconds; call with the lock held)."""
        window = scaled(self.window)

        def reset(times: deque) -> str:  # until the window is empty again
            return f"{max(0.0, (times[-1][0] + window - now) / scaled(1.0)) if times else 0.0:.3f}s"

        headers = {
            "x-ratelimit-limit-requests": str(self.rate_limit),
            "x-ratelimit-remaining-requests": str(self.rate_limit - len(self._admitted)),
            "x-ratelimit-reset-requests": reset(self._admitted),
        }
        if self.tokens_per_second is not None:
            headers |= {
                "x-ratelimit-limit-tokens": str(self.token_limit),
                "x-ratelimit-remaining-tokens": str(self.token_limit - self._tokens["admitted"]),
                "x-ratelimit-reset-tokens": reset(self._admitted),
            }
        return headers

    def headers(self) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers a request would see now (limits, what remains, when it resets)."""
        window = scaled(self.window)
        with self._lock:
            now = time.perf_counter()
            while self._admitted and self._admitted[0][0] <= now - window:
                self._tokens["admitted"] -= self._admitted.popleft()[1]
            return self._headers(now)

    def wait(self, prompt: str, attempt: int) -> float:
        """The real seconds an admitted call takes (``tail_latency`` for the tail draws)."""
        tail = self._draw(prompt, attempt, "tail") < self.tail_probability
        return scaled(self.tail_latency if tail else self.latency)

    def fails(self, prompt: str, attempt: int) -> bool:
        """Whether this attempt ends in a ``ServerError``: a broken prompt, or a transient draw."""
        about_ticket = support_desk.field(prompt, "Ticket") is not None
        broken = any(text in prompt for text in self.broken) or (
            about_ticket and self._draw(prompt, 0, "broken") < self.broken_probability
        )
        return broken or self._draw(prompt, attempt, "error") < self.error_probability

    def release(self, prompt: str, start: float, attempt: int, status: str, answer: str | None) -> None:
        """An admitted call is over: free its slot, count its tokens if it answered."""
        with self._lock:
            self._running -= 1
            row = self._row(start, time.perf_counter(), status, attempt, prompt)
            if status == "ok":
                row["input_tokens"] = len(split_tokens(prompt))
                row["output_tokens"] = len(split_tokens(answer or ""))
                self._counts["input_tokens"] += row["input_tokens"]
                self._counts["output_tokens"] += row["output_tokens"]
                if prompt in self._answered:
                    self._counts["repeat_tokens"] += row["input_tokens"] + row["output_tokens"]
                self._answered.add(prompt)
            self._counts[status] += 1
            self._log.append(row)

    @staticmethod
    def _row(start: float, end: float, status: str, attempt: int, prompt: str, reason: str = "",
             retry_after: float = math.nan) -> dict:
        return {"start": start, "end": end, "status": status, "attempt": attempt, "prompt": prompt,
                "input_tokens": 0, "output_tokens": 0, "reason": reason, "retry_after": retry_after}

    # -- what the provider counted -------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts so far: requests, ok, error, rejected (and why: rejected_in_flight, rejected_requests,
        rejected_tokens), peak_in_flight (asked for), peak_rate and peak_token_rate (requests and prompt
        tokens asked for, per course-second over the worst window), tokens, repeat_tokens (answers to a
        prompt already answered) and cost (dollars)."""
        with self._lock:
            counts = Counter(self._counts)
        tokens = counts["input_tokens"] + counts["output_tokens"]
        cost = (counts["input_tokens"] * self.input_price + counts["output_tokens"] * self.output_price) / 1e6
        return {
            "requests": counts["requests"],
            "ok": counts["ok"],
            "error": counts["error"],
            "rejected": counts["rejected"],
            **{f"rejected_{reason.replace(' ', '_')}": counts[f"rejected {reason}"] for reason in REASONS},
            "peak_in_flight": counts["peak_in_flight"],
            "peak_rate": counts["peak_window"] / self.window,
            "peak_token_rate": counts["peak_window_tokens"] / self.window,
            "input_tokens": counts["input_tokens"],
            "output_tokens": counts["output_tokens"],
            "tokens": tokens,
            "repeat_tokens": counts["repeat_tokens"],
            "cost": cost,
        }

    def call_log(self) -> pd.DataFrame:
        """Every request so far, in order of start; refused ones have status 'rejected', no duration, a
        ``reason`` (one of ``REASONS``) and the ``retry_after`` the 429 asked for (course-seconds)."""
        with self._lock:
            rows = [dict(row) for row in self._log]
        frame = pd.DataFrame(rows, columns=[c for c in LOG_COLUMNS if c != "duration"])
        frame["duration"] = frame["end"] - frame["start"]
        return frame[LOG_COLUMNS].sort_values("start", kind="stable").reset_index(drop=True)

    def timeline(self, marks: dict[Any, str]) -> pd.DataFrame:
        """One row per mark (a ticket), from its first request to the end of its last, in course-seconds.

        ``marks`` maps a label (a ticket id) to a text only its requests hold (its ticket's text).
        Columns: branch, start, end, duration (times since the first request of the log), status
        ('error' if one of its requests failed or was refused), requests; ``pc.plot_timeline`` draws it.
        """
        log = self.call_log()
        origin = log["start"].min() if len(log) else 0.0
        rows = []
        for label, mark in marks.items():
            mine = log[log["prompt"].str.contains(mark, regex=False)]
            if len(mine):
                rows.append({"branch": str(label), "start": (mine["start"].min() - origin) / scaled(1.0),
                             "end": (mine["end"].max() - origin) / scaled(1.0),
                             "status": "ok" if mine["status"].eq("ok").all() else "error", "requests": len(mine)})
        frame = pd.DataFrame(rows, columns=["branch", "start", "end", "status", "requests"])
        frame["duration"] = frame["end"] - frame["start"]
        return frame[["branch", "start", "end", "duration", "status", "requests"]]

    def __repr__(self) -> str:
        return (f"SimulatedProvider(requests_per_second={self.requests_per_second:g}, "
                f"tokens_per_second={self.tokens_per_second}, window={self.window:g}, "
                f"max_in_flight={self.max_in_flight}, latency={self.latency:g}, seed={self.seed})")


class ProviderChatModel(FakeChatModel):
    """The course's fake chat model, its every call admitted, timed, failed and counted by a provider."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    provider: SimulatedProvider
    failure: FailurePlan | None = FailurePlan("always", error=ServerError, message="500 Internal Server Error")

    def _begin(self, prompt: str) -> tuple[int, int, float]:
        attempt = self.provider.admit(prompt)
        _ATTEMPT.set(attempt)
        number, _, _ = super()._begin(prompt)
        return number, attempt, self.provider.wait(prompt, attempt)

    def _fails(self, number: int, prompt: str, attempt: int) -> bool:
        return self.provider.fails(prompt, attempt)

    def _message(self, prompt: str, answer: str, chunk: bool = False):
        message = super()._message(prompt, answer, chunk)
        message.response_metadata["headers"] = dict(_HEADERS.get() or {})  # the x-ratelimit-* headers on admission
        return message

    def _record(self, prompt: str, start: float, mode: str, status: str) -> None:
        super()._record(prompt, start, mode, status)
        self.provider.release(prompt, start, _ATTEMPT.get(), status, self.answer(prompt) if status == "ok" else None)


@dataclass
class Measurement:
    """What a design did against a fresh provider (times in course-seconds; ``error`` if it raised)."""

    provider: SimulatedProvider
    tickets: list[dict]
    records: list
    digest: Any
    error: str | None
    wall: float
    timeline: pd.DataFrame
    stats: dict[str, Any]

    @property
    def p95(self) -> float:
        """The 95th percentile of the tickets' latencies (first request to end of the last)."""
        return float(self.timeline["duration"].quantile(0.95)) if len(self.timeline) else math.nan

    def tickets_failed(self, attempts: int) -> set:
        """The ids of the tickets with a prompt that failed (a ``ServerError``) at least ``attempts`` times."""
        log = self.provider.call_log()
        failed = log[log["status"] == "error"].groupby("prompt").size()
        prompts = failed[failed >= attempts].index
        return {t["id"] for t in self.tickets if any(t["text"] in prompt for prompt in prompts)}

    def row(self) -> dict[str, Any]:
        """One row of a comparison table."""
        stats = self.stats
        return {
            "wall": self.wall, "p95": self.p95, "peak in flight": stats["peak_in_flight"],
            "peak rate": stats["peak_rate"], "peak tokens/s": stats["peak_token_rate"], "refused": stats["rejected"],
            "tokens": stats["tokens"],
            "paid twice": stats["repeat_tokens"], "cost ($)": stats["cost"], "records": len(self.records),
            "failed records": sum(bool(r.get("error")) for r in self.records if isinstance(r, dict)),
            "error": self.error or "",
        }


_MEMO: dict[tuple, Measurement] = {}


def measure_design(
    run: Callable[[SimulatedProvider, list[dict]], Any], tickets: list[dict], *, memo: bool = False, **settings: Any
) -> Measurement:
    """Run a design, ``run(provider, tickets)`` (sync, or async: it is awaited on a new loop), on a fresh provider.

    ``run`` returns ``{"records": [...], "digest": ...}``; ``settings`` make the provider. An exception
    is kept in ``error``, never raised. ``memo=True`` returns the measurement of an earlier call with
    the same design, tickets and settings (checks that read one run share it).
    """
    if not callable(run):
        raise ValueError(f"run must be a function of (provider, tickets), got {run!r}")
    if not isinstance(tickets, list) or not all(isinstance(t, dict) and {"id", "text"} <= set(t) for t in tickets):
        raise ValueError("tickets must be a list of dicts with 'id' and 'text'")
    key = (run, tuple((t["id"], t["text"]) for t in tickets), tuple(sorted(settings.items())))
    if memo and key in _MEMO:
        return _MEMO[key]
    provider = SimulatedProvider(**settings)
    records, digest, error = [], None, None
    with Timer() as timer:
        try:
            out = run(provider, tickets)
            out = run_in_new_loop(out) if inspect.iscoroutine(out) else out
            records, digest = list(out["records"]), out["digest"]
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
    result = Measurement(
        provider=provider, tickets=tickets, records=records, digest=digest, error=error,
        wall=timer.elapsed / scaled(1.0), timeline=provider.timeline({t["id"]: t["text"] for t in tickets}),
        stats=provider.stats(),
    )
    if memo:
        _MEMO[key] = result
    return result
