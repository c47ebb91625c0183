"""Short text forms shared by the rows and the feedback."""

import hashlib
import os
import re
import signal
import unicodedata


def num(x: float) -> str:
    return f"{float(x):g}"


def short(text: str, limit: int) -> str:
    text = " ".join(str(text).split()) if limit <= 300 else str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def size(chars: int) -> str:
    return f"{chars / 1e6:.1f} MB" if chars >= 1e5 else f"{chars / 1e3:.0f} kB"


def safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]+", "_", name).strip("._") or "unnamed"


def folder_name(name: str) -> str:
    """A file name for ``name`` that no other name gets: ``safe(name)`` if that is ``name``, else with its hash.

    ``safe`` never keeps a ``~``, so a hashed name (``alice~<16 hex>``) cannot equal a plain one."""
    base = safe(name)[:64]
    return base if base == name else f"{base}~{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def shown(name: str) -> str:
    """A file name as text a report can hold: control and undecodable characters as escapes, ``\\`` doubled.

    One-to-one: ``alice\r`` (a carriage return) and ``alice\\r`` (a backslash and an r) stay apart."""
    out = []
    for char in name:
        if char == "\\":
            out.append("\\\\")
        elif "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8 (os.fsdecode's surrogateescape)
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


def exit_text(status: int | None) -> str:
    if status is None:
        return "unknown exit"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"killed by {signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig}"
    return f"exit code {os.WEXITSTATUS(status)}"
