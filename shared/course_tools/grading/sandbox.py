"""The sandbox a submission runs in: Linux namespaces, mounts, resource limits and no capabilities.

``confine(work, ...)`` is called in a freshly forked, single-threaded process (the *supervisor*). It
creates new mount, network, PID, IPC and UTS namespaces (inside a new user namespace unless the
grader is the machine's root), then forks the *submission process*, PID 1 of the new PID namespace,
which:

* sees a new root file system: a tmpfs holding read-only bind mounts of what a notebook needs (the
  running interpreter's prefixes, the system libraries, the course package and ``data/``), a private
  writable ``/submission`` (its working folder and HOME) and ``/tmp``, both size-capped tmpfs, a few
  device nodes and a ``/proc`` of its own PID namespace (without ``MASKED``); nothing else of the host;
* has no network device but a loopback that is down (no connection anywhere, loopback included);
* runs with no capabilities, ``no_new_privs`` (under a root grader: as an unprivileged user of its
  own), limits on address space, tasks (a fork bomb), file size, open files and System V IPC, an empty
  session keyring of its own, and, last, a seccomp filter denying the system calls in ``DENIED``;
* is, where the grader may create cgroups (a root grader), in a cgroup of its own that caps the memory
  (tmpfs pages included) and the tasks of all its processes together and gives them one share of the CPU;
* takes every process it starts with it: when PID 1 of a PID namespace exits, the kernel kills the
  namespace's other processes, double-forked ones included.

The supervisor stays outside the PID namespace (a submission cannot see or signal it); SIGTERM makes it
kill the submission process, it stops a sandbox that stays at its task limit, and it exits with the
submission process's status, after removing the sandbox's cgroup. This is the mechanism
bubblewrap uses, set up in the forked child so that the grader's imports are paid once per batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

try:
    import pyseccomp as seccomp
except (ImportError, RuntimeError):  # not installed, or no libseccomp.so.2 on this machine
    seccomp = None

# All the grader keeps of the environment it is started in (it re-executes itself without the rest).
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR", "COLUMNS", "PYTHONPATH")
CLEAN_MARK = "PARALLEL_COURSE_GRADER"

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
CLONE_NEW = (CLONE_NEWNS, 0x02000000, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME, MNT_DETACH = 4096, 16384, 1 << 18, 1 << 21, 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
KEYCTL_JOIN_SESSION_KEYRING = 1
AF_VSOCK = 40  # sockets to the hypervisor's host: no network namespace holds them
# The host users a root grader's submissions run as (no file on the host belongs to them), one per
# sandbox: SANDBOX_UID + its supervisor's pid (at most PID_MAX), so no two sandboxes on the machine
# share one, whichever grader started them (the task limit counts per user).
SANDBOX_UID, PID_MAX = 1_999_999_999, 2**22


def sandbox_uid(supervisor: int) -> int:
    """The user a root grader's sandbox runs as, from its supervisor's pid (unique among live processes)."""
    return SANDBOX_UID + supervisor % PID_MAX
DEVICES = ("null", "zero", "full", "random", "urandom")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache",)  # the dynamic loader finds libraries for new extension modules
# The system calls a notebook never makes, denied with EPERM by the seccomp filter (the one list of
# them). The filter also denies clone with a CLONE_NEW* flag, a socket of AF_VSOCK, clone3 (ENOSYS, so
# glibc falls back to clone, whose flags it can read), and every system call newer than libseccomp's
# table (ENOSYS).
DENIED = (
    # keyrings: the grader's session keyring, a user keyring that outlives the batch
    *("keyctl", "add_key", "request_key"),
    # namespaces: a new user namespace gives back capabilities over new mounts and tmpfs
    *("unshare", "setns"),
    # memory that no limit counts, or that outlives a file's deletion
    *("memfd_create", "memfd_secret", "setxattr", "lsetxattr", "fsetxattr"),
    # the kernel's least-tested doors
    *("io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd"),
    # other processes' memory
    *("ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp"),
    # mounts
    *("mount", "umount2", "pivot_root", "chroot", "move_mount", "fsopen", "fsmount", "fsconfig", "fspick"),
    *("open_tree", "mount_setattr"),
    # the kernel and the machine
    *("kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "acct"),
    *("swapon", "swapoff", "syslog", "quotactl", "quotactl_fd", "open_by_handle_at", "name_to_handle_at"),
    # a new session is a new autogroup, so a new share of the CPU where no cgroup holds it
    "setsid",
)
# What its /proc shows of the host's keys (descriptions, per-user counts): nothing, as in Docker.
MASKED = ("/proc/keys", "/proc/key-users")
CGROUP_DIR = "course-grader"  # per batch (batch-<zygote's pid>), per sandbox (sandbox-<supervisor's pid>)
SWAP_FILES = ("memory.memsw.limit_in_bytes", "memory.swap.max")  # absent without swap accounting


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    memory: int = 3 * 2**30  # bytes of address space on top of what the grader's copy already maps
    tasks: int = 256  # processes and threads at once (the kernel refuses more)
    processes: int = 64  # a sandbox that keeps more processes than this is stopped (a notebook needs a few)
    file_size: int = 256 * 2**20  # bytes, any one file
    scratch: int = 512 * 2**20  # bytes, /submission; /tmp, /dev/shm and System V shared memory a quarter each
    inodes: int = 16384  # files and folders in /submission; /tmp and /dev/shm a quarter each
    open_files: int = 1024


class SandboxError(RuntimeError):
    """The sandbox could not be set up on this machine."""


_libc = ctypes.CDLL(None, use_errno=True)


@dataclasses.dataclass
class Cgroup:
    """A sandbox's cgroup, as open files: the supervisor no longer sees ``/sys`` once the sandbox's root is built.

    It lies in ``CGROUP_DIR/batch-<zygote's pid>/sandbox-<supervisor's pid>`` of each hierarchy (under
    the grader's own cgroup in v1, at the root of a v2 hierarchy, where a cgroup with processes cannot
    have children with controllers), so a grader killed with ``kill -9`` leaves cgroups that the next
    sandbox recognises and removes.
    """

    name: str
    parents: list[int] = dataclasses.field(default_factory=list)  # the folders holding it, one per hierarchy
    procs: list[int] = dataclasses.field(default_factory=list)  # its cgroup.procs in each hierarchy
    events: int = -1  # its count of out-of-memory kills (memory.events in v2, memory.oom_control in v1)

    @classmethod
    def create(cls, limits: Limits) -> Cgroup | None:
        """A cgroup for the calling supervisor's sandbox, with its limits; None where the grader may not create one."""
        batch = f"batch-{os.getppid()}"
        cgroup = cls(f"sandbox-{os.getpid()}")
        try:
            for base, files, v2 in cgroup_hierarchies(limits):
                top = os.path.join(base, CGROUP_DIR)
                os.makedirs(os.path.join(top, batch), exist_ok=True)
                _remove_stale(top)
                if v2:
                    for folder in (base, top, os.path.join(top, batch)):
                        Path(folder, "cgroup.subtree_control").write_text("+memory +pids +cpu")
                path = os.path.join(top, batch, cgroup.name)
                os.mkdir(path)
                cgroup.parents.append(os.open(os.path.join(top, batch), os.O_RDONLY | os.O_DIRECTORY))
                for file, value in files.items():
                    if file not in SWAP_FILES or os.path.exists(os.path.join(path, file)):
                        Path(path, file).write_text(str(value))
                cgroup.procs.append(os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY))
                if cgroup.events < 0:
                    cgroup.events = os.open(os.path.join(path, "memory.events" if v2 else "memory.oom_control"), 0)
        except OSError:  # not root, a read-only /sys, a controller missing or taken
            cgroup.remove()
            return None
        return cgroup if cgroup.procs else None

    def enter(self) -> None:
        """In the submission process, before anything else: move into the cgroup; close its files."""
        for fd in self.procs:
            os.write(fd, b"0")
        for fd in (*self.procs, *self.parents, self.events):
            os.close(fd)

    def out_of_memory(self) -> bool:
        """Whether the kernel killed a process of the sandbox at its memory limit."""
        counts = dict(line.split() for line in os.pread(self.events, 4096, 0).decode().splitlines())
        return int(counts.get("oom_kill", 0)) > 0

    def remove(self) -> None:
        """In the supervisor, once the submission process is reaped (its namespace is then empty)."""
        for parent in self.parents:
            for _ in range(100):
                try:
                    os.rmdir(self.name, dir_fd=parent)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:  # EBUSY: its last processes are exiting
                    if e.errno != errno.EBUSY:
                        break
                    time.sleep(0.01)
        for fd in (*self.procs, *self.parents, self.events):
            if fd >= 0:
                os.close(fd)
        self.procs, self.parents, self.events = [], [], -1


