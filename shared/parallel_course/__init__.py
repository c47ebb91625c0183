"""Helpers for the course "Running LangChain chains in parallel".

``import parallel_course as pc`` is cheap: each public name imports its module on first use
(PEP 562). A program that needs one module (the grader, before it re-executes itself with a
clean environment) does not import LangChain, pandas and matplotlib for nothing.
"""

from importlib import import_module

_NAMES = {  # module: the public names it is the home of
    "benchmarks": ["benchmark", "plot_benchmark"],
    "concurrency": ["BlockingIO", "LoopWatch", "default_pool_size", "run_in_new_loop", "usable_cpus"],
    "data": ["data_path", "load_reviews", "load_tickets"],
    "diagrams": ["diagram"],
    "failures": ["ModelTimeoutError", "RateLimitError", "ServerError", "fail_always", "fail_first", "fail_on_chunk",
                 "fail_with_probability"],
    "feedback": ["Checks", "answered"],
    "figures": ["new_figure"],
    "inflight": ["gate"],
    "intervals": ["calls_during", "peak_concurrency", "plot_in_flight"],
    "judges": ["JUDGES"],
    "models": ["describe_mode", "get_chat_model", "real_mode"],
    "notebook": ["expect_error"],
    "observe": ["plot_stream", "record_runs", "record_stream", "switches"],
    "provider": ["SimulatedProvider", "measure_design"],
    "questionnaire": ["quiz", "wrong_choices"],
    "responders": ["responders"],  # a module, used as one
    "support_desk": ["support_desk"],  # a module, used as one
    "timeline": ["TimelineRecorder", "arecord_timeline", "calls_timeline", "plot_timeline", "plot_timelines",
                 "record_timeline", "sequential"],
    "timescale": ["scaled", "time_scale"],
    "timing": ["Timer", "verify_timing", "warm_up"],
}
_HOME = {name: module for module, names in _NAMES.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = import_module(f".{_HOME[name]}", __name__)
    value = module if _HOME[name] == name else getattr(module, name)
    globals()[name] = value  # imported once: later uses do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
