"""Gradescope: otter's autograder zips, with what the course's notebooks import added."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from parallel_course.colab import requirement_name, runtime_requirements

ROOT = Path(__file__).resolve().parents[3]
AUTOGRADER_DIR = ROOT / "build" / "autograder"
GRADESCOPE_DIR = ROOT / "build" / "gradescope"


def package_files(package: Path) -> list[Path]:
    """Every file the package ships, its modules and package data (``quizzes/*.yaml``); no bytecode."""
    return [
        p
        for p in sorted(package.rglob("*"))
        if p.is_file() and "__pycache__" not in p.relative_to(package).parts and p.suffix != ".pyc"
    ]


def gradescope_zips(autograder_dir: Path = AUTOGRADER_DIR, out_dir: Path = GRADESCOPE_DIR) -> list[Path]:
    """Gradescope-ready copies of otter's zips: the course's packages, helper package and data added.

    otter's ``setup.sh`` builds an image with otter alone; the notebooks also import langchain-core,
    pandas, matplotlib and ``parallel_course`` (whose data sits in the repository's ``data/``). Each
    zip gets ``course/`` (``pyproject.toml``, ``shared/``, ``data/``), an ``environment.yml`` with the
    course's pinned requirements, and a ``setup.sh`` that installs ``course/`` into otter's env.
    """
    pins = [p for p in runtime_requirements(ROOT) if requirement_name(p) != "otter-grader"]  # otter's own line has it
    course = [ROOT / "pyproject.toml", *package_files(ROOT / "shared" / "parallel_course")]
    course += [p for p in sorted((ROOT / "data").rglob("*")) if p.is_file()]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for zip_path in sorted(Path(autograder_dir).glob("*.zip")):
        target = out_dir / zip_path.name
        with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "environment.yml":
                    text = data.decode()
                    otter_line = re.search(r"^\s*- (otter-grader\S*)\s*$", text, re.M).group(1)
                    data = (
                        "name: otter-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n"
                        "  - jupyter_server\n  - pip:\n" + "".join(f"      - {p}\n" for p in [otter_line, *pins])
                    ).encode()
                elif info.filename == "setup.sh":
                    data += (
                        b"\n# the course's helper package (parallel_course) and its data\n"
                        b"mamba run -n otter-env pip install -e /autograder/source/course\n"
                    )
                zf.writestr(info, data)
            for path in course:
                zf.write(path, f"course/{path.relative_to(ROOT).as_posix()}")
        written.append(target)
    return written
