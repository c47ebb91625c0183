"""Record when each branch of a run starts and ends, and draw it as a Gantt chart."""

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

import pandas as pd
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.runnables.base import coerce_to_runnable
from langchain_core.runnables.config import patch_config

from .fake_chat_model import FakeChatModel
from .figures import course_seconds, new_figure, time_label

BRANCH_TAG = "map:key:"
# LangGraph puts these on every run inside a task (a node's run, a Send, a functional @task)
GRAPH_NODE, GRAPH_TASK = "langgraph_node", "langgraph_checkpoint_ns"
COLUMNS = ["branch", "start", "end", "duration", "status", "error", "thread", "run_id", "parent_run_id"]


class RunCallbacks(BaseCallbackHandler):
    """The callbacks of a recorder: every run's start goes to ``_start``, its end or error to ``_end``.

    Keeps one row per recorded run in ``_rows`` (a subclass's ``_start`` decides which
    runs); ``_end`` adds ``end``, ``status`` and ``error`` to a row. Times are seconds since
    the recorder was made (or last reset).
    """

    run_inline = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every recorded run and restart the clock."""
        with self._lock:
            self.t0 = time.perf_counter()
            self._rows: dict[UUID, dict[str, Any]] = {}

    def _start(self, run_type: str, serialized: Any, run_id: UUID, parent_run_id: UUID | None, tags, kwargs) -> None:
        raise NotImplementedError

    def _end(self, run_id: UUID, error: BaseException | None = None) -> None:
        now = time.perf_counter() - self.t0
        with self._lock:
            row = self._rows.get(run_id)
            if row is not None and "end" not in row:
                row["end"] = now
                row["status"] = "ok" if error is None else "error"
                row["error"] = None if error is None else f"{type(error).__name__}: {error}"

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, tags=None, **kwargs):
        self._start("chain", serialized, run_id, parent_run_id, tags, kwargs)

    def on_chat_model_start(self, serialized, messages, *, run_id, parent_run_id=None, tags=None, **kwargs):
        self._start("chat_model", serialized, run_id, parent_run_id, tags, kwargs)

    def on_llm_start(self, serialized, prompts, *, run_id, parent_run_id=None, tags=None, **kwargs):
        self._start("llm", serialized, run_id, parent_run_id, tags, kwargs)

    def on_tool_start(self, serialized, input_str, *, run_id, parent_run_id=None, tags=None, **kwargs):
        self._start("tool", serialized, run_id, parent_run_id, tags, kwargs)

    def on_retriever_start(self, serialized, query, *, run_id, parent_run_id=None, tags=None, **kwargs):
        self._start("retriever", serialized, run_id, parent_run_id, tags, kwargs)

    def on_chain_end(self, outputs, *, run_id, **kwargs):
        self._end(run_id)

    def on_llm_end(self, response, *, run_id, **kwargs):
        self._end(run_id)

    def on_tool_end(self, output, *, run_id, **kwargs):
        self._end(run_id)

    def on_retriever_end(self, documents, *, run_id, **kwargs):
        self._end(run_id)

    def on_chain_error(self, error, *, run_id, **kwargs):
        self._end(run_id, error)

    def on_llm_error(self, error, *, run_id, **kwargs):
        self._end(run_id, error)

    def on_tool_error(self, error, *, run_id, **kwargs):
        self._end(run_id, error)

    def on_retriever_error(self, error, *, run_id, **kwargs):
        self._end(run_id, error)


def branch_key(tags) -> str | None:
    """The key of the ``map:key:<name>`` tag ``RunnableParallel`` puts on a branch's top run, or None."""
    return next((t[len(BRANCH_TAG) :] for t in tags or () if t.startswith(BRANCH_TAG)), None)


