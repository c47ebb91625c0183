"""``python -m course_tools.grading``: the grader's command line (see ``cli``)."""

import sys

from .sandbox import clean_environment

clean_environment()  # before the grader's imports, which the clean process then pays once
from .cli import main  # noqa: E402

sys.exit(main())