def cgroup_hierarchies(limits: Limits) -> list[tuple[str, dict[str, int], bool]]:
    """Where the sandbox's cgroups go, what they set and whether in v2: a v2 hierarchy with memory, pids and cpu,
    else v1's memory, pids and cpu hierarchies (memory first); none if neither is mounted."""
    mounts = []  # (type, mount point, its root in the hierarchy, options)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            mounts.append((fields[dash + 1], fields[4], fields[3], fields[dash + 3].split(",")))
    needed = {"memory", "pids", "cpu"}
    for kind, point, _, _ in mounts:
        if kind == "cgroup2" and needed <= set(Path(point, "cgroup.controllers").read_text().split()):
            files = {"memory.max": limits.memory, "memory.swap.max": 0, "pids.max": limits.tasks, "cpu.weight": 100}
            return [(point, files, True)]
    own = {}  # controller -> the grader's cgroup in its v1 hierarchy
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            own.update(dict.fromkeys(controllers.split(","), path))
    found = []
    for controller, files in (
        ("memory", {"memory.limit_in_bytes": limits.memory, "memory.memsw.limit_in_bytes": limits.memory}),
        ("pids", {"pids.max": limits.tasks}),
        ("cpu", {"cpu.shares": 1024}),
    ):
        point = next(((p, r) for kind, p, r, options in mounts if kind == "cgroup" and controller in options), None)
        if point is None or controller not in own:
            return []
        found.append((os.path.join(point[0], os.path.relpath(own[controller], point[1])), files, False))
    return found


