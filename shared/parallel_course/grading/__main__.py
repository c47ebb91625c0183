"""``python -m parallel_course.grading``: the grader's command line (see ``cli``)."""

import sys

from .cli import clean_environment, main

clean_environment()
sys.exit(main())
