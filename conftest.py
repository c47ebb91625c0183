"""Report how long each notebook took to execute under nbval (issue budgets are per notebook)."""

from collections import defaultdict


def pytest_terminal_summary(terminalreporter):
    totals: dict[str, float] = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid, duration = getattr(report, "nodeid", ""), getattr(report, "duration", 0.0)
            if ".ipynb::" in nodeid:
                totals[nodeid.split("::")[0]] += duration
    if totals:
        terminalreporter.write_sep("-", "notebook execution time")
        for notebook, seconds in sorted(totals.items()):
            terminalreporter.write_line(f"{seconds:6.1f} s  {notebook}")
