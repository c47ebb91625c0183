"""The course's instructor tooling: what grades learners' notebooks. Learners never import it, and a
submission's sandbox does not even mount it (``grading.sandbox.readable_paths``)."""
