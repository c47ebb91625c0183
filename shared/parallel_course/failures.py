"""Failure injection for the fake chat model: when to fail, and with which exception."""

import random
from dataclasses import dataclass

MODES = ("always", "every_nth", "first_n", "probability", "on_chunk")


class RateLimitError(Exception):
    """Like a provider's HTTP 429: transient, worth retrying after a pause.

    ``retry_after``: the pause the provider asks for, in course-seconds (None if it does not say);
    set on the instance by who raises it (``pc.SimulatedProvider`` does). No constructor of its
    own: the real-model mode's error also derives from openai's, whose constructor takes keywords.
    """

    retry_after: float | None = None


class ModelTimeoutError(TimeoutError):
    """Like a request that took too long: transient."""


class ServerError(Exception):
    """Like a provider's HTTP 500."""


@dataclass(frozen=True)
class FailurePlan:
    """When a fake model call fails.

    mode: "always"; "every_nth" (calls n, 2n, ... of the model fail); "first_n" (the first
    n calls fail, later ones succeed: a transient outage); "probability" (each call fails
    with probability p, drawn from the seed, the prompt and the attempt number, so it does
    not depend on thread timing); "on_chunk" (streams fail on chunk number n, 1-based;
    non-streamed calls succeed).
    """

    mode: str
    n: int | None = None
    p: float | None = None
    error: type[BaseException] = RateLimitError
    message: str = "injected failure"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.mode in ("every_nth", "first_n", "on_chunk") and (
            not isinstance(self.n, int) or self.n < 1
        ):
            raise ValueError(f"n must be a positive integer for mode {self.mode!r}, got {self.n!r}")
        if self.mode == "probability" and (
            self.p is None or not 0.0 <= self.p <= 1.0
        ):
            raise ValueError(f"p must be a probability in [0, 1], got {self.p!r}")
        if not (isinstance(self.error, type) and issubclass(self.error, BaseException)):
            raise ValueError(f"error must be an exception class, got {self.error!r}")

    def fails_call(self, call_number: int, seed: int, prompt: str, attempt: int) -> bool:
        """Whether call ``call_number`` (1-based, per model) fails before answering."""
        if self.mode == "always":
            return True
        if self.mode == "every_nth":
            return call_number % self.n == 0
        if self.mode == "first_n":
            return call_number <= self.n
        if self.mode == "probability":
            return random.Random(f"{seed}|{prompt}|{attempt}").random() < self.p
        return False

    def exception(self, where: str) -> BaseException:
        """The exception to raise, its message saying where it happened."""
        return self.error(f"{self.message} ({where})")


def fail_always(error: type[BaseException] = RateLimitError, message: str = "injected failure") -> FailurePlan:
    """Every call fails."""
    return FailurePlan("always", error=error, message=message)


def fail_every(n: int, error: type[BaseException] = RateLimitError, message: str = "injected failure") -> FailurePlan:
    """Calls n, 2n, 3n, ... fail."""
    return FailurePlan("every_nth", n=n, error=error, message=message)


def fail_first(n: int, error: type[BaseException] = RateLimitError, message: str = "injected failure") -> FailurePlan:
    """The first n calls fail; later calls succeed (a transient outage)."""
    return FailurePlan("first_n", n=n, error=error, message=message)


def fail_with_probability(
    p: float, error: type[BaseException] = RateLimitError, message: str = "injected failure"
) -> FailurePlan:
    """Each call fails with probability p (reproducible under the model's seed)."""
    return FailurePlan("probability", p=p, error=error, message=message)


def fail_on_chunk(n: int, error: type[BaseException] = ServerError, message: str = "stream broke") -> FailurePlan:
    """Streams raise on their n-th chunk (1-based); non-streamed calls succeed."""
    return FailurePlan("on_chunk", n=n, error=error, message=message)
