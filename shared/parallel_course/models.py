"""``get_chat_model``: the one place notebooks get a chat model from."""

from typing import Any

from langchain_core.language_models import BaseChatModel

from .fake_chat_model import FakeChatModel
from .responders import RESPONDERS
from .timescale import time_scale


def get_chat_model(task: str = "echo", **settings: Any) -> BaseChatModel:
    """A chat model for ``task`` ("sentiment", "summary", "keywords" or "echo").

    Returns the course's fake model, answering like a model that does ``task``;
    ``settings`` go to ``FakeChatModel`` (latency, jitter, token_delay, seed, failure,
    name, respond, ...).
    """
    if task not in RESPONDERS:
        raise ValueError(f"task must be one of {sorted(RESPONDERS)}, got {task!r}")
    settings.setdefault("respond", RESPONDERS[task])
    settings.setdefault("name", task)
    return FakeChatModel(**settings)


def describe_mode() -> str:
    """One line saying which model the course uses and how fast its fake time runs."""
    return (
        f"Model: the course's fake chat model (offline, no API key). "
        f"Time scale: {time_scale():g} (fake latencies are multiplied by this)."
    )