def _remove_stale(top: str) -> None:
    """Remove the cgroups a killed grader left: those of sandboxes and batches whose process is gone."""
    for batch in os.scandir(top):
        if batch.is_dir() and batch.name.startswith("batch-"):
            for box in os.scandir(batch.path):
                if box.is_dir() and box.name.startswith("sandbox-") and not _alive(box.name):
                    with contextlib.suppress(OSError):
                        os.rmdir(box.path)
            if not _alive(batch.name):
                with contextlib.suppress(OSError):
                    os.rmdir(batch.path)


def _alive(name: str) -> bool:
    """Whether the process named in ``batch-<pid>`` or ``sandbox-<pid>`` is running."""
    return os.path.exists(f"/proc/{name.split('-', 1)[1]}")


def _call(result: int, what: str) -> None:
    if result < 0:
        err = ctypes.get_errno()
        raise SandboxError(f"{what}: {os.strerror(err)} (errno {err})")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    source_b, fstype_b, data_b = (s.encode() if s is not None else None for s in (source, fstype, data))
    _call(_libc.mount(source_b, target.encode(), fstype_b, ctypes.c_ulong(flags), data_b), f"mount {target}")


def readable_paths() -> list[str]:
    """What a notebook reads: the interpreter's prefixes and libraries, the course package and its data."""
    from parallel_course import data

    package = Path(data.__file__).resolve().parent
    paths = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix, str(package), str(data.DATA_DIR)]
    paths += [p for p in (*SYSTEM_DIRS, *SYSTEM_FILES) if os.path.exists(p)]
    real = sorted({os.path.realpath(p) for p in paths}, key=len)
    return [p for i, p in enumerate(real) if not any(p.startswith(q.rstrip("/") + "/") for q in real[:i])]


