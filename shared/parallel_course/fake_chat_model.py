"""A compact, deterministic ``BaseChatModel`` with real latency, streaming and failures."""

import asyncio
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr, model_validator

from .failures import FailurePlan
from .inflight import InFlight
from .timescale import scaled

Respond = Callable[[str], str] | str | Mapping[str, str]


@dataclass(frozen=True)
class CallRecord:
    """One call of a fake model, as its call log keeps it."""

    model: str
    start: float
    end: float
    thread: str
    mode: str
    status: str
    prompt: str


class _CallLog:
    """A model's call counter, attempts per prompt, calls in flight and call records, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[CallRecord] = []
        self.count = 0
        self.attempts: Counter = Counter()
        self.flight = InFlight()


def prompt_text(messages: list[BaseMessage]) -> str:
    """All message texts joined by blank lines: what the responders read."""
    return "\n\n".join(m.text for m in messages)


def jitter_wait(jitter: float, seed: int, prompt: str, attempt: int = 1) -> float:
    """The extra course-seconds in ``[0, jitter]`` a call waits: the same for the same seed, prompt and attempt."""
    return random.Random(f"{seed}|{prompt}|{attempt}|jitter").uniform(0, jitter) if jitter else 0.0


def split_tokens(text: str) -> list[str]:
    """Split text into word-sized tokens that join back to the same text."""
    return re.findall(r"\s*\S+", text) or [text]


def _sleep(seconds: float) -> None:
    """``time.sleep``, skipped for a zero wait (``time.sleep(0)`` still costs a system call)."""
    if seconds > 0:
        time.sleep(seconds)


class FakeChatModel(BaseChatModel):
    """A chat model that answers deterministically from its input, after a real wait.

    ``respond`` computes the answer: a function of the prompt text, a constant string, or
    keyword rules (``{"refund": "billing", "*": "other"}``: the first key found in the
    prompt wins, ``"*"`` is the fallback). ``latency`` is the wait before the first token
    and ``token_delay`` the wait for each further token, in seconds before the course's
    time scale; ``jitter`` adds a seeded random extra wait in ``[0, jitter]``. ``failure``
    injects errors. Sync calls sleep with ``time.sleep``, async calls with ``asyncio.sleep``.
    """

    model_config = ConfigDict(extra="forbid")  # a misspelt setting is an error, not a no-op

    respond: Respond = "OK"
    latency: float = 0.5
    jitter: float = 0.0
    token_delay: float = 0.0
    seed: int = 0
    failure: FailurePlan | None = None

    # One private attribute for all the mutable state: pydantic's private-attribute
    # access is slow, and it used to be a large share of a zero-latency call.
    _log: _CallLog = PrivateAttr(default_factory=_CallLog)

    @model_validator(mode="after")
    def _check_parameters(self) -> "FakeChatModel":
        for field in ("latency", "jitter", "token_delay"):
            value = getattr(self, field)
            if not math.isfinite(value) or value < 0:  # nan and inf would break or hang the sleeps
                raise ValueError(f"{field} must be a finite number >= 0 seconds, got {value!r}")
        if isinstance(self.respond, (str, Mapping)) and not self.respond:
            raise ValueError("respond must not be empty: give an answer, a function or rules")
        return self

    @property
    def _llm_type(self) -> str:
        return "course-fake-chat-model"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"name": self.name, "latency": self.latency, "seed": self.seed}

    # -- answers ---------------------------------------------------------------
    def answer(self, prompt: str) -> str:
        """The text this model answers to ``prompt``."""
        if callable(self.respond):
            return self.respond(prompt)
        if isinstance(self.respond, str):
            return self.respond
        lowered = prompt.lower()
        for key, value in self.respond.items():
            if key != "*" and key.lower() in lowered:
                return value
        return self.respond.get("*", "I don't know.")

    def _begin(self, prompt: str) -> tuple[int, int, float]:
        """Count the call; return (call number, attempt for this prompt, first-token wait)."""
        log = self._log
        with log.lock:
            log.count += 1
            log.attempts[prompt] += 1
            log.flight.enter()
            number, attempt = log.count, log.attempts[prompt]
        return number, attempt, scaled(self.latency + jitter_wait(self.jitter, self.seed, prompt, attempt))

    @property
    def in_flight_counter(self) -> InFlight:
        """This model's calls in flight (``pc.gate`` holds them through it)."""
        return self._log.flight

    @property
    def peak_in_flight(self) -> int:
        """The most calls inside this model at the same moment since the last ``reset()``, counted exactly."""
        with self._log.lock:
            return self._log.flight.peak

    def _record(self, prompt: str, start: float, mode: str, status: str) -> None:
        record = CallRecord(
            model=self.name or "fake",
            start=start,
            end=time.perf_counter(),
            thread=threading.current_thread().name,
            mode=mode,
            status=status,
            prompt=prompt,
        )
        log = self._log
        with log.lock:
            log.calls.append(record)
            log.flight.leave()

    def _token_wait(self, answer: str) -> float:
        """The extra wait for the answer's tokens after the first one."""
        return scaled(self.token_delay) * (len(split_tokens(answer)) - 1) if self.token_delay else 0.0

    def _fails(self, number: int, prompt: str, attempt: int) -> bool:
        return self.failure is not None and self.failure.fails_call(number, self.seed, prompt, attempt)

    def _message(self, prompt: str, answer: str, chunk: bool = False) -> AIMessage:
        usage = {
            "input_tokens": len(split_tokens(prompt)),
            "output_tokens": len(split_tokens(answer)),
        }
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        cls = AIMessageChunk if chunk else AIMessage
        # model_name lets LangChain's usage callback (get_usage_metadata_callback) count this answer
        metadata = {"model_name": self.name or "fake"}
        return cls(content=answer if not chunk else "", usage_metadata=usage, response_metadata=metadata)

    # -- sync ------------------------------------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt, start = prompt_text(messages), time.perf_counter()
        number, attempt, wait = self._begin(prompt)
        status = "error"
        try:
            if gate := self._log.flight.gate:
                gate.wait()
            answer = self.answer(prompt)
            _sleep(wait + self._token_wait(answer))
            if self._fails(number, prompt, attempt):
                raise self.failure.exception(f"{self.name or 'fake'} call {number}")
            status = "ok"
            return ChatResult(generations=[ChatGeneration(message=self._message(prompt, answer))])
        finally:
            self._record(prompt, start, "sync", status)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        prompt, start = prompt_text(messages), time.perf_counter()
        number, attempt, wait = self._begin(prompt)
        status = "error"
        try:
            if gate := self._log.flight.gate:
                gate.wait()
            answer = self.answer(prompt)
            _sleep(wait)
            for index, chunk in enumerate(self._chunks(prompt, answer, number, attempt)):
                if index:
                    _sleep(scaled(self.token_delay))
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
            status = "ok"
        finally:
            self._record(prompt, start, "sync", status)

    def _chunks(self, prompt: str, answer: str, number: int, attempt: int) -> Iterator[ChatGenerationChunk]:
        """The answer's token chunks, failing where the failure plan says."""
        if self._fails(number, prompt, attempt):
            raise self.failure.exception(f"{self.name or 'fake'} call {number}")
        tokens = split_tokens(answer)
        for index, token in enumerate(tokens, start=1):
            if self.failure is not None and self.failure.mode == "on_chunk" and index == self.failure.n:
                raise self.failure.exception(f"{self.name or 'fake'} call {number}, chunk {index}")
            message = AIMessageChunk(content=token)
            if index == len(tokens):
                message = message + self._message(prompt, answer, chunk=True)
            yield ChatGenerationChunk(message=message)

    # -- async -----------------------------------------------------------------
    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt, start = prompt_text(messages), time.perf_counter()
        number, attempt, wait = self._begin(prompt)
        status = "error"
        try:
            if gate := self._log.flight.gate:
                await gate.await_others()
            answer = self.answer(prompt)
            await asyncio.sleep(wait + self._token_wait(answer))
            if self._fails(number, prompt, attempt):
                raise self.failure.exception(f"{self.name or 'fake'} call {number}")
            status = "ok"
            return ChatResult(generations=[ChatGeneration(message=self._message(prompt, answer))])
        finally:
            self._record(prompt, start, "async", status)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        prompt, start = prompt_text(messages), time.perf_counter()
        number, attempt, wait = self._begin(prompt)
        status = "error"
        try:
            if gate := self._log.flight.gate:
                await gate.await_others()
            answer = self.answer(prompt)
            await asyncio.sleep(wait)
            for index, chunk in enumerate(self._chunks(prompt, answer, number, attempt)):
                if index:
                    await asyncio.sleep(scaled(self.token_delay))
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
            status = "ok"
        finally:
            self._record(prompt, start, "async", status)

    # -- call log --------------------------------------------------------------
    def call_log(self) -> pd.DataFrame:
        """Every call so far: model, start, end, duration, thread, mode, status, prompt."""
        log = self._log
        with log.lock:
            rows = [vars(record) for record in log.calls]
        frame = pd.DataFrame(rows, columns=list(CallRecord.__dataclass_fields__))
        frame["duration"] = frame["end"] - frame["start"]
        return frame

    def reset(self) -> None:
        """Forget the call log, the call counter, the attempts per prompt and the peak in flight."""
        log = self._log
        with log.lock:
            log.calls.clear()
            log.count = 0
            log.attempts.clear()
            log.flight.reset()
