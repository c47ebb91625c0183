"""Short text forms shared by the rows and the feedback."""

import os
import re
import signal


def num(x: float) -> str:
    return f"{float(x):g}"


def short(text: str, limit: int) -> str:
    text = " ".join(str(text).split()) if limit <= 300 else str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def size(chars: int) -> str:
    return f"{chars / 1e6:.1f} MB" if chars >= 1e5 else f"{chars / 1e3:.0f} kB"


def safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]+", "_", name).strip("._") or "unnamed"


def exit_text(status: int | None) -> str:
    if status is None:
        return "unknown exit"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"killed by {signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig}"
    return f"exit code {os.WEXITSTATUS(status)}"
