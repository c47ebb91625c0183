"""``get_chat_model``: the one place notebooks get a chat model from."""

import os
from typing import Any

from langchain_core.language_models import BaseChatModel

from .fake_chat_model import FakeChatModel
from .responders import RESPONDERS
from .timescale import time_scale


def real_mode() -> bool:
    """True when ``OPENAI_API_KEY`` is set: ``get_chat_model`` then returns a real model."""
    return bool(os.environ.get("OPENAI_API_KEY"))


def get_chat_model(task: str = "echo", *, fake: bool = False, **settings: Any) -> BaseChatModel:
    """A chat model for ``task`` ("sentiment", "summary", "keywords" or "echo").

    Offline (the default) it is the course's ``FakeChatModel`` answering like a model that
    does ``task``; ``settings`` go to it (latency, jitter, token_delay, seed, failure, name,
    respond, ...). In real mode (see ``real_mode``) it is a real model and ``settings`` are
    ignored. ``fake=True`` always gives the fake: use it where a lesson needs exact
    latencies, injected failures or the call log.
    """
    if task not in RESPONDERS:
        raise ValueError(f"task must be one of {sorted(RESPONDERS)}, got {task!r}")
    if real_mode() and not fake:
        raise NotImplementedError("real-model mode is not available yet: unset OPENAI_API_KEY")
    settings.setdefault("respond", RESPONDERS[task])
    settings.setdefault("name", task)
    return FakeChatModel(**settings)


def describe_mode() -> str:
    """One line saying which model the course uses and how fast its fake time runs."""
    return (
        "Model: the course's fake chat model (offline, no API key). "
        f"Time scale: {time_scale():g} (fake latencies are multiplied by this)."
    )
