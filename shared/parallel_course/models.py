"""``get_chat_model``: the one place notebooks get a chat model from.

Offline (the default) it is the course's ``FakeChatModel``. With ``OPENAI_API_KEY`` set
(in the environment or in a ``.env`` file) it is a real ``langchain_openai.ChatOpenAI``,
talking to OpenAI or to any OpenAI-compatible server named by ``OPENAI_BASE_URL``
(Ollama, vLLM, LM Studio, llama.cpp's server, the course's test server).

The course variables of real-model mode:

| variable | meaning | default |
|---|---|---|
| ``OPENAI_API_KEY`` | turns real-model mode on | unset: the fake |
| ``OPENAI_BASE_URL`` | an OpenAI-compatible server, e.g. ``http://localhost:11434/v1`` | OpenAI |
| ``COURSE_MODEL`` | the model name; ``fake`` forces the fake even with a key | ``gpt-4o-mini`` |
| ``COURSE_TIMEOUT`` | seconds before one HTTP request is abandoned | ``60`` |
| ``COURSE_MAX_RETRIES`` | retries of a 429, 5xx, timeout or connection error | ``2`` |
| ``COURSE_LATENCY_HINT`` | ``1``: send each model's course latency as a request header | off |

``COURSE_LATENCY_HINT`` is for the course's test server (``tests/openai_server.py``): it
waits the latency the lesson asked for, so the lessons' timing claims hold over HTTP.
Real providers ignore the headers.
"""

import asyncio
import functools
import os
import threading
import weakref
from typing import Any
from urllib.parse import urlsplit

from langchain_core.language_models import BaseChatModel

from .envfile import load_env_file_once
from .failures import ModelTimeoutError, RateLimitError, ServerError
from .fake_chat_model import FakeChatModel, jitter_wait
from .responders import RESPONDERS
from .timescale import scaled, time_scale
from .timing import freeze_imports

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
FAKE_MODEL_NAME = "fake"
DELAY_HEADER = "X-Course-Delay"
TOKEN_DELAY_HEADER = "X-Course-Token-Delay"

# Settings that only mean something to the fake; a real model ignores them.
FAKE_ONLY = ("respond", "latency", "jitter", "token_delay", "seed", "failure")

# What each task asks a real model to do (a system message in front of the prompt), so
# that "a sentiment model" answers like the fake one: short and in the same shape.
TASK_INSTRUCTIONS = {
    "sentiment": "Classify the sentiment of the text. Answer with exactly one lower-case word: "
    "positive or negative.",
    "summary": "Summarise the text in one short sentence of at most 12 words.",
    "keywords": "Give the three most important keywords of the text, lower-case, separated by "
    "commas, and nothing else.",
    "echo": "Repeat the user's message back exactly, with no other text.",
}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def real_mode() -> bool:
    """True when ``OPENAI_API_KEY`` is set: ``get_chat_model`` then returns a real model.

    A ``.env`` file is read first (see ``parallel_course.envfile``). ``COURSE_MODEL=fake``
    keeps the fake even when a key is set.
    """
    load_env_file_once()
    if os.environ.get("COURSE_MODEL", "").strip().lower() == FAKE_MODEL_NAME:
        return False
    return bool(os.environ.get("OPENAI_API_KEY"))


