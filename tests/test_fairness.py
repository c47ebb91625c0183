"""A neighbour cannot starve a classmate: a submission that timed out while another ran beside it is
graded again at the end, alone, so one that needs N seconds alone finishes within its timeout.

The honest notebook here needs the wall clock to reach a moment ``READY`` seconds after the class is
written: beside its neighbour, at the batch's start, that is more than its timeout; graded again
alone, after its first timeout, it is less. The margins are the grader's start-up time (2-12 s on a
quiet machine, more beside other work) against ``READY - TIMEOUT`` (25 s) and ``2 * TIMEOUT - READY``.
The test waits, it does not compute: beside the other grading tests it costs no CPU.
"""

import time

from exercises import ROOT
from grading_support import (
    NAME,
    answered,
    answers,
    autograder_zip,
    insert_after,
    is_setup,
    learner,
    read_rows,
    reduced,
    run_grader,
    write,
)

from course_tools.grading.assignments import INIT_CELL, load_assignment

TIMEOUT, READY = 30, 55  # the grader starts a notebook 2-12 s after the class is written, up to 25 s when busy


def test_a_notebook_that_timed_out_beside_another_is_graded_again_alone(tmp_path):
    zips, subs, out = tmp_path / "zips", tmp_path / "submissions", tmp_path / "out"
    zips.mkdir()
    autograder_zip(zips)
    ready = time.time() + READY
    wait = f"import time\ntime.sleep(max(0.0, {ready!r} - time.time()))"
    assignment = load_assignment(zips / f"{NAME}.zip", ROOT / "notebooks")
    solved = reduced(answered(answers()), assignment)
    write(insert_after(solved, lambda cell: INIT_CELL.match(cell.source), wait), subs, "alice")
    write(insert_after(reduced(learner(), assignment), is_setup, "import time\ntime.sleep(3)"), subs, "bob")
    run_grader(subs, out, zips, "--timeout", str(TIMEOUT))
    rows = read_rows(out)
    alice, bob = rows["alice"], rows["bob"]
    assert alice["status"] == "graded" and float(alice["total"]) == float(alice["max"]) > 0, alice["reason"]
    assert f"timed out after {TIMEOUT} s beside other submissions: graded again alone" in alice["reason"]
    assert float(alice["seconds"]) < TIMEOUT  # the second run's time
    assert bob["status"] == "graded" and "graded again" not in bob["reason"]
