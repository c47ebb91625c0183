"""The course's grader: sandboxed, parallel grading of learner notebooks with otter's tests.

One module per stage: ``assignments`` (the zips' tests, read with otter's classes), ``submissions``
(finding and matching notebooks), ``sandbox`` (the operating system's confinement), ``execution``
(inside the sandbox: cells and doctests), ``runner`` (the zygote and the grader's side of each run),
``scoring`` (rows and feedback), ``reports`` (grades.csv, the summary), ``gradescope`` and ``cli``.
"""