def die_with_parent(parent: int, signum: int) -> None:
    """Get ``signum`` when the parent dies (Linux), and exit now if it already has."""
    _call(_libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0), "prctl(PDEATHSIG)")
    if os.getppid() != parent:
        os._exit(71)


def confine(
    work: Callable[[], None],
    readable: list[str],
    limits: Limits,
    report: Callable[[str, str], None],
    uid: int = SANDBOX_UID,
) -> NoReturn:
    """In the supervisor: build the sandbox, run ``work()`` in it as PID 1, exit with its status.

    As root, the namespaces need no user namespace, and the submission runs as the unprivileged
    ``uid`` (give each sandbox its own: its task limit counts per user). Otherwise a user
    namespace maps the grader's own user to the sandbox's root, which has no capabilities.
    """
    as_root = os.getuid() == 0 and _host_root()
    try:
        if seccomp is None:
            raise SandboxError("seccomp: libseccomp's Python bindings are missing (pip install -r requirements.txt)")
        cgroup = Cgroup.create(limits) if as_root else None
        _enter_namespaces(limits, user_namespace=not as_root)
        pid = os.fork()
    except Exception as e:
        report("grader_error", f"sandbox: {e}")
        os._exit(72)
    if pid == 0:
        try:
            die_with_parent(os.getppid(), signal.SIGKILL)
            if cgroup:
                cgroup.enter()
            _build_root(readable, limits, owner=uid if as_root else 0)
            _limit_ipc(limits)
            _lock_down(limits, uid if as_root else None)
            os.setsid()  # a session, so an autogroup, of its own: where no cgroup holds it, its share of the CPU
            _lower_priority()
            _syscall("keyctl", KEYCTL_JOIN_SESSION_KEYRING, None)  # an empty session keyring, not the grader's
            _install_filter()
        except Exception as e:
            report("grader_error", f"sandbox: {e}")
            os._exit(72)
        run_and_exit(work)
    supervise(pid, limits=limits, report=report, cgroup=cgroup)


def unconfined(work: Callable[[], None], workdir: str, limits: Limits) -> NoReturn:
    """Without a sandbox (``--unsandboxed``): resource limits and a folder of its own, nothing more."""
    pid = os.fork()
    if pid == 0:
        die_with_parent(os.getppid(), signal.SIGKILL)
        os.setsid()
        _lower_priority()
        os.chdir(workdir)
        _set_limits(limits)
        run_and_exit(work)
    supervise(pid, group=True)


def run_and_exit(work: Callable[[], None]) -> NoReturn:
    code = 0
    try:
        work()
    except BaseException:
        code = 70
    os._exit(code)


