"""How the runner is walled off from the judge, the reference and the learner's files.

Three levels, chosen once per process (`BUGHUNT_ISOLATION=process` rules out the first):

- `namespaces` (bubblewrap found and working): the runner sees a read-only view of the
  system and Python directories and of the `bughunt` and `scenarios` packages only — not
  `clean_reference/`, not the workspace, not the cache — with private, sized tmpfs folders
  (/tmp, /run, /var/tmp, /dev) and /tmp as its working directory, no network, its own PID
  namespace (killing bubblewrap kills every process in it; the judge is not in it, so it
  cannot be signalled) and no capabilities.
- `uid` (as root, without bubblewrap): the runner runs as `RUNNER_UID`, a real unprivileged
  user: root-only files (the cache, /etc/shadow, /root) are out of reach and it cannot signal
  the judge; the reference and every world-readable file are still readable.
- `process`: a session of its own, resource limits, a scratch working directory, and the
  judge as child subreaper so that a daemonised grandchild comes back to it to be killed.
  The candidate runs as the user: it can read and write what the user can, and signal the
  judge. Only for one's own code (`submit`, `watch`, `play`), or by an explicit choice.

When bughunt runs as root, the runner (bubblewrap included) is started as `RUNNER_UID` at
every level, so root in the sandbox is nobody outside. Every level limits address space (CPU
only), file size, open files, core dumps, CPU time and processes (`RLIMIT_NPROC`, which holds
once the runner is not root), and puts the runner in a cgroup of its own (memory, tasks)
where cgroup v2 lets one be made.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import resource
import shutil
import signal
import site
import subprocess
import sys
from functools import cache
from pathlib import Path

NAMESPACES, UID, PROCESS = "namespaces", "uid", "process"
RUNNER_UID = 65534  # nobody
# torch loaded takes under 1 GiB; the checks' tensors are tiny. A runaway allocation becomes
# a MemoryError instead of swapping the machine. Not applied with CUDA, whose driver
# reserves far more address space than it uses.
MEMORY_LIMIT = 4 * 2**30
CGROUP_MEMORY = 6 * 2**30  # the whole sandbox: runner, candidate, its forks, its tmpfs files
CGROUP_TASKS = 128
# RLIMIT_NPROC counts tasks (threads too) of the whole user, not of one runner: the runner's
# own threads, its candidate's forks and their threads (DataLoader workers, DDP ranks with
# gloo's threads) and the runners started after it all count against what is allowed here.
EXTRA_TASKS = 512
FILE_SIZE_LIMIT = 64 * 2**20
THP_SETTINGS = ("/sys/kernel/mm/transparent_hugepage/enabled", "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
CPU_SECONDS = 900  # a hard stop for a runner the judge somehow forgot
SCRATCH_SIZES = {"/tmp": 256 * 2**20, "/run": 16 * 2**20, "/var/tmp": 16 * 2**20, "/dev": 64 * 2**20}
DEVICES = ("null", "zero", "full", "random", "urandom")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
CGROUP_ROOT = Path("/sys/fs/cgroup")
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_DUMPABLE = 4
_cgroup_names = itertools.count()


class IsolationUnavailable(RuntimeError):
    """The isolation asked for cannot be had on this machine."""


def drops_uid() -> bool:
    """Whether the runner is started as `RUNNER_UID` (bughunt runs as root)."""
    return sys.platform == "linux" and os.geteuid() == 0


@cache
def level() -> str:
    wanted = os.environ.get("BUGHUNT_ISOLATION", "")
    weakest = UID if drops_uid() else PROCESS
    if wanted == PROCESS or sys.platform != "linux":
        return weakest
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return weakest
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", *_namespaces(), "--die-with-parent", "true"],
                           capture_output=True, timeout=30)
    return NAMESPACES if probe.returncode == 0 else weakest


def require(wanted: str) -> str:
    """The level in force, when it is at least `wanted` (`namespaces`, or `process` for any);
    else IsolationUnavailable, naming what to install."""
    got = level()
    if wanted == NAMESPACES and got != NAMESPACES:
        missing = "bubblewrap (the `bwrap` command)" if shutil.which("bwrap") is None else \
            "a working bubblewrap (user namespaces are disabled here)"
        raise IsolationUnavailable(f"grading others' code needs {missing}; install the `bubblewrap` package, "
                                   "or pass --isolation process to run it with process isolation only")
    return got


def guard_judge() -> None:
    """Once per judge: orphans of the runner come back here, and other processes of the user
    cannot open this one's file descriptors through /proc."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def command(argv: list[str], hidden: list[Path], shown: list[Path] = ()) -> list[str]:
    """`argv` wrapped for the current level; `hidden` paths must not be visible to it, except
    the files in `shown` (inside a hidden folder), put back read-only."""
    if level() != NAMESPACES:
        return argv
    import bughunt
    from bughunt import catalog

    links = [Path(p) for p in SYSTEM_DIRS if os.path.islink(p)]  # /lib -> usr/lib, merged /usr
    visible = [Path(p) for p in SYSTEM_DIRS if not os.path.islink(p)]
    visible += [Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)]
    visible += [Path(p) for p in site.getsitepackages() + [site.getusersitepackages()]]
    visible += [Path(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if os.path.isabs(p)]
    visible += [Path(bughunt.__file__).parent, catalog.package_folder(catalog.SCENARIOS_PACKAGE)]
    visible = sorted({p.resolve() for p in visible if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in visible:  # a folder inside one already bound comes with it
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    wrapped = ["bwrap", *_namespaces(), "--die-with-parent", "--new-session", "--proc", "/proc"]
    # The private scratch folders first: a bind below them (a project checked out under /tmp)
    # must land on top of them, not be hidden by them. Each has a size: memory a file fills
    # is held by the sandbox, not the candidate's process, so no rlimit bounds it.
    for folder, size in SCRATCH_SIZES.items():
        wrapped += ["--perms", "1777", "--size", str(size), "--tmpfs", folder]
    for device in DEVICES:
        wrapped += ["--dev-bind", f"/dev/{device}", f"/dev/{device}"]
    wrapped += ["--symlink", "/proc/self/fd", "/dev/fd", "--symlink", "/proc/self/fd/0", "/dev/stdin",
                "--symlink", "/proc/self/fd/1", "/dev/stdout", "--symlink", "/proc/self/fd/2", "/dev/stderr",
                "--perms", "1777", "--dir", "/dev/shm"]
    # The folders above a bind are made by bubblewrap with the host's modes (/root: 0700):
    # the runner, once it is RUNNER_UID, must be able to pass through them.
    above = sorted({a for k in kept for a in k.parents if a != Path("/") and a not in kept}, key=lambda p: len(p.parts))
    for folder in above:
        wrapped += ["--perms", "0755", "--dir", str(folder)]
    for path in kept:
        wrapped += ["--ro-bind", str(path), str(path)]
    for link in links:
        wrapped += ["--symlink", os.readlink(link), str(link)]
    emptied = []
    for path in {p.resolve() for p in hidden if p.exists()}:
        if any(path.is_relative_to(k) for k in kept):
            emptied += [path] if path.is_dir() else []
            wrapped += ["--perms", "0755", "--tmpfs", str(path)] if path.is_dir() else \
                ["--ro-bind", "/dev/null", str(path)]
    made: set[Path] = set(above)
    for path in shown:
        for folder in reversed(Path(path).parents):  # passable for RUNNER_UID, as above
            bound = any(folder.is_relative_to(k) for k in kept) and not any(folder.is_relative_to(e) for e in emptied)
            if folder not in made and not bound and not any(k.is_relative_to(folder) for k in kept):
                made.add(folder)
                wrapped += ["--perms", "0755", "--dir", str(folder)]
        wrapped += ["--ro-bind", str(path), str(path)]
    # What glibc reads before it puts its heap in huge pages (`client`). The folders on the
    # way are made passable: else a candidate's gloo, looking for /sys/class/net, is refused
    # on /sys (and raises) where it would find nothing (and carry on).
    settings = [setting for setting in THP_SETTINGS if os.path.isfile(setting)]
    for folder in sorted({str(f) for s in settings for f in Path(s).parents if f != Path("/")}, key=len):
        wrapped += ["--perms", "0755", "--dir", folder]
    for setting in settings:
        wrapped += ["--ro-bind", setting, setting]
    wrapped += ["--chdir", "/tmp", "--setenv", "HOME", "/tmp"]
    return wrapped + argv


def _namespaces() -> list[str]:
    """bubblewrap's namespace options. Unprivileged: a user namespace in which the runner is
    uid 65534 (the user outside). As root: no user namespace (its 65534 would be root
    outside); bubblewrap mounts as root, keeps only the right to change uid, and the runner
    becomes RUNNER_UID itself once started (`runner_argv`)."""
    if not drops_uid():
        return ["--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"]
    return ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]


def runner_argv(shown: list[Path] = ()) -> list[str]:
    """The runner's own options for the isolation in force: which user to become, whether
    its sandbox is a PID namespace of its own (so that it may clear it between candidates),
    and under `uid` the reference files it may show, loaded before it becomes that user."""
    if level() == NAMESPACES:
        return (["--user", str(RUNNER_UID)] if drops_uid() else []) + ["--own-pid-namespace"]
    if not drops_uid():
        return []
    from bughunt.runner.visibility import shown_modules

    preload = shown_modules(shown)
    return ["--user", str(RUNNER_UID)] + (["--preload", ",".join(preload)] if preload else [])


def become(uid: int) -> None:
    """The runner's step down to `uid` (its group, no others), for good."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def limits(device: str):
    """A preexec function for the runner's process: limits no process under it can raise."""
    def apply() -> None:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the judge's to handle
        if device == "cpu":
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
        # Counted per user, so over what that user already runs; root ignores it, but the
        # runner becomes RUNNER_UID before any candidate runs (`become`).
        user = RUNNER_UID if drops_uid() else os.getuid()
        allowed = _tasks_of(user) + EXTRA_TASKS
        resource.setrlimit(resource.RLIMIT_NPROC, (allowed, allowed))
    return apply


def give_to_runner(folder: str) -> None:
    """Make the runner's scratch folder its own (it runs as another user when we are root)."""
    if drops_uid():
        os.chown(folder, RUNNER_UID, RUNNER_UID)


def make_cgroup() -> Path | None:
    """A cgroup v2 of its own for one runner (memory and tasks bounded), or None where none
    can be made (cgroup v1, no delegation, not root): the rlimits then stand alone."""
    if not (CGROUP_ROOT / "cgroup.controllers").is_file():
        return None
    group = CGROUP_ROOT / f"bughunt-{os.getpid()}-{next(_cgroup_names)}"
    try:
        group.mkdir()
        (group / "memory.max").write_text(str(CGROUP_MEMORY))
        (group / "pids.max").write_text(str(CGROUP_TASKS))
        return group
    except OSError:
        remove_cgroup(group)
        return None


def join_cgroup(group: Path | None, pids: list[int]) -> None:
    for pid in pids if group is not None else ():
        try:
            (group / "cgroup.procs").write_text(str(pid))
        except OSError:
            pass


def remove_cgroup(group: Path | None) -> None:
    if group is None:
        return
    try:
        (group / "cgroup.kill").write_text("1")
    except OSError:
        pass
    try:
        group.rmdir()
    except OSError:
        pass


def _tasks_of(uid: int) -> int:
    """The threads of every process of `uid`: what RLIMIT_NPROC compares with its limit."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"{entry.path}/task"))
            except OSError:
                pass
    return count


def sweep_orphans(spare: set[int]) -> None:
    """Kill and reap every child of this process that is not in `spare`: the runner's
    grandchildren that outlived it were re-parented here (see `guard_judge`)."""
    me = str(os.getpid())
    for _ in range(50):
        strays = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) in spare:
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if stat[stat.rindex(")") + 2:].split()[1] == me:
                strays.append(int(entry.name))
        if not strays:
            return
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