def _number(name: str, default: float, kind: type = float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return kind(default)
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a{'n integer' if kind is int else ' number'}, got {raw!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{name} must be >= 0 and finite, got {raw!r}")
    return value


def model_name() -> str:
    """The real model's name: ``COURSE_MODEL``, or the course's small, cheap default."""
    return os.environ.get("COURSE_MODEL", "").strip() or DEFAULT_MODEL


def request_timeout() -> float:
    """Seconds before one HTTP request is abandoned (``COURSE_TIMEOUT``, default 60)."""
    value = _number("COURSE_TIMEOUT", DEFAULT_TIMEOUT)
    if value == 0:
        raise ValueError("COURSE_TIMEOUT must be > 0 seconds, got '0'")
    return value


def max_retries() -> int:
    """Retries of a failed HTTP request (``COURSE_MAX_RETRIES``, default 2)."""
    return _number("COURSE_MAX_RETRIES", DEFAULT_MAX_RETRIES, int)


def server_host() -> str:
    """The host (and port) real-model calls go to, never the rest of the URL or the key."""
    url = os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE")
    if not url:
        return "api.openai.com"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        host, port = None, None
    if not host:
        return "an unreadable OPENAI_BASE_URL"
    return f"{host}:{port}" if port else host


# -- the course's errors, raised by the real model ------------------------------------------
# Each is both the course's error (what the lessons catch and retry on) and the one
# langchain-openai raises (an ``openai`` error and a ``langchain_core`` ``Model...Error``),
# so code written for either works in both modes.
_ERRORS: dict[type, type] = {}


def _real_errors() -> dict[type, type]:
    if not _ERRORS:
        import openai
        from langchain_openai.chat_models.base import OpenAIAPIError, OpenAIRateLimitError, OpenAITimeoutError

        class RealRateLimitError(RateLimitError, OpenAIRateLimitError):
            """HTTP 429 after the model's retries: a ``pc.RateLimitError`` and an ``openai.RateLimitError``."""

        class RealServerError(ServerError, OpenAIAPIError):
            """HTTP 5xx after the model's retries: a ``pc.ServerError`` and an ``openai.InternalServerError``."""

        class RealTimeoutError(ModelTimeoutError, OpenAITimeoutError):
            """No answer within the timeout, retries included: a ``pc.ModelTimeoutError`` and an
            ``openai.APITimeoutError``."""

            def __new__(cls, request: Any) -> "RealTimeoutError":
                return super().__new__(cls)  # TimeoutError's constructor takes no keywords

            def __init__(self, request: Any) -> None:
                OpenAITimeoutError.__init__(self, request)

        _ERRORS.update({
            openai.RateLimitError: RealRateLimitError,
            openai.InternalServerError: RealServerError,
            openai.APITimeoutError: RealTimeoutError,
        })
    return _ERRORS


def course_error(error: BaseException) -> BaseException | None:
    """The course's version of an ``openai`` error (429, 5xx, timeout), or None for others."""
    import openai

    errors = _real_errors()
    if isinstance(error, tuple(errors.values())):
        return None  # already the course's error
    if isinstance(error, openai.APITimeoutError):
        return errors[openai.APITimeoutError](error.request)
    for source in (openai.RateLimitError, openai.InternalServerError):
        if isinstance(error, source):
            return errors[source](message=error.message, response=error.response, body=error.body)
    return None


def _make_chat_openai_class():
    """``CourseChatOpenAI``, built on first use so that offline the course never imports openai."""
    import openai
    from langchain_openai import ChatOpenAI

    freeze_imports()  # openai's imports too: about 200,000 objects

    class CourseChatOpenAI(ChatOpenAI):
        """``ChatOpenAI`` with the course's task instruction, errors and per-loop async client.

        - ``task_instruction`` is sent as a system message before the prompt;
        - 429, 5xx and timeouts (after ``max_retries``) raise ``pc.RateLimitError``,
          ``pc.ServerError`` and ``pc.ModelTimeoutError`` (which are also the ``openai``
          errors);
        - each event loop gets its own async HTTP client: langchain-openai shares one
          across every model and loop, and a kept-alive connection opened on one event
          loop breaks when another loop reuses it;
        - ``latency_hint`` (course-seconds), when set, is sent as ``X-Course-Delay`` and
          ``X-Course-Token-Delay`` headers, scaled by ``COURSE_TIME_SCALE`` at call time.
        """

        course_task: str = "echo"
        task_instruction: str | None = None
        latency_hint: dict[str, float] | None = None

        def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
            payload = super()._get_request_payload(input_, stop=stop, **kwargs)
            messages = payload.get("messages")
            if self.task_instruction and isinstance(messages, list):
                first = messages[0] if messages else None
                if first and first.get("role") == "system" and isinstance(first.get("content"), str):
                    first["content"] = f"{self.task_instruction}\n\n{first['content']}"
                else:
                    messages.insert(0, {"role": "system", "content": self.task_instruction})
            if self.latency_hint and isinstance(messages, list):
                payload["extra_headers"] = {**(payload.get("extra_headers") or {}), **self._hint_headers(messages)}
            return payload

        def _hint_headers(self, messages: list[dict]) -> dict[str, str]:
            hint = self.latency_hint or {}
            prompt = "\n\n".join(str(m.get("content", "")) for m in messages)
            wait = hint.get("latency", 0.0) + jitter_wait(hint.get("jitter", 0.0), hint.get("seed", 0), prompt)
            token_delay = scaled(hint.get("token_delay", 0.0))
            return {DELAY_HEADER: f"{scaled(wait):.6f}", TOKEN_DELAY_HEADER: f"{token_delay:.6f}"}

        def __init__(self, **data: Any) -> None:
            super().__init__(**data)
            shared = self.root_async_client  # langchain-openai's client, shared by every model
            root = _PerLoop(lambda: shared.copy(http_client=openai.DefaultAsyncHttpxClient(verify=_ssl_context())))
            self.root_async_client = root
            self.async_client = _PerLoop(lambda: root.current().chat.completions)

        def _generate(self, *args: Any, **kwargs: Any):
            try:
                return super()._generate(*args, **kwargs)
            except Exception as error:
                _reraise(error)
                raise

        async def _agenerate(self, *args: Any, **kwargs: Any):
            try:
                return await super()._agenerate(*args, **kwargs)
            except Exception as error:
                _reraise(error)
                raise

        def _stream(self, *args: Any, **kwargs: Any):
            try:
                yield from super()._stream(*args, **kwargs)
            except Exception as error:
                _reraise(error)
                raise

        async def _astream(self, *args: Any, **kwargs: Any):
            try:
                async for chunk in super()._astream(*args, **kwargs):
                    yield chunk
            except Exception as error:
                _reraise(error)
                raise

    return CourseChatOpenAI


@functools.cache
def _ssl_context() -> Any:
    """One TLS context for every per-loop client: loading the CA bundle costs ~50 ms each time."""
    try:
        import httpx2 as httpx_module  # what openai's clients are built on
    except ImportError:
        import httpx as httpx_module
    return httpx_module.create_ssl_context()


class _PerLoop:
    """Stands for one object per running event loop, made by ``factory`` on first use.

    Attribute access goes to the running loop's object, so concurrent loops (in
    different threads) never share an HTTP connection pool.
    """

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._by_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def current(self) -> Any:
        loop = asyncio.get_running_loop()
        with self._lock:
            value = self._by_loop.get(loop)
            if value is None:
                value = self._by_loop[loop] = self._factory()
            return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.current(), name)

    def __repr__(self) -> str:
        return f"<one client per event loop: {len(self._by_loop)} so far>"


def _reraise(error: BaseException) -> None:
    translated = course_error(error)
    if translated is not None:
        raise translated from error


_CLASS: list[type] = []


def chat_openai_class() -> type:
    """The class of the real models (a ``langchain_openai.ChatOpenAI`` subclass)."""
    if not _CLASS:
        _CLASS.append(_make_chat_openai_class())
    return _CLASS[0]


def _real_model(task: str, settings: dict[str, Any]) -> BaseChatModel:
    cls = chat_openai_class()
    fields = set(cls.model_fields) | {f.alias for f in cls.model_fields.values() if f.alias}
    params: dict[str, Any] = {
        "model": model_name(),
        "timeout": request_timeout(),
        "max_retries": max_retries(),
        "name": task,
        "use_responses_api": False,  # OpenAI-compatible servers speak chat completions
        "course_task": task,
        "task_instruction": TASK_INSTRUCTIONS[task],
    }
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url:
        params["base_url"] = base_url
    if _truthy("COURSE_LATENCY_HINT"):
        params["latency_hint"] = {
            "latency": float(settings.get("latency", FakeChatModel.model_fields["latency"].default)),
            "jitter": float(settings.get("jitter", 0.0)),
            "token_delay": float(settings.get("token_delay", 0.0)),
            "seed": settings.get("seed", 0),
        }
    params.update({k: v for k, v in settings.items() if k not in FAKE_ONLY and k in fields})
    return cls(**params)


def get_chat_model(task: str = "echo", *, fake: bool = False, **settings: Any) -> BaseChatModel:
    """A chat model for ``task`` ("sentiment", "summary", "keywords" or "echo").

    Offline (the default) it is the course's ``FakeChatModel`` answering like a model that
    does ``task``; ``settings`` go to it (latency, jitter, token_delay, seed, failure, name,
    respond, ...). In real mode (see ``real_mode``) it is a ``ChatOpenAI`` told to do
    ``task`` by a system message, with an explicit timeout and retry count; the fake's
    settings are ignored, the others (name, rate_limiter, callbacks, tags, timeout,
    max_retries, temperature, max_tokens, model, ...) are passed on. ``fake=True`` always
    gives the fake: use it where a lesson needs exact latencies, injected failures or the
    call log.
    """
    if task not in RESPONDERS:
        raise ValueError(f"task must be one of {sorted(RESPONDERS)}, got {task!r}")
    if real_mode() and not fake:
        return _real_model(task, settings)
    settings.setdefault("respond", RESPONDERS[task])
    settings.setdefault("name", task)
    return FakeChatModel(**settings)


def describe_mode() -> str:
    """One line saying which model the course uses and how fast its fake time runs (never the key)."""
    scale = time_scale()
    if not real_mode():
        return (
            "Model: the course's fake chat model (offline, no API key). "
            f"Time scale: {scale:g} (fake latencies are multiplied by this)."
        )
    hint = " Latency hints are sent to the server." if _truthy("COURSE_LATENCY_HINT") else ""
    return (
        f"Model: {model_name()} through ChatOpenAI at {server_host()} (real-model mode: "
        f"OPENAI_API_KEY is set; calls may be billed). Timeout {request_timeout():g} s, "
        f"{max_retries()} retries. Time scale: {scale:g} (applies to fake=True models).{hint}"
    )
