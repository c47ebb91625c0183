"""Grade a folder of learner notebooks: ``python scripts/grade.py SUBMISSIONS [options]``.

The grader is the package ``course_tools.grading`` (``python -m course_tools.grading``);
this script is the same command, kept for ``make grade`` and muscle memory.
"""

import runpy

if __name__ == "__main__":
    runpy.run_module("course_tools.grading", run_name="__main__")
