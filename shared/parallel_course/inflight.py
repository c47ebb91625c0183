"""Calls in flight, counted exactly and held at a gate: claims about "at once" that no clock decides.

Every fake model and ``BlockingIO`` counts its calls in flight under a lock: ``peak_in_flight`` is the
most that were inside at the same moment since the last ``reset()``. ``with pc.gate(n, model): ...``
holds each call until ``n`` calls wait together, then opens for good: ``n`` calls that run at once meet
there, whatever the machine's load; calls that run one after another never do, and the block fails
saying so.
"""

import asyncio
import math
import numbers
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_TIMEOUT = 3.0  # real seconds a call waits for the others before the gate gives up


class InFlight:
    """A counter of calls inside, and the most inside at once, for one recorder (behind its lock)."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.gate: Gate | None = None

    def enter(self) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        self.now -= 1

    def reset(self) -> None:
        self.peak = self.now


class Gate:
    """A gate that opens, for good, once ``parties`` calls wait at it (sync calls in threads, async calls on
    any loop). A call that waits ``timeout`` real seconds without the others arriving breaks it: it and
    every later call go through, and ``most_waiting`` says how many waited together at most.
    """

    def __init__(self, parties: int, timeout: float = DEFAULT_TIMEOUT):
        if not isinstance(parties, numbers.Integral) or isinstance(parties, bool) or parties < 1:
            raise ValueError(f"parties must be an integer >= 1, got {parties!r}")
        parties = int(parties)
        if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.parties, self.timeout = parties, float(timeout)
        self.opened = False
        self.most_waiting = 0  # the most calls that waited together
        self.broken = False
        self._cond = threading.Condition()
        self._waiting = 0
        self._futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []

    def _arrive(self) -> None:
        """Count a call in (under the lock); open if it is the last one the gate waits for."""
        self._waiting += 1
        self.most_waiting = max(self.most_waiting, self._waiting)
        if self._waiting == self.parties:
            self._release(broken=False)

    def _release(self, broken: bool) -> None:
        self.broken |= broken
        self.opened |= not broken
        self._waiting = 0
        self._cond.notify_all()
        for loop, future in self._futures:
            loop.call_soon_threadsafe(lambda f=future: f.done() or f.set_result(None))
        self._futures = []

    def wait(self) -> None:
        """Wait (in a thread) until ``parties`` calls wait, or the gate breaks."""
        with self._cond:
            if self.opened or self.broken:
                return
            self._arrive()
            if not self._cond.wait_for(lambda: self.opened or self.broken, timeout=self.timeout):
                self._release(broken=True)

    async def await_others(self) -> None:
        """Wait (on an event loop) until ``parties`` calls wait, or the gate breaks."""
        future = asyncio.get_running_loop().create_future()
        with self._cond:
            if self.opened or self.broken:
                return
            self._futures.append((asyncio.get_running_loop(), future))
            self._arrive()
        try:
            await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            with self._cond:
                if not (self.opened or self.broken):
                    self._release(broken=True)

    def __repr__(self) -> str:
        state = "broken" if self.broken else "open" if self.opened else "closed"
        return f"Gate(parties={self.parties}, {state})"


@contextmanager
def gate(parties: int, *recorders, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Gate]:
    """Hold the calls of ``recorders`` (fake models, ``BlockingIO``) at one gate inside the block, until
    ``parties`` of them wait together; then it opens for good.

    Calls that run at once meet there and go on; if they never gather (they ran one after another), the
    block raises ``AssertionError`` saying how many met. With ``peak_in_flight`` it proves a cap exactly:
    a gate of the cap opens (it is reached) and the peak equals it (never more).
    """
    if not recorders:
        raise ValueError("recorders: name at least one fake model or BlockingIO to hold")
    for recorder in recorders:
        if not isinstance(getattr(recorder, "in_flight_counter", None), InFlight):
            raise ValueError(f"recorders: {recorder!r} is not a course fake model or BlockingIO")
    held = Gate(parties, timeout)
    counters = [recorder.in_flight_counter for recorder in recorders]
    for counter in counters:
        counter.gate = held
    try:
        yield held
    finally:
        for counter in counters:
            counter.gate = None
    if held.broken:
        met = f"at most {held.most_waiting} of them" if held.most_waiting > 1 else "only one at a time"
        raise AssertionError(
            f"{parties} calls never ran at once: the gate waited {held.timeout:g} s for {parties} and {met} came"
        )
