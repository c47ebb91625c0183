"""Benchmark `make grade`: 40 submissions of one notebook, against serial `otter run` of the same 40.

    python scripts/bench_grading.py                  # grade.py on 40 + serial `otter run` on the same 40
    python scripts/bench_grading.py --otter 5        # time `otter run` on 5 and extrapolate (faster)
    python scripts/bench_grading.py --otter-pool     # also otter's Python API in a process pool

Writes ``build/bench/grading.md`` (the report) and ``grading.json``. The class is made from the
learner notebook: solutions, one or two wrong answers (``tests/wrong_answers/``), untouched
notebooks, so the scores of the two graders can be compared question by question (they must
agree). It also measures where `otter run`'s time goes: otter's own start, the kernel's start,
the `import otter` of the notebook's first cell, the course imports, and the rest of the notebook.
"""

import argparse
import csv
import json
import os
import platform
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
from parallel_course.otter_files import is_answer_cell, solution_code  # noqa: E402

BIN = Path(sys.executable).parent
OUT = ROOT / "build" / "bench"


def build_class(name: str, folder: Path, size: int) -> dict[str, str]:
    """``size`` learner notebooks: 40% solved, 30% one wrong answer, 10% two, 20% untouched."""
    solution = solution_code(ROOT / "solutions" / f"{name}.ipynb")
    wrong = runpy.run_path(str(ROOT / "tests" / "wrong_answers" / f"{name}.py"))["WRONG"]
    wrong = {q: codes if isinstance(codes, str) else codes[0] for q, codes in wrong.items()}  # the first mistake
    questions = list(solution)
    kinds = {}
    for i in range(size):
        student = f"student{i + 1:02d}"
        share = i / size
        if share < 0.4:
            answers, kind = dict(solution), "solved"
        elif share < 0.7:
            q = questions[i % len(questions)]
            answers, kind = {**solution, q: wrong[q]}, f"wrong {q}"
        elif share < 0.8:
            qs = [questions[i % len(questions)], questions[(i + 1) % len(questions)]]
            answers, kind = {**solution, **{q: wrong[q] for q in qs}}, f"wrong {' '.join(qs)}"
        else:
            answers, kind = {}, "untouched"
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        cells = [c for c in nb.cells if is_answer_cell(c)]
        for q, cell in zip(questions, cells, strict=True):
            if q in answers:
                cell.source = answers[q]
        path = folder / student / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        kinds[student] = kind
    return kinds


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def cpu_children() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_grade(subs: Path, out: Path, workers: int, time_scale: float) -> dict:
    command = [
        sys.executable,
        str(ROOT / "scripts" / "grade.py"),
        str(subs),
        "--out",
        str(out),
        "--force",
        "--quiet",
        "--workers",
        str(workers),
        "--time-scale",
        str(time_scale),
    ]
    cpu, started, before = cpu_children(), time.perf_counter(), load()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return {"wall": wall, "cpu": cpu_children() - cpu, "load_before": before, "load_after": load(), "rows": rows}


def otter_scores(results_json: Path) -> dict[str, float]:
    tests = json.loads(results_json.read_text())["tests"]
    return {t["name"]: float(t["score"]) for t in tests if "score" in t and t["name"] != "Public Tests"}


def run_otter_serial(subs: list[Path], zip_path: Path, time_scale: float) -> dict:
    env = {**os.environ, "COURSE_TIME_SCALE": str(time_scale), "COURSE_MODEL": "fake", "COURSE_DOTENV": "0"}
    times, scores = {}, {}
    cpu, started, before = cpu_children(), time.perf_counter(), load()
    for path in subs:
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            subprocess.run(
                [str(BIN / "otter"), "run", "-a", str(zip_path), str(path), "-o", out],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=path.parent,
            )
            times[path.parent.name] = time.perf_counter() - t
            result = Path(out) / "results.json"
            scores[path.parent.name] = otter_scores(result) if result.exists() else None
        print(f"  otter run {path.parent.name}: {times[path.parent.name]:.1f} s", flush=True)
    return {
        "wall": time.perf_counter() - started,
        "cpu": cpu_children() - cpu,
        "times": times,
        "scores": scores,
        "load_before": before,
        "load_after": load(),
    }


