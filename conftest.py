"""Course-wide pytest hooks: exercise trials inside nbval's runs, a kernel start that is retried and
forked from a warm zygote, nbval's time per notebook, and the notebooks run longest first."""

import notebook_times  # tests/ is on pytest's pythonpath (pyproject.toml)
from exercises import exercise_trials
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
    notebook_times.longest_first(items, notebook_times.record())


def pytest_terminal_summary(terminalreporter):
    """Report how long each notebook took to execute under nbval (issue budgets are per notebook)."""
    seconds = notebook_times.totals(terminalreporter.stats)
    if seconds:
        terminalreporter.write_sep("-", "notebook execution time")
        for notebook, total in sorted(seconds.items()):
            terminalreporter.write_line(f"{total:6.1f} s  {notebook}")
        notebook_times.save(seconds, notebook_times.record())
