"""nbval's kernel start is retried when the kernel dies before it is ready (root conftest.py)."""

import nbval.kernel
import pytest
from kernel_start import with_retries


def test_nbval_starts_kernels_through_the_retrying_wrapper():
    assert nbval.kernel.start_new_kernel.__qualname__ == "with_retries.<locals>.start"


def test_a_kernel_that_dies_once_is_started_again():
    calls = []

    def flaky_start(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "km", "kc"

    assert with_retries(flaky_start)(kernel_name="k") == ("km", "kc")
    assert calls == [{"kernel_name": "k"}] * 2


def test_a_kernel_that_keeps_dying_raises_after_the_last_attempt():
    calls = []

    def dead_start():
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    with pytest.raises(RuntimeError, match="Kernel died"):
        with_retries(dead_start, attempts=3)()
    assert len(calls) == 3