def supervise(
    pid: int, group: bool = False, limits: Limits | None = None, report=None, cgroup: Cgroup | None = None
) -> NoReturn:
    """Wait for the submission process; SIGTERM kills it; exit as it exited (the same code or signal).

    With ``limits``, the supervisor sees the sandbox's own ``/proc`` (it shares its root) and stops a
    sandbox that keeps more processes, or tasks, than its limits (a fork bomb, which slows every other
    submission down long before the kernel's task limit stops it). With ``cgroup``, it says when the
    kernel stopped the sandbox at its memory limit, and removes the cgroup.
    """

    def kill(signum=None, frame=None):
        with contextlib.suppress(OSError):
            (os.killpg if group else os.kill)(pid, signal.SIGKILL)

    signal.signal(signal.SIGTERM, kill)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])  # wait for it below, not in a handler
    over = 0
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        signal.sigtimedwait([signal.SIGCHLD], 0.1)  # back at once when it exits
        if limits and report:
            processes, tasks = _sandbox_size()
            over = over + 1 if processes > limits.processes or tasks >= limits.tasks else 0
            if over >= 3:
                kill()
                _, status = os.waitpid(pid, 0)
                report("stopped", f"stopped: it kept {processes} processes ({tasks} threads) running (a fork bomb?)")
                break
    if group:
        kill()  # what it left behind in its process group
    if cgroup:
        if report and cgroup.out_of_memory():
            report("stopped", f"stopped: it used more than {limits.memory / 2**30:g} GB of memory (its files included)")
        cgroup.remove()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)


def _lower_priority() -> None:
    """Nice 10 for the process and what it starts (no way back without privileges).

    Its autogroup keeps the default nice 0: any process may set its autogroup's nice back to 0, so a
    lower one would only slow the honest sandboxes down."""
    os.nice(10)


def _syscall(name: str, *args) -> int:
    """A system call that glibc does not wrap, by name (libseccomp knows its number here)."""
    result = _libc.syscall(seccomp.resolve_syscall(seccomp.Arch.NATIVE, name), *args)
    _call(result, name)
    return result


def _install_filter() -> None:
    """The seccomp filter, last (after ``no_new_privs``): every system call allowed but those denied."""
    scmp = seccomp.SyscallFilter(seccomp.ALLOW)
    scmp.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)  # a binary tree: a few comparisons per system call
    for name in DENIED:
        if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) >= 0:  # one it does not know is newer: below
            scmp.add_rule(seccomp.ERRNO(errno.EPERM), name)
    for flag in CLONE_NEW:  # threads and fork go on; a new namespace does not
        scmp.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    scmp.add_rule(seccomp.ERRNO(errno.EPERM), "socket", seccomp.Arg(0, seccomp.EQ, AF_VSOCK))
    scmp.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    newest = max(n for n in range(1024) if _known_syscall(n))
    for number in range(newest + 1, 1024):
        scmp.add_rule(seccomp.ERRNO(errno.ENOSYS), number)
    scmp.load()


def _known_syscall(number: int) -> bool:
    try:
        seccomp.resolve_syscall(seccomp.Arch.NATIVE, number)
    except ValueError:
        return False
    return True


def _limit_ipc(limits: Limits) -> None:
    """System V IPC and POSIX message queues in its IPC namespace: a quarter of ``scratch`` at most.

    Before Linux 5.19 only the machine's root may set them (then a grader that is not root leaves the
    kernel's defaults)."""
    page = os.sysconf("SC_PAGE_SIZE")
    quarter = limits.scratch // 4
    for name, value in (
        ("kernel/shmmax", quarter),
        ("kernel/shmall", quarter // page),
        ("kernel/shmmni", 64),
        ("kernel/msgmnb", 65536),
        ("kernel/msgmni", 16),
        ("kernel/sem", "64 1024 32 32"),
        ("fs/mqueue/queues_max", 16),
    ):
        with contextlib.suppress(PermissionError), open(f"/proc/sys/{name}", "w") as f:
            f.write(str(value))


def _host_root() -> bool:
    """Whether this process is the machine's root, not the root of a user namespace (a rootless container)."""
    with open("/proc/self/uid_map") as f:
        return f.read().split() == ["0", "0", "4294967295"]


def _sandbox_size() -> tuple[int, int]:
    """Processes and threads in the sandbox's PID namespace (its ``/proc`` lists only those)."""
    processes = tasks = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry.name}/status") as f:
                processes += 1
                tasks += next((int(line.split()[1]) for line in f if line.startswith("Threads:")), 1)
    return processes, tasks


