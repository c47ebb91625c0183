"""Helpers for the course "Running LangChain chains in parallel"."""

from . import responders, support_desk
from .benchmark import benchmark, plot_benchmark
from .concurrency import BlockingIO, LoopWatch, run_in_new_loop
from .data import data_path, load_reviews, load_tickets
from .diagrams import diagram
from .failures import (
    ModelTimeoutError,
    RateLimitError,
    ServerError,
    fail_always,
    fail_first,
    fail_on_chunk,
    fail_with_probability,
)
from .feedback import Checks, answered
from .figures import new_figure
from .intervals import calls_during, peak_concurrency, plot_in_flight
from .judges import JUDGES
from .models import describe_mode, get_chat_model, real_mode
from .notebook import expect_error
from .observe import plot_stream, record_runs, record_stream, switches
from .provider import SimulatedProvider, measure_design
from .quiz import quiz
from .timeline import (
    TimelineRecorder,
    arecord_timeline,
    calls_timeline,
    plot_timeline,
    plot_timelines,
    record_timeline,
    sequential,
)
from .timescale import scaled, time_scale
from .timing import Timer, warm_up

__all__ = [
    "JUDGES",
    "BlockingIO",
    "Checks",
    "LoopWatch",
    "ModelTimeoutError",
    "RateLimitError",
    "ServerError",
    "SimulatedProvider",
    "TimelineRecorder",
    "Timer",
    "answered",
    "arecord_timeline",
    "benchmark",
    "calls_during",
    "calls_timeline",
    "data_path",
    "describe_mode",
    "diagram",
    "expect_error",
    "fail_always",
    "fail_first",
    "fail_on_chunk",
    "fail_with_probability",
    "get_chat_model",
    "load_reviews",
    "load_tickets",
    "measure_design",
    "new_figure",
    "peak_concurrency",
    "plot_benchmark",
    "plot_in_flight",
    "plot_stream",
    "plot_timeline",
    "plot_timelines",
    "quiz",
    "real_mode",
    "responders",
    "record_runs",
    "record_stream",
    "record_timeline",
    "run_in_new_loop",
    "scaled",
    "sequential",
    "support_desk",
    "switches",
    "time_scale",
    "warm_up",
]