class TimelineRecorder(RunCallbacks):
    """A callback handler that records every parallel branch's start and end.

    Branches are the runs LangChain tags ``map:key:<name>`` (chains, models, tools,
    retrievers) and LangGraph's tasks (a node, a ``Send``, a functional ``@task``: the
    first run of each task, labelled with its node's name; each retry attempt is a row).
    A branch nested inside another is labelled ``outer.inner``. Times are seconds since
    the recorder was made (or last reset). Pass it as ``config={"callbacks": [recorder]}``.
    """

    def reset(self) -> None:
        """Forget every recorded run and restart the clock."""
        with self._lock:
            self._parents: dict[UUID, UUID | None] = {}
            self._tasks: dict[str, UUID] = {}  # LangGraph task -> the run of its latest attempt
        super().reset()

    def _graph_task(self, run_id: UUID, kwargs) -> str | None:
        """The node's name if this run is a LangGraph task's (new) attempt, else None."""
        metadata = kwargs.get("metadata") or {}
        task, node = metadata.get(GRAPH_TASK), metadata.get(GRAPH_NODE)
        if not task or node is None or str(node).startswith("__"):
            return None  # not in a graph, or LangGraph's own __start__ (which routes a Send)
        latest = self._tasks.get(task)
        if latest is not None and "end" not in self._rows.get(latest, {"end": None}):
            return None  # a run inside the task's attempt
        self._tasks[task] = run_id
        return str(node)

    def _label(self, run_id: UUID, key: str) -> str:
        parent = self._parents.get(run_id)
        while parent is not None:
            if parent in self._rows:
                return f"{self._rows[parent]['branch']}.{key}"
            parent = self._parents.get(parent)
        return key

    def _start(self, run_type: str, serialized: Any, run_id: UUID, parent_run_id: UUID | None, tags, kwargs) -> None:
        now = time.perf_counter() - self.t0
        with self._lock:
            self._parents[run_id] = parent_run_id
            key = branch_key(tags)
            if key is None:
                key = self._graph_task(run_id, kwargs)
            if key is not None:
                self._rows[run_id] = {
                    "branch": self._label(run_id, key),
                    "start": now,
                    "thread": threading.current_thread().name,
                    "run_id": str(run_id),
                    "parent_run_id": str(parent_run_id) if parent_run_id else None,
                }

    def to_frame(self) -> pd.DataFrame:
        """The finished branches, one row each, in order of start."""
        with self._lock:
            rows = [dict(row) for row in self._rows.values() if "end" in row]
        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame["duration"] = frame["end"] - frame["start"]
        return frame.sort_values("start", kind="stable").reset_index(drop=True)


def record_timeline(runnable: Runnable, input: Any, config: RunnableConfig | None = None) -> tuple[Any, pd.DataFrame]:
    """Invoke ``runnable`` and return ``(output, timeline)``.

    If the run raises, the exception propagates; use a ``TimelineRecorder`` directly to
    keep the timeline of a failed run.
    """
    return invoke_recorded(TimelineRecorder(), runnable, input, config)


async def arecord_timeline(
    runnable: Runnable, input: Any, config: RunnableConfig | None = None
) -> tuple[Any, pd.DataFrame]:
    """Await ``runnable.ainvoke`` and return ``(output, timeline)``."""
    return await ainvoke_recorded(TimelineRecorder(), runnable, input, config)


def _with_callback(config: RunnableConfig | None, handler: BaseCallbackHandler) -> RunnableConfig:
    config = dict(config or {})
    config["callbacks"] = [*(config.get("callbacks") or []), handler]
    return config


def invoke_recorded(recorder, runnable: Runnable, input: Any, config: RunnableConfig | None = None):
    """Invoke ``runnable`` with ``recorder`` as an extra callback; return ``(output, recorder.to_frame())``."""
    output = runnable.invoke(input, _with_callback(config, recorder))
    return output, recorder.to_frame()


async def ainvoke_recorded(recorder, runnable: Runnable, input: Any, config: RunnableConfig | None = None):
    """Like ``invoke_recorded`` with ``ainvoke`` (use with ``await``)."""
    output = await runnable.ainvoke(input, _with_callback(config, recorder))
    return output, recorder.to_frame()


def sequential(branches: Mapping[str, Any] | None = None, **kwargs: Any) -> Runnable:
    """A twin of ``RunnableParallel`` that runs its branches one after another.

    Same input to every branch, same dict out, same ``map:key:<name>`` tags, so a
    timeline of it lines up with the parallel one.
    """
    steps = {key: coerce_to_runnable(step) for key, step in {**(branches or {}), **kwargs}.items()}
    if not steps:
        raise ValueError("branches must name at least one branch")

    def run_in_sequence(value: Any, run_manager, config: RunnableConfig) -> dict[str, Any]:
        return {
            key: step.invoke(value, patch_config(config, callbacks=run_manager.get_child(f"{BRANCH_TAG}{key}")))
            for key, step in steps.items()
        }

    async def arun_in_sequence(value: Any, run_manager, config: RunnableConfig) -> dict[str, Any]:
        return {
            key: await step.ainvoke(value, patch_config(config, callbacks=run_manager.get_child(f"{BRANCH_TAG}{key}")))
            for key, step in steps.items()
        }

    return RunnableLambda(run_in_sequence, afunc=arun_in_sequence, name="Sequential")


