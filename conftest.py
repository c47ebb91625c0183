"""Course-wide pytest hooks: exercise trials inside nbval's runs, a kernel start that is retried and
forked from a warm zygote, and nbval's time per notebook."""

from collections import defaultdict

from exercises import exercise_trials  # tests/ is on pytest's pythonpath (pyproject.toml)
from kernel_start import warm_launch, with_retries


def pytest_addoption(parser):
    parser.addoption(
        "--exercise-trials",
        action="store_true",
        help="try each exercise in nbval's run: wrong answer and solution (notebooks/), graded tests (solutions/)",
    )


def pytest_configure(config):
    import jupyter_client.provisioning.local_provisioner as local
    import nbval.kernel

    nbval.kernel.start_new_kernel = with_retries(nbval.kernel.start_new_kernel)
    local.launch_kernel = warm_launch(local.launch_kernel)


def pytest_collection_modifyitems(config, items):
    if config.getoption("exercise_trials"):
        items[:] = exercise_trials(items)


def pytest_terminal_summary(terminalreporter):
    """Report how long each notebook took to execute under nbval (issue budgets are per notebook)."""
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
