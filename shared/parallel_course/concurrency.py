"""See concurrency: the default pool's size, a blocking function with a call log, event-loop stalls, a coroutine
run on a fresh loop."""

import asyncio
import math
import os
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .inflight import InFlight
from .timescale import scaled

LOG_COLUMNS = ["name", "start", "end", "duration", "thread"]


def usable_cpus() -> int:
    """The CPUs the running interpreter's thread pool counts, as ``concurrent/futures/thread.py`` reads them.

    Python 3.13 and later: ``os.process_cpu_count()``, the CPUs this process may run on (fewer than the
    machine has when it is pinned to some cores); up to 3.12: ``os.cpu_count()``, all of the machine's.
    """
    count = getattr(os, "process_cpu_count", os.cpu_count)()
    return count or 1


def default_pool_size() -> int:
    """The threads a ``ThreadPoolExecutor()`` gets with no ``max_workers``: ``min(32, usable_cpus() + 4)``.

    That is the pool ``RunnableParallel.invoke`` and ``batch`` open when the config sets no
    ``max_concurrency`` (langchain-core's ``get_executor_for_config``).
    """
    return min(32, usable_cpus() + 4)


@dataclass(frozen=True)
class _Call:
    name: str
    start: float
    end: float
    thread: str


class BlockingIO:
    """A plain sync function that waits like a blocking client call and logs every call.

    It stands for the sync-only code a chain often holds: a legacy SDK, a database
    driver, ``requests.get``. Calling it sleeps ``latency`` course-seconds with
    ``time.sleep`` (holding its thread, not the GIL) and returns ``respond(value)``
    (by default the value itself). ``call_log()`` says when each call ran and on which
    thread, like a fake chat model's call log, so ``peak_concurrency`` works on it.
    """

    def __init__(
        self, latency: float = 0.5, *, name: str = "blocking_io", respond: Callable[[Any], Any] | None = None
    ):
        if not isinstance(latency, (int, float)) or not math.isfinite(latency) or latency < 0:
            raise ValueError(f"latency must be a finite number >= 0 course-seconds, got {latency!r}")
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if respond is not None and not callable(respond):
            raise ValueError(f"respond must be a function of the input or None, got {respond!r}")
        self.latency = float(latency)
        self.name = name
        self.respond = respond
        self.__name__ = name  # RunnableLambda names its run after the function
        self._lock = threading.Lock()
        self._calls: list[_Call] = []
        self.in_flight_counter = InFlight()  # pc.gate holds the calls through it

    def __call__(self, value: Any) -> Any:
        start = time.perf_counter()
        with self._lock:
            self.in_flight_counter.enter()
        try:
            if gate := self.in_flight_counter.gate:
                gate.wait()
            if self.latency:
                time.sleep(scaled(self.latency))
            return value if self.respond is None else self.respond(value)
        finally:
            call = _Call(self.name, start, time.perf_counter(), threading.current_thread().name)
            with self._lock:
                self._calls.append(call)
                self.in_flight_counter.leave()

    @property
    def peak_in_flight(self) -> int:
        """The most calls inside at the same moment since the last ``reset()``, counted exactly."""
        with self._lock:
            return self.in_flight_counter.peak

    def call_log(self) -> pd.DataFrame:
        """Every call so far, in order of start: name, start, end, duration, thread."""
        with self._lock:
            rows = [vars(call) for call in self._calls]
        frame = pd.DataFrame(rows, columns=["name", "start", "end", "thread"])
        frame["duration"] = frame["end"] - frame["start"]
        return frame[LOG_COLUMNS].sort_values("start", kind="stable").reset_index(drop=True)

    def reset(self) -> None:
        """Forget the call log and the peak in flight."""
        with self._lock:
            self._calls.clear()
            self.in_flight_counter.reset()

    def __repr__(self) -> str:
        return f"BlockingIO(latency={self.latency!r}, name={self.name!r})"


class LoopWatch:
    """Measure how long the running event loop gets blocked.

    ``async with LoopWatch() as watch: ...`` runs a background task that wakes up every
    ``interval`` real seconds. ``max_gap`` is the longest time between two wake-ups (the
    block's end counts as one): about ``interval`` while the loop is free, and as long as
    the longest blocking call when something holds the loop.
    """

    def __init__(self, interval: float = 0.002):
        if not isinstance(interval, (int, float)) or not math.isfinite(interval) or interval <= 0:
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
        self.interval = float(interval)
        self._ticks: list[float] = []
        self._task: asyncio.Task | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self._ticks.append(time.perf_counter())

    async def __aenter__(self) -> "LoopWatch":
        self._ticks = [time.perf_counter()]
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._ticks.append(time.perf_counter())
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    @property
    def ticks(self) -> list[float]:
        """The wake-up times, in seconds since the block started (the first is 0)."""
        return [t - self._ticks[0] for t in self._ticks]

    @property
    def max_gap(self) -> float:
        """The longest time between two wake-ups, in seconds (0 before the block ran)."""
        return max((b - a for a, b in zip(self._ticks, self._ticks[1:], strict=False)), default=0.0)


def run_in_new_loop(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` on a new event loop in a worker thread and return its result.

    ``asyncio.run`` refuses to start where a loop is already running (in Jupyter, say);
    a worker thread has no loop, so it works there. Use it from sync code that must
    drive async code inside a notebook, such as an exercise check. The coroutine runs
    on a loop of its own: asyncio objects bound to the notebook's loop will not work in it.
    """
    if not asyncio.iscoroutine(coroutine):
        raise ValueError(f"coroutine must be a coroutine object (call the async function), got {coroutine!r}")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="new-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
