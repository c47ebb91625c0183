"""See inside a run: every run's name and tags (``record_runs``), a stream's chunks (``record_stream``).

``TimelineRecorder`` keeps only the parallel branches and their times. These helpers
keep what the lesson on naming and the lesson on streaming need: the name, type and tags
of *every* run (so a test can check ``run_name`` and ``tags`` set with ``with_config``),
and each streamed chunk with its arrival time and the branch it belongs to.
"""

import time
from collections.abc import Iterator, Mapping
from typing import Any
from uuid import UUID

import pandas as pd
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.utils import AddableDict

from .figures import course_seconds, new_figure, time_label
from .timeline import RunCallbacks, branch_key, invoke_recorded

RUN_COLUMNS = [
    "name", "run_type", "branch", "tags", "parent", "depth",
    "start", "end", "status", "run_id", "parent_run_id",
]
STREAM_COLUMNS = ["t", "key", "text", "chunk"]


class RunRecorder(RunCallbacks):
    """A callback handler that records every run: its name, type, tags and parent.

    ``branch`` is the key of the ``map:key:<name>`` tag a ``RunnableParallel`` puts on
    each branch's top run (None for other runs); ``parent`` is the parent run's name and
    ``depth`` how deep the run sits (0 for the outermost). Times are seconds since the
    recorder was made (or last reset). Pass it as ``config={"callbacks": [recorder]}``.
    """

    def _start(self, run_type: str, serialized: Any, run_id: UUID, parent_run_id: UUID | None, tags, kwargs) -> None:
        now = time.perf_counter() - self.t0
        name = kwargs.get("name") or _serialized_name(serialized) or run_type
        tags = tuple(tags or ())
        with self._lock:
            parent = self._rows.get(parent_run_id) if parent_run_id is not None else None
            self._rows[run_id] = {
                "name": name,
                "run_type": run_type,
                "branch": branch_key(tags),
                "tags": tags,
                "parent": parent["name"] if parent else None,
                "depth": parent["depth"] + 1 if parent else 0,
                "start": now,
                "run_id": str(run_id),
                "parent_run_id": str(parent_run_id) if parent_run_id else None,
            }

    def to_frame(self) -> pd.DataFrame:
        """Every run seen so far (finished or not), one row each, in order of start."""
        with self._lock:
            rows = [dict(row) for row in self._rows.values()]
        frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
        return frame.sort_values("start", kind="stable").reset_index(drop=True)


def _serialized_name(serialized: Any) -> str | None:
    if not isinstance(serialized, Mapping):
        return None
    if serialized.get("name"):
        return serialized["name"]
    ids = serialized.get("id")
    return ids[-1] if isinstance(ids, list) and ids else None


def record_runs(
    runnable: Runnable, input: Any, config: RunnableConfig | None = None
) -> tuple[Any, pd.DataFrame]:
    """Invoke ``runnable`` and return ``(output, runs)``: one row per run, see ``RunRecorder``."""
    return invoke_recorded(RunRecorder(), runnable, input, config)


# -- streams ---------------------------------------------------------------------------


def chunk_key(chunk: Any) -> str:
    """The branch a streamed chunk belongs to: its dict keys, nested parallels as ``outer.inner``.

    A ``RunnableParallel`` streams ``AddableDict`` chunks with one key each; a nested
    parallel's chunk is an ``AddableDict`` inside one, so it is labelled ``outer.inner``.
    A chunk that is not a dict has the key ``""``.
    """
    if not isinstance(chunk, Mapping):
        return ""
    if len(chunk) == 1:
        (key, value), = chunk.items()
        if isinstance(value, AddableDict) and len(value) == 1:
            return f"{key}.{chunk_key(value)}"
        return str(key)
    return ",".join(str(k) for k in chunk)


def chunk_text(chunk: Any) -> str:
    """A short text for a chunk: a message's content, the single value of a one-key dict."""
    while isinstance(chunk, Mapping) and len(chunk) == 1:
        (chunk,) = chunk.values()
    content = getattr(chunk, "content", None)
    return content if isinstance(content, str) else str(chunk)


def _stream_row(t: float, chunk: Any) -> dict[str, Any]:
    return {"t": t, "key": chunk_key(chunk), "text": chunk_text(chunk), "chunk": chunk}


def _merge(merged: Any, chunk: Any) -> Any:
    return chunk if merged is None else merged + chunk


def record_stream(
    runnable: Runnable, input: Any, config: RunnableConfig | None = None
) -> tuple[Any, pd.DataFrame]:
    """Stream ``runnable`` and return ``(merged, chunks)``.

    ``merged`` is every chunk added up with ``+`` (how LangChain itself rebuilds a final
    output from a stream); ``chunks`` has one row per chunk: ``t`` (seconds since the
    stream started), ``key`` (see ``chunk_key``), ``text`` and the ``chunk`` itself.
    """
    return _collect(runnable.stream(input, config))


def _collect(stream: Iterator[Any]) -> tuple[Any, pd.DataFrame]:
    start, rows, merged = time.perf_counter(), [], None
    for chunk in stream:
        rows.append(_stream_row(time.perf_counter() - start, chunk))
        merged = _merge(merged, chunk)
    return merged, pd.DataFrame(rows, columns=STREAM_COLUMNS)


def switches(chunks: pd.DataFrame) -> int:
    """How many times consecutive chunks of a stream change branch (0: no interleaving)."""
    keys = list(chunks["key"])
    return sum(a != b for a, b in zip(keys, keys[1:], strict=False))


def plot_stream(chunks: pd.DataFrame, ax=None, title: str | None = None, labels: bool = True):
    """One row per branch, a dot per chunk at its arrival time (its text above it); return the figure."""
    keys = list(dict.fromkeys(chunks["key"]))
    if ax is None:
        fig = new_figure(9, 0.6 * max(len(keys), 2) + 1.4)
        ax = fig.add_subplot()
    rows = {key: index for index, key in enumerate(keys)}
    y = chunks["key"].map(rows)
    colours = [f"C{rows[key] % 10}" for key in chunks["key"]]
    arrivals = course_seconds(chunks["t"])
    ax.scatter(arrivals, y, marker="o", s=30, color=colours, zorder=3)
    for key, index in rows.items():
        times = arrivals[chunks["key"] == key]
        ax.hlines(index, times.min(), times.max(), color=f"C{index % 10}", alpha=0.3, linewidth=6)
    if labels:
        for t, row, text in zip(arrivals, y, chunks["text"], strict=True):
            if text.strip():
                ax.annotate(text.strip()[:14], (t, row), xytext=(0, 7), textcoords="offset points",
                            rotation=40, fontsize=7, ha="left", va="bottom")
    ax.set_yticks(range(len(keys)), keys)
    ax.set_ylim(len(keys) - 0.4, -0.6)
    ax.set_xlim(left=0)
    ax.set_xlabel(time_label("since the stream started"))
    ax.set_title(title or f"Streamed chunks by branch ({len(chunks)} chunks)")
    return ax.figure
