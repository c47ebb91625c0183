"""A small OpenAI-compatible chat-completions server on 127.0.0.1, for the course's tests.

Standard library only. It answers ``POST /v1/chat/completions`` with JSON or, for
``"stream": true``, with server-sent events (SSE), and ``GET /v1/models``. It exists so
that the real-model path (``langchain_openai.ChatOpenAI``) is tested over real HTTP with
no network and no key. It behaves in one of two ways:

- **like a provider** (``OpenAIServer(provider=Provider(seed=1))``; the command line's
  default, so ``make test-real``): it ignores every hint the course sends and draws, per
  request and from a seed, a latency over a wide range with a slow tail, an odd answer
  now and then (empty, JSON, a refusal, very long), an occasional HTTP 429 or 500 with
  ``Retry-After``, and streamed chunks of uneven size, so a lesson that counts on the
  fake's latencies or answers fails against it. See ``Provider``;
- **scripted** (no ``provider``): every request waits ``delay`` seconds (and
  ``token_delay`` between streamed chunks) and answers a numbered sentence;
  ``server.enqueue(Step(429, retry_after=0.05), Step(500))`` makes the next requests
  fail, in order of arrival, and ``Step(delay=5)`` is a slow response. Only this mode
  honours the headers ``X-Course-Delay`` / ``X-Course-Token-Delay`` (seconds) that the
  course's models send when ``COURSE_LATENCY_HINT=1``. It is for the tests that need
  exact, known timings: ``tests/test_real_model.py`` asserts overlap, caps and timeouts
  against a delay it chose, which a random provider could not show.

Both keep **a request log**: every request's arrival and finish (``server.records()``),
so a test counts requests in flight (``server.peak_in_flight()``). Like the course's fakes, it
counts the completions in flight exactly (``in_flight_counter``), so ``with pc.gate(n, server): ...``
holds each completion, before its delay, until ``n`` of them wait at the server together.

Python's ``ThreadingHTTPServer`` listens with a backlog of 5: under a burst of parallel
requests the kernel refuses connections. ``request_queue_size`` is raised here.

Run it by hand to try the course's real-model mode offline::

    python tests/openai_server.py --port 8765 --seed 1    # then, in another shell:
    OPENAI_API_KEY=anything OPENAI_BASE_URL=http://127.0.0.1:8765/v1 make lab

or let it run a command against it and stop afterwards (``make test-real`` does this)::

    python tests/openai_server.py --seed 1 --latency 0.05-0.8 -- pytest --nbval-lax notebooks/01_*.ipynb

``--delay`` (and ``--token-delay``, ``--reply``) serve the scripted mode instead;
``--follow-hints`` also sets ``COURSE_LATENCY_HINT=1``, so the server waits each lesson's
fake latency: use it to tell whether a failure of ``make test-real`` comes from the
provider's behaviour or from HTTP itself.

Loaded as a pytest plugin (``-p openai_server``, with ``tests/`` on ``PYTHONPATH``), it
fails any notebook cell whose output contains the value of ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd

from parallel_course.fake_chat_model import split_tokens
from parallel_course.inflight import InFlight
from parallel_course.intervals import peak_concurrency
from parallel_course.models import DELAY_HEADER, TOKEN_DELAY_HEADER

HOST = "127.0.0.1"
DEFAULT_MODEL = "course-test-model"
ROOT = Path(__file__).resolve().parents[1]


def default_reply(number: int, body: dict) -> str:
    """The server's answer: deliberately *not* what the course's fake model would say."""
    return f"Reply {number} from the course's test server, which does not read prompts."


@dataclass(frozen=True)
class Step:
    """What the server does with one request, scripted with ``OpenAIServer.enqueue``.

    ``status`` 200 answers; any other status fails with an OpenAI-style error body (429,
    500 and 503 carry ``Retry-After: retry_after`` when it is given). ``delay`` replaces
    the request's wait (seconds), ``token_delay`` the wait between streamed chunks;
    ``reply`` replaces the answer text, ``chunks`` the pieces it is streamed in.
    """

    status: int = 200
    delay: float | None = None
    retry_after: float | None = None
    reply: str | None = None
    token_delay: float | None = None
    chunks: tuple[str, ...] | None = None


LONG_ANSWER = (
    "Thank you for your question. There are several aspects worth considering here, and I "
    "will go through them one at a time so that nothing important is left out. "
) * 12
ODD_ANSWERS = (
    "",
    '{"answer": "positive", "confidence": 0.91, "notes": ["short", "json"]}',
    "I'm sorry, but I can't help with that request.",
    LONG_ANSWER.strip(),
    "**Answer:** it depends.\n\n- one point\n- another point\n\nLet me know if you need more.",
)


@dataclass(frozen=True)
class Provider:
    """A provider the course does not control, drawn from ``seed``: it ignores the course's hints.

    Each request draws, from ``random.Random(f"{seed}|{request number}")``: a latency,
    uniform over ``latency`` (seconds) or, for a share ``tail`` of requests (the slow
    tail), uniform up to ``tail_factor`` times its top; a pause between streamed chunks of
    at most ``token_delay``; for a share ``odd``, an odd answer (``ODD_ANSWERS``: empty,
    JSON, a refusal, very long, Markdown) instead of a numbered sentence; for a share
    ``errors``, an HTTP 429 or 500 with ``Retry-After`` (seconds, uniform over
    ``retry_after``). A request whose body already failed once is answered, so the
    client's retries (the course's models make two) always get through. Streamed answers
    start with an empty chunk, as OpenAI's do, and come in pieces of 1 to 12 characters.
    """

    seed: int = 0
    latency: tuple[float, float] = (0.05, 0.8)
    tail: float = 0.05
    tail_factor: float = 3.0
    token_delay: float = 0.002
    odd: float = 0.3
    errors: float = 0.05
    retry_after: tuple[float, float] = (0.02, 0.2)

    def __post_init__(self) -> None:
        low, high = self.latency
        if not 0 <= low <= high:
            raise ValueError(f"latency must be (low, high) seconds with 0 <= low <= high, got {self.latency!r}")
        if not 0 < self.retry_after[0] <= self.retry_after[1]:
            raise ValueError(f"retry_after must be (low, high) seconds with 0 < low <= high, got {self.retry_after!r}")
        for name in ("tail", "odd", "errors"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a share between 0 and 1, got {getattr(self, name)!r}")
        if self.tail_factor < 1 or self.token_delay < 0:
            raise ValueError(f"tail_factor must be >= 1 and token_delay >= 0, got {self.tail_factor!r}, "
                             f"{self.token_delay!r}")

    def step(self, number: int, body: dict, failed_before: bool) -> Step:
        """What this provider does with request ``number`` (``failed_before``: its body already failed)."""
        rng = random.Random(f"{self.seed}|{number}")
        low, high = self.latency
        slow = rng.random() < self.tail
        delay = rng.uniform(high, high * self.tail_factor) if slow else rng.uniform(low, high)
        if not failed_before and rng.random() < self.errors:
            return Step(status=rng.choice((429, 500)), delay=delay / 4,
                        retry_after=round(rng.uniform(*self.retry_after), 3))
        reply = rng.choice(ODD_ANSWERS) if rng.random() < self.odd else default_reply(number, body)
        pieces, rest = [""], reply  # OpenAI's first chunk carries the role and no text
        while rest:
            size = rng.randint(1, 12)
            pieces.append(rest[:size])
            rest = rest[size:]
        return Step(delay=delay, reply=reply, token_delay=rng.uniform(0, self.token_delay), chunks=tuple(pieces))


@dataclass
class RequestRecord:
    """One request as the server saw it. Times are seconds since the server started."""

    number: int
    path: str
    arrival: float
    finish: float | None = None
    status: int | None = None
    stream: bool = False
    model: str | None = None
    messages: list = field(default_factory=list)
    headers: dict = field(default_factory=dict)  # X-Course-* headers only; never Authorization
    authorized: bool = False
    thread: str = ""


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real server
    timeout = 10  # an idle keep-alive connection frees its thread after this
    server: OpenAIServer

    def setup(self) -> None:
        super().setup()
        # Answer without Nagle's delay: headers and body go out in separate writes, and
        # with Nagle on, the body waits for the client's delayed ACK (~40 ms a request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    # -- routes ------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": self.server.model, "object": "model"}]})
        else:
            self._error(404, f"no route GET {self.path}")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        server = self.server
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        record = server._arrive(self, body or {})
        entered = False
        try:
            if not self.path.rstrip("/").endswith("/chat/completions"):
                record.status = 404
                self._error(404, f"no route POST {self.path}")
                return
            if server.api_key is not None and not record.authorized:
                record.status = 401
                self._error(401, "Incorrect API key provided (course test server).")
                return
            if not isinstance(body, dict):
                record.status = 400
                self._error(400, "the request body is not a JSON object")
                return
            step = server._next_step(record.number, body)
            # Only the scripted mode follows the course's latency hints: it serves the tests that
            # need exact, known timings (tests/test_real_model.py, --follow-hints). No provider
            # reads them, so the provider mode ignores them like the rest of what the course sends.
            if server.provider is None:
                default_delay = self._header_seconds(DELAY_HEADER, server.delay)
                default_token_delay = self._header_seconds(TOKEN_DELAY_HEADER, server.token_delay)
            else:
                default_delay, default_token_delay = server.delay, server.token_delay
            delay = step.delay if step.delay is not None else default_delay
            token_delay = step.token_delay if step.token_delay is not None else default_token_delay
            with server._lock:
                server.in_flight_counter.enter()
                entered, gate = True, server.in_flight_counter.gate
            if gate:
                gate.wait()
            if step.status != 200:
                server._wait(delay)
                record.status = step.status
                self._error(step.status, f"HTTP {step.status} from the course test server", step.retry_after)
                return
            reply = step.reply if step.reply is not None else server._reply(record.number, body)
            pieces = list(step.chunks) if step.chunks is not None else split_tokens(reply)
            record.status = 200
            if body.get("stream"):
                self._stream(body, pieces, delay, token_delay)
            else:
                server._wait(delay + token_delay * (len(pieces) - 1))
                self._json(200, server._completion(body, reply))
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            record.status = 499  # the client went away (e.g. it timed out) before the answer
            self.close_connection = True
        finally:
            if entered:
                with server._lock:
                    server.in_flight_counter.leave()
            server._finish(record)

    # -- responses -----------------------------------------------------------------------
    def _header_seconds(self, name: str, default: float) -> float:
        value = self.headers.get(name)
        if value is None:
            return default
        try:
            return max(0.0, float(value))
        except ValueError:
            return default

    def _json(self, status: int, payload: dict, extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        if not self.server.keep_alive:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _error(self, status: int, message: str, retry_after: float | None = None) -> None:
        kind = ERROR_TYPES.get(status, "server_error")
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        self._json(status, {"error": {"message": message, "type": kind, "param": None, "code": kind}}, headers)

    def _stream(self, body: dict, pieces: list[str], delay: float, token_delay: float) -> None:
        """Send the reply's pieces as SSE chunks, with chunked transfer encoding (keep-alive safe)."""
        server = self.server
        server._wait(delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        if not server.keep_alive:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        base = server._chunk_base(body)
        for index, piece in enumerate(pieces):
            if index:
                server._wait(token_delay)
            delta = {"role": "assistant", "content": piece} if index == 0 else {"content": piece}
            self._event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        self._event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({**base, "choices": [], "usage": server._usage(body, "".join(pieces))})
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")  # the last chunk of a chunked response

    def _event(self, payload: dict) -> None:
        self._write_chunk(f"data: {json.dumps(payload)}\n\n".encode())

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class OpenAIServer(ThreadingHTTPServer):
    """The test server. Use it as a context manager, or ``start()`` and ``stop()``.

    ``delay`` and ``token_delay`` are the default waits (seconds) before the answer and
    between streamed chunks; ``reply`` is the answer (a string, or a function of the
    request number and the JSON body; by default a sentence that does not match anything
    the fake model says); ``api_key``, if given, must be sent as the bearer token (else
    HTTP 401); ``keep_alive=False`` closes every connection after its response.
    ``provider`` (a ``Provider``) makes the server behave like one: it then ignores the
    course's hint headers and draws each request's latency, answer and failure (scripted
    steps still come first).
    """

    daemon_threads = True  # a handler stuck on a slow client never blocks the tests' exit
    request_queue_size = 128  # the listen backlog: the default of 5 refuses bursts
    allow_reuse_address = True

    def __init__(
        self,
        port: int = 0,
        *,
        delay: float = 0.0,
        token_delay: float = 0.0,
        reply: str | Callable[[int, dict], str] = default_reply,
        api_key: str | None = None,
        model: str = DEFAULT_MODEL,
        keep_alive: bool = True,
        provider: Provider | None = None,
    ) -> None:
        if delay < 0 or token_delay < 0:
            raise ValueError(f"delay and token_delay must be >= 0 seconds, got {delay!r}, {token_delay!r}")
        super().__init__((HOST, port), _Handler)
        self.delay, self.token_delay, self.api_key, self.model = delay, token_delay, api_key, model
        self.reply = reply
        self.keep_alive = keep_alive
        self.provider = provider
        self._failed: set[str] = set()  # bodies the provider has failed once
        self.t0 = time.perf_counter()
        self._lock = threading.Lock()
        self._steps: deque[Step] = deque()
        self._records: list[RequestRecord] = []
        self.in_flight_counter = InFlight()  # completions in flight; pc.gate holds them through it
        self._numbers = itertools.count(1)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def base_url(self) -> str:
        """The URL to give ``OPENAI_BASE_URL`` (ends in ``/v1``)."""
        return f"http://{HOST}:{self.port}/v1"

    def start(self) -> OpenAIServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="openai-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: waiting requests are cut short; the socket is closed."""
        self._stopping.set()
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a timeout, a closed event loop) is normal here; say nothing."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    # -- script and log ------------------------------------------------------------------
    def enqueue(self, *steps: Step | int) -> None:
        """Script the next requests, in order of arrival (an int is ``Step(status=int)``)."""
        with self._lock:
            self._steps.extend(Step(status=s) if isinstance(s, int) else s for s in steps)

    def reset(self) -> None:
        """Forget the log and the scripted steps (the request numbers go on)."""
        with self._lock:
            self._steps.clear()
            self._records.clear()
            self.in_flight_counter.reset()

    def records(self) -> list[RequestRecord]:
        """A copy of the request log, in order of arrival."""
        with self._lock:
            return [RequestRecord(**vars(r)) for r in self._records]

    def peak_in_flight(self) -> int:
        """The most requests that were between arrival and finish at the same moment."""
        spans = [(r.arrival, r.finish if r.finish is not None else float("inf")) for r in self.records()]
        return peak_concurrency(pd.DataFrame(spans, columns=["start", "end"])) if spans else 0

    # -- used by the handler ----------------------------------------------------------
    def _now(self) -> float:
        return time.perf_counter() - self.t0

    def _arrive(self, handler: _Handler, body: dict) -> RequestRecord:
        body = body if isinstance(body, dict) else {}
        auth = handler.headers.get("Authorization", "")
        record = RequestRecord(
            number=0,
            path=handler.path,
            arrival=self._now(),
            stream=bool(body.get("stream")),
            model=body.get("model"),
            messages=list(body.get("messages") or []),
            headers={k.title(): v for k, v in handler.headers.items() if k.lower().startswith("x-course-")},
            authorized=self.api_key is None or auth == f"Bearer {self.api_key}",
            thread=threading.current_thread().name,
        )
        with self._lock:
            record.number = next(self._numbers)
            self._records.append(record)
        return record

    def _finish(self, record: RequestRecord) -> None:
        with self._lock:
            record.finish = self._now()

    def _next_step(self, number: int, body: dict) -> Step:
        with self._lock:
            if self._steps:
                return self._steps.popleft()
            if self.provider is None:
                return Step()
            digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
            step = self.provider.step(number, body, failed_before=digest in self._failed)
            if step.status != 200:
                self._failed.add(digest)
            return step

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _reply(self, number: int, body: dict) -> str:
        return self.reply(number, body) if callable(self.reply) else self.reply

    def _usage(self, body: dict, reply: str) -> dict:
        prompt = "\n\n".join(str(m.get("content", "")) for m in body.get("messages") or [])
        prompt_tokens, completion_tokens = len(split_tokens(prompt)), len(split_tokens(reply))
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens}

    def _completion(self, body: dict, reply: str) -> dict:
        return {
            "id": f"chatcmpl-course-{secrets.token_hex(6)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": self._usage(body, reply),
        }

    def _chunk_base(self, body: dict) -> dict:
        return {"id": f"chatcmpl-course-{secrets.token_hex(6)}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": body.get("model") or self.model}