def _otter_api(args: tuple[str, str, float]) -> tuple[str, float, dict | None]:
    path, zip_path, time_scale = args
    os.environ.update(COURSE_TIME_SCALE=str(time_scale), COURSE_MODEL="fake", COURSE_DOTENV="0")
    import contextlib
    import io

    from otter.run import main as otter_run

    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()):
        try:
            otter_run(path, autograder=zip_path, output_dir=out, no_logo=True)
            scores = otter_scores(Path(out) / "results.json")
        except Exception:
            scores = None
    return Path(path).parent.name, time.perf_counter() - t, scores


def run_otter_pool(subs: list[Path], zip_path: Path, time_scale: float, workers: int) -> dict:
    cpu, started, before = cpu_children(), time.perf_counter(), load()
    with ProcessPoolExecutor(workers) as pool:
        done = list(pool.map(_otter_api, [(str(p), str(zip_path), time_scale) for p in subs]))
    return {
        "wall": time.perf_counter() - started,
        "cpu": cpu_children() - cpu,
        "times": {s: t for s, t, _ in done},
        "scores": {s: sc for s, _, sc in done},
        "load_before": before,
        "load_after": load(),
    }


def breakdown(path: Path, time_scale: float) -> dict:
    """Where one `otter run` spends its time: otter's start, kernel start, imports, the notebook."""
    env = {**os.environ, "COURSE_TIME_SCALE": str(time_scale), "COURSE_MODEL": "fake", "COURSE_DOTENV": "0"}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import otter.run, otter.cli"], check=True, env=env)
    otter_start = time.perf_counter() - t
    code = f"""
import json, time, nbformat
from nbclient import NotebookClient
nb = nbformat.read({str(path)!r}, as_version=4)
client = NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                        resources={{"metadata": {{"path": {str(path.parent)!r}}}}})
t = time.perf_counter()
with client.setup_kernel():
    kernel = time.perf_counter() - t
    cells = []
    for i, cell in enumerate(nb.cells):
        s = time.perf_counter()
        client.execute_cell(cell, i)
        cells.append(time.perf_counter() - s)
code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
print(json.dumps({{"kernel": kernel, "otter_import": cells[code[0]], "course_imports": cells[code[1]],
                  "rest": sum(cells) - cells[code[0]] - cells[code[1]]}}))
"""
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    return {"otter_start": otter_start, **json.loads(done.stdout.strip().splitlines()[-1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="01_runnable_parallel_overview")
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--time-scale", type=float, default=0.1)
    parser.add_argument("--otter", type=int, default=None, help="submissions to run `otter run` on (default: all)")
    parser.add_argument("--otter-pool", action="store_true", help="also otter.run.main in a process pool")
    args = parser.parse_args()
    zip_path = ROOT / "build" / "autograder" / f"{args.notebook}.zip"
    if not zip_path.exists():
        raise SystemExit(f"{zip_path} is missing: run `make autograder` (or scripts/assign.py {args.notebook[:2]})")
    subs_dir = OUT / "submissions"
    if subs_dir.exists():
        import shutil

        shutil.rmtree(subs_dir)
    kinds = build_class(args.notebook, subs_dir, args.size)
    subs = sorted(subs_dir.glob(f"*/{args.notebook}.ipynb"))
    report = {
        "machine": f"{os.cpu_count()} cores, {platform.python_version()}",
        "size": args.size,
        "workers": args.workers,
        "time_scale": args.time_scale,
    }

    print(f"grade.py on {len(subs)} submissions, {args.workers} workers ...", flush=True)
    mine = run_grade(subs_dir, OUT / "grades", args.workers, args.time_scale)
    seconds = [float(r["seconds"]) for r in mine["rows"].values()]
    report["grade"] = {k: mine[k] for k in ("wall", "cpu", "load_before", "load_after")}
    report["grade"]["per_submission_median"] = statistics.median(seconds)
    print(f"  {mine['wall']:.1f} s wall", flush=True)

    print("where one `otter run` spends its time ...", flush=True)
    report["breakdown"] = breakdown(subs[0], args.time_scale)

    count = len(subs) if args.otter is None else min(args.otter, len(subs))
    otter = None
    if count:
        print(f"serial `otter run` on {count} submissions ...", flush=True)
        otter = run_otter_serial(subs[:count], zip_path, args.time_scale)
        report["otter_serial"] = {k: otter[k] for k in ("wall", "cpu", "load_before", "load_after")}
        report["otter_serial"]["measured"] = count
        report["otter_serial"]["per_submission_median"] = statistics.median(otter["times"].values())
        report["otter_serial"]["extrapolated_40"] = otter["wall"] / count * len(subs)
    if args.otter_pool:
        print(f"otter.run.main in a pool of {args.workers} on {len(subs)} submissions ...", flush=True)
        pool = run_otter_pool(subs, zip_path, args.time_scale, args.workers)
        report["otter_pool"] = {k: pool[k] for k in ("wall", "cpu", "load_before", "load_after")}

    agreement = []
    if otter:
        for student, theirs in otter["scores"].items():
            ours = mine["rows"][student]
            if theirs is None:
                agreement.append((student, "otter run failed", ""))
                continue
            for q, score in theirs.items():
                if abs(float(ours[q]) - score) > 1e-9:
                    agreement.append((student, q, f"grade.py {ours[q]} vs otter {score:g}"))
        report["agreement"] = {"compared": len(otter["scores"]), "differences": agreement}

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "grading.json").write_text(json.dumps(report, indent=2, default=str))
    (OUT / "grading.md").write_text(markdown(report, kinds, mine))
    print((OUT / "grading.md").read_text())
    return 0


def markdown(report: dict, kinds: dict, mine: dict) -> str:
    g, b = report["grade"], report["breakdown"]
    lines = [
        f"# Grading benchmark: {report['size']} submissions of one notebook",
        "",
        f"Machine: {report['machine']}; `--time-scale {report['time_scale']}`; {report['workers']} workers.",
        "",
        "| grader | wall time | CPU time (all processes) | per submission (median) | load average before / after |",
        "|---|---|---|---|---|",
        f"| `make grade` (sandboxed, {report['workers']} workers) | **{g['wall']:.0f} s** | {g['cpu']:.0f} s | "
        f"{g['per_submission_median']:.1f} s | {g['load_before']} / {g['load_after']} |",
    ]
    if "otter_serial" in report:
        o = report["otter_serial"]
        extra = "" if o["measured"] == report["size"] else f" (measured {o['measured']}, extrapolated)"
        cpu = o["cpu"] / o["measured"] * report["size"]
        lines.append(
            f"| serial `otter run` CLI | **{o['extrapolated_40']:.0f} s**{extra} | {cpu:.0f} s | "
            f"{o['per_submission_median']:.1f} s | {o['load_before']} / {o['load_after']} |"
        )
    if "otter_pool" in report:
        p = report["otter_pool"]
        lines.append(
            f"| `otter.run.main` in a pool of {report['workers']} | **{p['wall']:.0f} s** | {p['cpu']:.0f} s | | "
            f"{p['load_before']} / {p['load_after']} |"
        )
    lines += [
        "",
        "Where one `otter run` spends its time (one submission, seconds):",
        "",
        "| otter's own start | kernel start | notebook's `import otter` | course imports | rest of the notebook |",
        "|---|---|---|---|---|",
        f"| {b['otter_start']:.1f} | {b['kernel']:.1f} | {b['otter_import']:.1f} | {b['course_imports']:.1f} | "
        f"{b['rest']:.1f} |",
        "",
        "`make grade` pays the imports once per batch (then forks a sandbox per submission), starts no kernel",
        "and no otter, and runs `--workers` notebooks at once; what is left per submission is the notebook itself.",
    ]
    if "agreement" in report:
        a = report["agreement"]
        lines += [
            "",
            f"Scores compared with `otter run` on {a['compared']} submissions: {len(a['differences'])} difference(s).",
        ]
        lines += [f"- {s} {q}: {d}" for s, q, d in a["differences"]]
    mix = {}
    for kind in kinds.values():
        mix[kind.split()[0]] = mix.get(kind.split()[0], 0) + 1
    totals = [float(r["total"]) for r in mine["rows"].values()]
    lines += ["", f"Class: {mix}; mean total {statistics.mean(totals):.2f}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
