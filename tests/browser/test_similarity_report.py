"""The similarity report in a real browser: Debian's Chromium, driven by Playwright, opens the report on
the class of tests/similarity_class.py; its pairs and their cells side by side are shown, the page
logs no error and loads nothing. A screenshot goes to build/browser/similarity.png."""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from similarity_class import write_class

from course_tools.grading import similarity

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-quic", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def test_the_report_shows_the_copied_pairs_side_by_side(tmp_path):
    write_class(tmp_path / "subs")
    similarity.similarity_report(tmp_path / "subs", tmp_path / "out", ROOT / "notebooks")
    report = tmp_path / "out" / "similarity.html"
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: r.url != report.as_uri() and problems.append(f"loaded {r.url}"))
        page.goto(report.as_uri())
        rows = page.locator("tr.pair")
        assert rows.count() == 2
        assert [rows.nth(i).locator("td").nth(2).inner_text() for i in range(2)] == ["alice", "carol"]
        rows.first.locator("a").click()
        section = page.locator("#pair-1")
        assert section.is_visible() and "alice & bob" in section.locator("h2").inner_text()
        cells = section.locator("td.cells")
        assert cells.count() == 10 and all(cells.nth(i).is_visible() for i in range(10))
        left, right = cells.nth(8).bounding_box(), cells.nth(9).bounding_box()  # q01_triage: side by side
        assert abs(left["y"] - right["y"]) < 1 and left["x"] + left["width"] <= right["x"] + 1
        assert cells.nth(9).locator("mark").count() > 0 and "# my own solution" in cells.nth(9).inner_text()
        shots = ROOT / "build" / "browser"
        shots.mkdir(parents=True, exist_ok=True)
        page.goto(report.as_uri())
        page.screenshot(path=str(shots / "similarity.png"))
        browser.close()
    assert not problems, problems