# -- pytest plugin: no notebook output may contain the key ---------------------------------
try:
    import pytest
except ImportError:  # the server itself needs only the standard library
    pytest = None

if pytest is not None:

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(item, call):
        report = yield
        key = os.environ.get("OPENAI_API_KEY")
        outputs = getattr(item, "test_outputs", None)  # nbval keeps each cell's outputs here
        if key and call.when == "call" and outputs and key in json.dumps(outputs, default=str):
            report.outcome = "failed"
            report.longrepr = f"{item.nodeid}: a cell output contains the value of OPENAI_API_KEY"
        return report


# -- command line ------------------------------------------------------------------------------
def latency_range(text: str) -> tuple[float, float]:
    """``"0.05-0.8"`` as ``(0.05, 0.8)`` seconds (for ``--latency``)."""
    try:
        low, high = (float(part) for part in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--latency must be LOW-HIGH seconds, e.g. 0.05-0.8, got {text!r}") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"--latency must have 0 <= LOW <= HIGH, got {text!r}")
    return low, high


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve an OpenAI-compatible chat API on 127.0.0.1; with a command after --, "
        "run it in real-model mode against the server, then stop. By default the server behaves "
        "like a provider (see Provider); --delay, --token-delay or --reply script it instead.",
    )
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--seed", type=int, default=0, help="the provider's seed")
    parser.add_argument("--latency", type=latency_range, default=Provider.latency,
                        help="the provider's latency range in seconds, LOW-HIGH (default 0.05-0.8)")
    parser.add_argument("--delay", type=float, default=None, help="scripted: seconds before each answer")
    parser.add_argument("--token-delay", type=float, default=None, help="scripted: seconds between streamed chunks")
    parser.add_argument("--reply", default=None, help="scripted: a fixed answer (default: a numbered sentence)")
    parser.add_argument("--follow-hints", action="store_true",
                        help="scripted, and the models send their fake latencies, which the server waits")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then a command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    key = f"test-key-{secrets.token_hex(8)}" if command else None
    scripted = args.follow_hints or any(v is not None for v in (args.delay, args.token_delay, args.reply))
    provider = None if scripted else Provider(seed=args.seed, latency=args.latency)
    server = OpenAIServer(args.port, delay=args.delay or 0.0, token_delay=args.token_delay or 0.0,
                          reply=args.reply or default_reply, api_key=key, provider=provider)
    mode = (f"a provider, seed {args.seed}, latency {args.latency[0]:g}-{args.latency[1]:g} s"
            if provider else "scripted" + (", following the course's latency hints" if args.follow_hints else ""))
    with server:
        if not command:
            print(f"Serving an OpenAI-compatible API at {server.base_url} as {mode} (Ctrl-C stops).", flush=True)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                return 0
        env = {
            **os.environ,
            "OPENAI_API_KEY": key,
            "OPENAI_BASE_URL": server.base_url,
            "COURSE_MODEL": DEFAULT_MODEL,
            "COURSE_DOTENV": "0",  # a developer's .env must not change the test
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tests"), os.environ.get("PYTHONPATH")])),
        }
        env.pop("COURSE_LATENCY_HINT", None)
        if args.follow_hints:
            env["COURSE_LATENCY_HINT"] = "1"  # the models send their latencies; the server waits them
        started = time.perf_counter()
        code = subprocess.call(command, env=env)
        records = server.records()
        statuses = [r.status for r in records]
        print(f"openai_server ({mode}): {len(records)} requests, at most {server.peak_in_flight()} in flight, "
              f"{statuses.count(200)} answered, {statuses.count(429)} x 429, {statuses.count(500)} x 500, "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
