"""A retry around nbval's kernel start (installed by the root conftest.py)."""


def with_retries(start_new_kernel, attempts: int = 3):
    """nbval's kernel start, tried again if the kernel dies before it is ready.

    jupyter_client picks a kernel's five ports by binding port 0 and closing the socket;
    until the kernel binds them, another process may take one (`make test` starts kernels
    in three sessions at once, beside a stream of HTTP connections), and the kernel dies.
    """

    def start(*args, **kwargs):
        for attempt in range(1, attempts + 1):
            try:
                return start_new_kernel(*args, **kwargs)
            except RuntimeError:  # "Kernel died before replying to kernel_info"
                if attempt == attempts:
                    raise

    return start