def _enter_namespaces(limits: Limits, user_namespace: bool) -> None:
    """New mount, network, PID, IPC and UTS namespaces; without root, in a new user namespace."""
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    if not user_namespace:
        _call(_libc.unshare(flags), "unshare (namespaces)")
        return
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.tasks, limits.tasks))  # counted per user namespace
    uid, gid = os.getuid(), os.getgid()
    _call(_libc.unshare(flags | CLONE_NEWUSER), "unshare (user namespaces)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def _build_root(readable: list[str], limits: Limits, owner: int) -> None:
    """As PID 1 of the new namespaces: a new root with only ``readable`` (read-only) and private tmpfs."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")  # the new root, for now at /tmp
    os.mkdir("/tmp/host")
    _syscall("pivot_root", b"/tmp", b"/tmp/host")
    os.chdir("/")
    quarter = limits.scratch // 4  # the private folders first: a readable path may lie under /tmp
    for path, size, inodes, mode in (
        ("/submission", limits.scratch, limits.inodes, "0700"),
        ("/tmp", quarter, limits.inodes // 4, "1777"),
        ("/dev/shm", quarter, limits.inodes // 4, "1777"),
    ):
        os.makedirs(path, exist_ok=True)
        options = f"size={size},nr_inodes={inodes},mode={mode},uid={owner},gid={owner}"
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path in readable:
        _bind("/host" + path, path, writable=False)
    for link in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):  # merged-/usr symlinks
        if os.path.islink("/host" + link) and not os.path.lexists(link):
            os.symlink(os.readlink("/host" + link), link)
    for device in DEVICES:
        if os.path.exists(f"/host/dev/{device}"):
            _bind(f"/host/dev/{device}", f"/dev/{device}", writable=True)
    os.makedirs("/proc", exist_ok=True)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for hidden in MASKED:
        _mount("/dev/null", hidden, None, MS_BIND)
    _call(_libc.umount2(b"/host", MNT_DETACH), "umount the host's root")
    os.rmdir("/host")
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir("/submission")


def _bind(source: str, target: str, writable: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = os.statvfs(target).f_flag  # a remount must keep the flags the host's mount locked
    kept = (flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | 1024 | 2048)) | (MS_RELATIME if flags & 4096 else 0)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_NOSUID | kept | (0 if writable else MS_RDONLY))


def _lock_down(limits: Limits, uid: int | None) -> None:
    """Resource limits, then no capabilities and no way to gain any (as root: become ``uid`` too)."""
    cap = 0
    while _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    _call(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # from root: every capability goes
        _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # its /proc/self is its own again
        _call(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    _set_limits(limits)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    _call(_libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")


def _set_limits(limits: Limits) -> None:
    mapped = _mapped_bytes()
    for kind, value in (
        (resource.RLIMIT_NPROC, limits.tasks),
        (resource.RLIMIT_AS, mapped + limits.memory),
        (resource.RLIMIT_FSIZE, limits.file_size),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(kind, (value, value))


def _mapped_bytes() -> int:
    """The address space this process maps now (``VmSize``): what it inherited from the grader."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def probe(readable: list[str], limits: Limits) -> str:
    """Build one sandbox and run nothing in it: ``""`` if that works here, else why not."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            confine(
                lambda: os.write(wfd, b"ok"), readable, limits, lambda kind, message: os.write(wfd, message.encode())
            )
        finally:
            os._exit(70)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as f:
        said = f.read(4096)
    os.waitpid(pid, 0)
    return "" if said == b"ok" else said.decode(errors="replace") or "the sandbox's first process died"


def clean_environment() -> None:
    """Re-execute the grader with only ``KEPT_ENV``: no secret of the shell reaches a submission's memory."""
    if os.environ.get(CLEAN_MARK) == "1" or not hasattr(sys, "orig_argv"):
        return
    env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
    env[CLEAN_MARK] = "1"
    sys.stdout.flush(), sys.stderr.flush()
    os.execve(sys.executable, sys.orig_argv, env)
