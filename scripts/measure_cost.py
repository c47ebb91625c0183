"""Count the model calls and tokens of a full run through the course (what real mode would bill).

    python scripts/measure_cost.py                  # every notebook, a Markdown table
    python scripts/measure_cost.py 01 02            # only the notebooks whose names start so
    python scripts/measure_cost.py --write docs/real_model.md   # also update the table there

Each learner notebook is run offline, as a learner who solves every exercise would run
it: answer cells replaced by the solutions, the ``grader.check`` cells run. A first cell
wraps ``get_chat_model`` so that every model it returns *without* ``fake=True`` (the
models that real-model mode turns into ``ChatOpenAI``) counts its calls and the fake's
``usage_metadata``, plus the system message real mode adds (``TASK_INSTRUCTIONS``).
Models made with ``fake=True`` stay fake in real mode and cost nothing; they are counted
apart. The fake counts words, not tokens: ``--tokens-per-word`` (default 1.3, typical of
English text and OpenAI's tokenizers) turns them into an estimate of real tokens.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
from parallel_course.otter_files import check_name, is_answer_cell, solution_code  # noqa: E402

MARKER = "COURSE-USAGE:"
BEGIN, END = "<!-- cost:begin -->", "<!-- cost:end -->"
# USD per million tokens, gpt-4o-mini list price when this was written; check the current one.
PRICE_IN, PRICE_OUT = 0.15, 0.60

COUNTER = r'''
import threading as _threading
import parallel_course as _pc
import parallel_course.models as _models
from langchain_core.callbacks import BaseCallbackHandler as _Base
from parallel_course.fake_chat_model import split_tokens as _split

_USAGE = {"real": {"calls": 0, "errors": 0, "input": 0, "output": 0},
          "fake": {"calls": 0, "errors": 0, "input": 0, "output": 0}}
_LOCK = _threading.Lock()


class _Count(_Base):
    run_inline = True

    def __init__(self, bucket, extra_input):
        self.bucket, self.extra_input = bucket, extra_input

    def on_chat_model_start(self, serialized, messages, **kwargs):
        with _LOCK:
            _USAGE[self.bucket]["calls"] += 1

    def on_llm_end(self, response, **kwargs):
        usage = {}
        for generations in response.generations:
            for generation in generations:
                usage = getattr(getattr(generation, "message", None), "usage_metadata", None) or usage
        with _LOCK:
            _USAGE[self.bucket]["input"] += usage.get("input_tokens", 0) + self.extra_input
            _USAGE[self.bucket]["output"] += usage.get("output_tokens", 0)

    def on_llm_error(self, error, **kwargs):
        with _LOCK:
            _USAGE[self.bucket]["errors"] += 1


_original = _models.get_chat_model


def _counting_get_chat_model(task="echo", *, fake=False, **settings):
    model = _original(task, fake=fake, **settings)
    bucket = "fake" if fake else "real"
    extra = 0 if fake else len(_split(_models.TASK_INSTRUCTIONS[task]))
    model.callbacks = [*(model.callbacks or []), _Count(bucket, extra)]
    return model


_pc.get_chat_model = _models.get_chat_model = _counting_get_chat_model
'''

REPORT = f'import json as _json\nprint("{MARKER}" + _json.dumps(_USAGE))'


def runnable_notebook(learner: Path, solution: Path) -> nbformat.NotebookNode:
    """The learner notebook with each answer cell replaced by its solution, plus the counter."""
    nb = nbformat.read(learner, as_version=4)
    answers = solution_code(solution)
    cells = [nbformat.v4.new_code_cell(COUNTER)]
    for cell in nb.cells:
        if is_answer_cell(cell):
            continue
        name = check_name(cell)
        if name is not None:
            cells.append(nbformat.v4.new_code_cell(answers[name]))
        cells.append(cell)
    cells.append(nbformat.v4.new_code_cell(REPORT))
    nb.cells = cells
    return nb


def measure(learner: Path, solution: Path, timeout: int) -> tuple[dict, int]:
    """Run one notebook; return its usage tallies and the number of cells that raised."""
    nb = runnable_notebook(learner, solution)
    client = NotebookClient(nb, timeout=timeout, kernel_name="parallel-course", allow_errors=True,
                            resources={"metadata": {"path": str(learner.parent)}})
    client.execute()
    errors = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error")
    for output in nb.cells[-1].outputs:
        text = output.get("text", "")
        if MARKER in text:
            return json.loads(text.split(MARKER, 1)[1]), errors
    raise RuntimeError(f"{learner.name}: the usage report cell printed nothing")


def table(rows: dict[str, dict], tokens_per_word: float) -> str:
    lines = [
        "| notebook | real-model calls | input words | output words | est. tokens (in / out) "
        "| est. cost (USD) | fake=True calls (free) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total = {"calls": 0, "input": 0, "output": 0, "fake": 0}
    for name, usage in rows.items():
        real, fake = usage["real"], usage["fake"]
        total["calls"] += real["calls"]
        total["input"] += real["input"]
        total["output"] += real["output"]
        total["fake"] += fake["calls"]
        lines.append(row(name, real["calls"], real["input"], real["output"], fake["calls"], tokens_per_word))
    if len(rows) > 1:
        lines.append(row("**all**", total["calls"], total["input"], total["output"], total["fake"], tokens_per_word))
    return "\n".join(lines)


def row(name: str, calls: int, words_in: int, words_out: int, fake_calls: int, tokens_per_word: float) -> str:
    tokens_in, tokens_out = round(words_in * tokens_per_word), round(words_out * tokens_per_word)
    cost = (tokens_in * PRICE_IN + tokens_out * PRICE_OUT) / 1e6
    return (f"| {name} | {calls} | {words_in:,} | {words_out:,} | {tokens_in:,} / {tokens_out:,} | "
            f"{cost:.4f} | {fake_calls} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--write", type=Path, help=f"replace the table between {BEGIN} and {END} in this file")
    parser.add_argument("--tokens-per-word", type=float, default=1.3)
    parser.add_argument("--time-scale", default="0.1", help="COURSE_TIME_SCALE for the runs")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args(argv)

    # Offline whatever the developer's shell or .env says: counting must never call a real API.
    os.environ.update(COURSE_TIME_SCALE=args.time_scale, COURSE_MODEL="fake", COURSE_DOTENV="0")
    solutions = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    solutions = [s for s in solutions if not args.only or any(s.stem.startswith(o) for o in args.only)]
    rows = {}
    for solution in solutions:
        learner = ROOT / "notebooks" / solution.name
        if not learner.exists():
            print(f"skipped {solution.stem}: no learner notebook (run scripts/assign.py)", file=sys.stderr)
            continue
        usage, errors = measure(learner, solution, args.timeout)
        rows[solution.stem] = usage
        note = f", {errors} cell(s) raised" if errors else ""
        print(f"{solution.stem}: {usage['real']['calls']} real-model calls{note}", file=sys.stderr)
    markdown = table(rows, args.tokens_per_word)
    print(markdown)
    if args.write:
        text = args.write.read_text()
        if BEGIN not in text or END not in text:
            raise SystemExit(f"{args.write} has no {BEGIN} ... {END} block to replace")
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        args.write.write_text(f"{before}{BEGIN}\n{markdown}\n{END}{after}")
        print(f"updated {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
