"""How the runner is walled off from the judge, the reference and the learner's files.

Two levels, chosen once per process (`BUGHUNT_ISOLATION=process` forces the second):

- `namespaces` (bubblewrap found and working): the runner sees a read-only view of the
  system and Python directories and of the `bughunt` and `scenarios` packages only — not
  `clean_reference/`, not the workspace, not the cache — with a private /tmp as its working
  directory, no network, its own PID namespace (killing bubblewrap kills every process in
  it) and uid 65534 in a user namespace with no capabilities.
- `process`: a session of its own, resource limits, a scratch working directory, and the
  judge as child subreaper so that a daemonised grandchild comes back to it to be killed.
  The candidate still runs as the user: it can read and write what the user can.

Both get limits on address space (CPU only), file size, open files, core dumps and CPU time.
"""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import site
import signal
import subprocess
import sys
from functools import cache
from pathlib import Path

NAMESPACES, PROCESS = "namespaces", "process"
# torch loaded takes under 1 GiB; the checks' tensors are tiny. A runaway allocation becomes
# a MemoryError instead of swapping the machine. Not applied with CUDA, whose driver
# reserves far more address space than it uses.
MEMORY_LIMIT = 4 * 2**30
FILE_SIZE_LIMIT = 64 * 2**20
CPU_SECONDS = 900  # a hard stop for a runner the judge somehow forgot
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_DUMPABLE = 4


@cache
def level() -> str:
    wanted = os.environ.get("BUGHUNT_ISOLATION", "")
    if wanted == PROCESS or sys.platform != "linux":
        return PROCESS
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return PROCESS
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-all", "--unshare-user",
                            "--uid", "65534", "--gid", "65534", "--die-with-parent", "true"],
                           capture_output=True, timeout=30)
    return NAMESPACES if probe.returncode == 0 else PROCESS


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
    if level() == PROCESS:
        return argv
    import bughunt
    import scenarios

    links = [Path(p) for p in SYSTEM_DIRS if os.path.islink(p)]  # /lib -> usr/lib, merged /usr
    visible = [Path(p) for p in SYSTEM_DIRS if not os.path.islink(p)]
    visible += [Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)]
    visible += [Path(p) for p in site.getsitepackages() + [site.getusersitepackages()]]
    visible += [Path(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if os.path.isabs(p)]
    visible += [Path(bughunt.__file__).parent, Path(scenarios.__file__).parent]
    visible = sorted({p.resolve() for p in visible if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in visible:  # a folder inside one already bound comes with it
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    wrapped = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
               "--die-with-parent", "--new-session", "--cap-drop", "ALL",
               # The private scratch folders first: a bind below them (a project checked out
               # under /tmp) must land on top of them, not be hidden by them.
               "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/var/tmp"]
    for path in kept:
        wrapped += ["--ro-bind", str(path), str(path)]
    for link in links:
        wrapped += ["--symlink", os.readlink(link), str(link)]
    for path in {p.resolve() for p in hidden if p.exists()}:
        if any(path.is_relative_to(k) for k in kept):
            wrapped += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
    for path in shown:
        wrapped += ["--ro-bind", str(path), str(path)]
    wrapped += ["--chdir", "/tmp", "--setenv", "HOME", "/tmp"]
    return wrapped + argv


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
        if os.getuid() != 0:  # root ignores it; namespaces contain root's processes instead
            allowed = _processes_of(os.getuid()) + 64
            resource.setrlimit(resource.RLIMIT_NPROC, (allowed, allowed))
    return apply


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
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