def plot_timeline(timeline: pd.DataFrame, ax=None, title: str | None = None):
    """Draw one bar per branch (failed ones red and hatched), in course-seconds; return the figure."""
    if ax is None:
        fig = new_figure(8, 0.45 * max(len(timeline), 2) + 1.2)
        ax = fig.add_subplot()
    frame = timeline.reset_index(drop=True)
    start, duration = course_seconds(frame["start"]), course_seconds(frame["duration"])
    failed = frame["status"].eq("error")
    ax.barh(
        frame.index,
        duration,
        left=start,
        color=["tab:red" if f else "tab:blue" for f in failed],
        hatch=["//" if f else "" for f in failed],
        edgecolor="black",
        height=0.6,
    )
    ax.set_yticks(frame.index, frame["branch"])
    ax.invert_yaxis()
    ax.set_xlabel(time_label("since start"))
    wall = course_seconds(frame["end"].max()) if len(frame) else 1.0
    ax.set_xlim(0, 1.05 * wall)
    if len(frame):
        ax.axvline(wall, color="gray", linestyle="--", linewidth=1)
        ax.annotate(f"{wall:.2f}", (wall, 0), xytext=(-3, 0), textcoords="offset points", va="top", ha="right",
                    color="gray")  # inside the axes: never clipped at the right edge
    ax.set_title(title or "Branch timeline")
    if failed.any():  # a legend says what the red, hatched bars are
        from matplotlib.patches import Patch

        ok = Patch(facecolor="tab:blue", edgecolor="black", label="succeeded")
        bad = Patch(facecolor="tab:red", edgecolor="black", hatch="//", label="failed (raised)")
        ax.legend(handles=[ok, bad], loc="lower right", fontsize="small", framealpha=0.9)
    return ax.figure


def plot_timelines(timelines: Mapping[str, pd.DataFrame]):
    """Draw several timelines stacked on one shared time axis; return the figure."""
    if not timelines:
        raise ValueError("timelines must hold at least one timeline")
    heights = [max(len(t), 2) for t in timelines.values()]
    fig = new_figure(8, 0.45 * sum(heights) + 1.2 * len(heights))
    axes = fig.subplots(len(timelines), 1, sharex=True, height_ratios=heights, squeeze=False)[:, 0]
    for ax, (name, timeline) in zip(axes, timelines.items(), strict=True):
        plot_timeline(timeline, ax=ax, title=name)
    ends = [course_seconds(t["end"].max()) for t in timelines.values() if len(t)]
    axes[0].set_xlim(0, 1.05 * max(ends, default=1.0))  # the shared axis spans the longest run
    return fig


CALL_COLUMNS = ["branch", "start", "end", "duration", "status", "model", "thread", "prompt"]


def calls_timeline(
    *models: FakeChatModel, t0: float | None = None, label: Callable[[pd.Series], str] | None = None
) -> pd.DataFrame:
    """The logged calls of ``models`` as a timeline for ``plot_timeline`` and ``peak_concurrency``.

    One row per call, labelled ``"<model name> <n>"`` (n counts each model's calls in order
    of start, from 1), or by ``label(call)`` if given: ``call`` is the call's row, with
    ``model``, ``prompt``, ``start``, ``end``, ``thread`` and ``status``. Times are seconds
    since ``t0`` (a ``time.perf_counter()`` value), by default since the earliest call.
    """
    if label is not None and not callable(label):
        raise ValueError(f"label must be a function of a call's row, got {label!r}")
    if not models:
        raise ValueError("models must name at least one fake model")
    for model in models:
        if not isinstance(model, FakeChatModel):
            raise ValueError(f"models must be FakeChatModel instances (fake=True), got {type(model).__name__}")
    frames = []
    for model in models:
        log = model.call_log().sort_values("start", kind="stable").reset_index(drop=True)
        if label is None:
            log["branch"] = [f"{name} {n}" for n, name in enumerate(log["model"], start=1)]
        else:
            log["branch"] = [str(label(row)) for _, row in log.iterrows()]
        frames.append(log)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frame.empty:
        return pd.DataFrame(columns=CALL_COLUMNS)
    origin = frame["start"].min() if t0 is None else t0
    frame["start"] -= origin
    frame["end"] -= origin
    frame["duration"] = frame["end"] - frame["start"]
    return frame[CALL_COLUMNS].sort_values("start", kind="stable").reset_index(drop=True)
