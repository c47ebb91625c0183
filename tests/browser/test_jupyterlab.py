"""JupyterLab in a real browser: notebook 01 opened as `make lab` serves it, run, checked.

Debian's Chromium (/usr/bin/chromium) is driven by Playwright; no browser is downloaded.
The notebooks are copied to a temporary folder so saving the executed notebook leaves the
repository untouched; a fresh user-settings folder turns off cell windowing so every output
is in the page. A screenshot goes to build/browser/.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = "01_runnable_parallel_overview.ipynb"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-quic", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """`make lab` on a copy of notebooks/, on 127.0.0.1 with a token; yields (url, folder)."""
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    port, token = free_port(), "course-browser-test"
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
    # a fresh user-settings folder that renders every cell (no windowing), so outputs can be found
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = {
        **os.environ,
        "COURSE_TIME_SCALE": "0.3",  # nearer human scale than the unit tests: robust on a busy machine
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
    }
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_DIR={folder}", f"LAB_ARGS={args}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("JupyterLab did not start") from None
                time.sleep(0.5)
        yield f"{url}/lab/tree/{NOTEBOOK}?token={token}", folder
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def run_all_cells(page, attempts: int = 3) -> None:
    """Run > Run All Cells, again if no cell started (a click can land before the kernel is wired up)."""
    started = page.locator(".jp-CodeCell .jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for _ in range(attempts):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            started.first.wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells did not start any cell")


def wait_until_done(page, kernel_idle, seconds: float = 240, quiet: float = 10) -> None:
    """Wait until the last code cell has run, or the kernel stayed idle ``quiet`` s (Run All stopped on an error)."""
    last_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").last
    deadline, idle_since = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        if re.search(r"\[\d+\]", last_prompt.text_content() or ""):
            return
        if kernel_idle.count():
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= quiet:
                return
        else:
            idle_since = None
        time.sleep(0.5)
    raise AssertionError(f"the notebook was still running after {seconds} s")


def test_notebook_01_runs_in_jupyterlab(lab):
    url, folder = lab
    shots = ROOT / "build" / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        kernel_idle = page.locator(".jp-StatusBar-Widget", has_text="| Idle")
        kernel_idle.first.wait_for(timeout=60_000)
        run_all_cells(page)
        wait_until_done(page, kernel_idle)
        kernel_idle.first.wait_for(timeout=30_000)
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1500)
        figures = page.locator(".jp-OutputArea-output img")
        if figures.count():
            figures.first.scroll_into_view_if_needed(timeout=10_000)
        page.screenshot(path=str(shots / "notebook01.png"))
        figure_box = figures.first.bounding_box() if figures.count() else None
        browser.close()

    nb = json.loads((folder / NOTEBOOK).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    assert all(c["execution_count"] for c in code), "the saved notebook was not fully executed"
    images = [o for c in code for o in c["outputs"] if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the sequential-vs-parallel timelines and the exercise's timeline
    assert figure_box and figure_box["width"] > 200  # ... and the browser displays them
