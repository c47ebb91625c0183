"""Read a ``.env`` file into the environment, once, without overriding what is already set.

The course's real-model mode reads its settings (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``COURSE_MODEL``, ...) from the environment. A ``.env`` file saves typing them: it is
looked for in the current directory, then at the root of the course repository (where
``.gitignore`` keeps it out of git). Variables already in the environment win, so a
shell ``export`` or a test's setting is never changed by the file. ``COURSE_DOTENV=0``
turns the file off. Values are never printed: ``load_env_file`` returns only names.

The format is python-dotenv's: ``NAME=value`` lines, an optional ``export`` in front, ``#``
comments, values optionally in single or double quotes.
"""

import io
import os
from pathlib import Path

from dotenv import dotenv_values

ENV_FILE_NAME = ".env"
REPO_ROOT = Path(__file__).resolve().parents[2]
SWITCH = "COURSE_DOTENV"

_loaded = False


def parse_env_file(text: str) -> dict[str, str]:
    """``{name: value}`` from the text of a ``.env`` file, read by python-dotenv (a malformed line is
    skipped, with a logged warning naming it)."""
    return {name: value for name, value in dotenv_values(stream=io.StringIO(text)).items() if value is not None}


def find_env_file() -> Path | None:
    """The ``.env`` file to read: in the current directory, else at the repository root."""
    for folder in (Path.cwd(), REPO_ROOT):
        path = folder / ENV_FILE_NAME
        if path.is_file():
            return path
    return None


def load_env_file(path: str | Path | None = None, *, override: bool = False) -> list[str]:
    """Put the variables of a ``.env`` file into ``os.environ``; return the names set.

    ``path`` defaults to ``find_env_file()``; a missing file sets nothing. A variable that
    is already set (even to an empty string) is kept unless ``override=True``.
    """
    path = Path(path) if path is not None else find_env_file()
    if path is None or not path.is_file():
        return []
    names = []
    for name, value in parse_env_file(path.read_text(encoding="utf-8")).items():
        if override or name not in os.environ:
            os.environ[name] = value
            names.append(name)
    return names


def load_env_file_once() -> list[str]:
    """``load_env_file()`` the first time it is called in a process (unless ``COURSE_DOTENV=0``)."""
    global _loaded
    if _loaded:
        return []
    _loaded = True
    if os.environ.get(SWITCH, "1").strip().lower() in ("0", "false", "no", "off"):
        return []
    return load_env_file()


def _forget_loaded() -> None:
    """Let the next ``load_env_file_once`` read the file again (for tests)."""
    global _loaded
    _loaded = False
