"""Running a candidate's ranks from a check: forked processes, plain data back, nothing left.

The module under test was loaded from a file under a private name, which a fresh interpreter
could not import, so ranks are forked from the observing process. Each rank sends what came
of it through a pipe in the wire format; whatever happens, the ranks are killed and reaped
before `in_ranks` returns. Two PyTorch 2.13 details are handled here for every candidate
alike: a deadlock when a DDP wrapper outlives its process group (the group is kept alive
until the rank exits), and the rendezvous's back-off: a store client that knocks before
rank 0's store listens is refused and tries again 0.3-0.8 s later, so the other ranks start
once rank 0 listens on the run's port. DDP's questions to `torch._dynamo` are answered by
the runner's stand-in (`bughunt.lazy_dynamo`) without importing it.
"""

import multiprocessing
import multiprocessing.popen_fork  # imported with the checks, so a warm runner's children inherit it
import os
import socket
import time
from pathlib import Path

import torch

from bughunt import wire
from bughunt.placement import plain

WORLD = 2
RANK_TIMEOUT = 15.0  # seconds for the ranks of one run (a correct one takes about 1 s), under
# the check's own 20 s: a rank still running then is reported as hung, and killed
LISTEN_WAIT = 1.0  # seconds the other ranks wait for rank 0's store, which a wrong file may never open


_KEPT: list = []


def keep_process_groups() -> None:
    """Hold on to the process group of every DistributedDataParallel made in this process (and
    the processes it forks). PyTorch 2.13 can deadlock when a DDP wrapper outlives
    `destroy_process_group`: freeing it then destroys the gloo group while holding the GIL,
    and a gloo worker thread still needs the GIL to free the last backward's work. Kept
    here, the group is never destroyed by the wrapper; the rank process ends with `os._exit`."""
    from torch.nn.parallel import DistributedDataParallel

    original = DistributedDataParallel.__init__
    if getattr(original, "keeps_group", False):
        return

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        _KEPT.append(getattr(self, "process_group", None))

    init.keeps_group = True
    DistributedDataParallel.__init__ = init


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def plain_data(value, depth: int = 0):
    """Whatever the candidate returned, as plain data (a description where it is not)."""
    if depth > 6:
        return "nested too deeply"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor):
        return plain(value)
    if isinstance(value, (list, tuple)):
        return [plain_data(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): plain_data(item, depth + 1) for key, item in value.items()}
    return f"a {type(value).__name__}"


def _rank_main(target, rank: int, send) -> None:
    """The body of one forked rank: run `target(rank)`, send back what came of it."""
    torch.set_num_threads(1)
    try:
        outcome = {"value": target(rank)}
    except NotImplementedError:
        outcome = {"not-implemented": True}
    except BaseException as error:  # noqa: BLE001 - reported to the observing process
        outcome = {"raised": type(error).__name__, "message": str(error)[:400]}
    try:
        send.send_bytes(wire.encode(outcome))
    except Exception as error:  # noqa: BLE001 - e.g. something that is not plain data
        send.send_bytes(wire.encode({"raised": type(error).__name__, "message": str(error)[:400]}))


def _listening(port: int) -> bool:
    """Whether a socket of this network namespace listens on TCP `port` (read from /proc, so
    nothing connects to the candidate's store)."""
    suffix = f":{port:04X}"
    for table in ("/proc/net/tcp6", "/proc/net/tcp"):
        try:
            with open(table) as rows:
                next(rows, None)
                if any(len(f) > 3 and f[1].endswith(suffix) and f[3] == "0A" for f in map(str.split, rows)):
                    return True
        except OSError:
            continue
    return False


def _await_listener(port: int, first, reader) -> None:
    """Until rank 0 listens on `port`, has answered, or has ended; LISTEN_WAIT at most."""
    deadline = time.monotonic() + LISTEN_WAIT
    while time.monotonic() < deadline and first.is_alive() and not reader.poll(0) and not _listening(port):
        time.sleep(0.003)


def in_ranks(target, port: int | None = None) -> list[dict]:
    """`target(rank)` in WORLD forked processes; per rank, what came of it: a `value`,
    `raised` (with `message`), `not-implemented`, or `hung`. With the run's `port`, the
    other ranks start once rank 0 listens there. The processes are killed and reaped before
    this returns, whatever happened."""
    context = multiprocessing.get_context("fork")
    readers, processes = [], []
    try:
        for rank in range(WORLD):
            if rank == 1 and port is not None:
                _await_listener(port, processes[0], readers[0])
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(target=_rank_main, args=(target, rank, writer))
            child.start()
            writer.close()
            readers.append(reader)
            processes.append(child)
        deadline = time.monotonic() + RANK_TIMEOUT
        outcomes = []
        for reader in readers:
            try:
                ready = reader.poll(max(0.0, deadline - time.monotonic()))
                outcomes.append(wire.decode(reader.recv_bytes()) if ready else {"hung": True})
            except (EOFError, OSError):
                outcomes.append({"raised": "died", "message": "the process died"})
        return outcomes
    finally:
        for child in processes:
            if child.is_alive():
                child.kill()
            child.join()


def children() -> int:
    """How many children this process has, exited but not reaped ones included."""
    me, count = str(os.getpid()), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            count += stat[stat.rindex(")") + 2:].split()[1] == me
    return count
