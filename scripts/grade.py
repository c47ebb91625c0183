"""Grade a folder of learner notebooks: ``python scripts/grade.py SUBMISSIONS [options]``.

The grader is the package ``parallel_course.grading`` (``python -m parallel_course.grading``);
this script is the same command, kept for ``make grade`` and muscle memory.
"""

import runpy

if __name__ == "__main__":
    runpy.run_module("parallel_course.grading", run_name="__main__")
