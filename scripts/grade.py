"""Grade a folder of learner notebooks: ``python scripts/grade.py SUBMISSIONS [options]``.

The grader is the package ``parallel_course.grading`` (``python -m parallel_course.grading``);
this script is the same command, kept for ``make grade`` and muscle memory.
"""

import sys

from parallel_course.grading.cli import clean_environment, main

if __name__ == "__main__":
    clean_environment()
    sys.exit(main())
