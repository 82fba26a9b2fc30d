"""The runner: the untrusted side of grading. `python -m bughunt.runner --checks MOD,...`

Started by the judge (inside bubblewrap when it can) with a socket on `--channel` fd. It imports torch
and the named checks modules once — the warm zygote — and never the reference, which is not
even mounted. For each `load` request it forks a child in a session of its own; the child
executes the candidate's source and answers `observe` requests one at a time with plain data
(`bughunt.wire`), until `end`. A `load` that names a twin key forks a second child, the
twin, which loads the same source and answers on a channel of its own (`--twin-channel`),
with that key: the judge then asks the two for examples side by side, one core each. The
zygote reaps each child, kills its process group and says how it ended, on its channel, then
waits for the next candidate. Nothing here decides a verdict.

Before the child runs a line of the candidate's, it installs the audit hook and holds the
snapshot of the grader's code (`integrity`). The candidate's code — its import, each
`observe`, and the encoding of what it returns — runs in a thread of its own, whose frames
lead back to nothing of the runner's; the child's main thread keeps the key that seals every
reply, checks the snapshot after each step, and alone writes to the channel.
"""

from __future__ import annotations

import _thread
import argparse
import faulthandler
import gc
import importlib
import os
import resource
import signal
import socket
import string
import struct
import sys
import time

from bughunt import wire
from bughunt.inert_strategies import inert_hypothesis
from bughunt.judge.checking import describe
from bughunt.runner import integrity
from bughunt.runner.loading import load_source

CLEAR_WAIT = 5.0  # seconds a warm runner waits for a candidate's leftovers to be reaped
SAFE = frozenset(string.ascii_letters + string.digits + " .,:_()-'")  # what a tampering report may say
TAMPERED_BOX = "tampering detected: the runner's result was written by the candidate"
# A candidate's child dies after this much CPU (SIGXCPU, then SIGKILL a second later), should
# the judge, which counts each check's CPU itself, be unable to stop it.
CHILD_CPU_SECONDS = 120


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bughunt.runner")
    parser.add_argument("--checks", required=True, help="checks modules, comma-separated")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--channel", type=int, required=True, help="the socket's file descriptor")
    parser.add_argument("--twin-channel", type=int, help="a second socket, where a twin child answers")
    parser.add_argument("--user", type=int, help="the uid to become before any candidate runs (we are root)")
    parser.add_argument("--preload", default="", help="reference modules to load before becoming --user")
    parser.add_argument("--warm-up", action="store_true",
                        help="do torch's first-use work here, once, rather than in every candidate's child")
    parser.add_argument("--own-pid-namespace", action="store_true",
                        help="every other process in sight is a candidate's (bubblewrap's PID namespace)")
    options = parser.parse_args(argv)

    import torch

    from bughunt import lazy_dynamo, placement

    lazy_dynamo.install()
    torch.set_num_threads(1)
    placement.set_device(options.device)
    with inert_hypothesis():  # nothing is drawn here: the judge draws
        checks = {name: {c.name: c for c in importlib.import_module(name).CHECKS}
                  for name in options.checks.split(",")}
    if options.user is not None and not options.own_pid_namespace:
        # Without bubblewrap's binds (which open the folders on the way), `options.user` may not
        # be allowed to read this Python's files at all (a checkout or pyenv in a 0700 folder):
        # load now the one large module the checks may ask for later, and the reference
        # modules the judged file may import (the candidate may read them under `uid` anyway).
        lazy_dynamo.real()
        for name in filter(None, options.preload.split(",")):
            importlib.import_module(name)
    if options.warm_up:
        _exercise_torch(options.checks.split(","))
    snapshot = integrity.Snapshot()
    if options.user is not None:
        from bughunt.runner import isolation

        isolation.become(options.user)
    channel = socket.socket(fileno=options.channel)
    twin = socket.socket(fileno=options.twin_channel) if options.twin_channel is not None else None
    faulthandler.disable()  # a crash is the candidate's verdict, not a dump on the judge's terminal
    # A write past RLIMIT_FSIZE fails with EFBIG instead of killing the process: checks stage a
    # full disk that way, from the candidate's thread, where no signal handler can be set.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    gc.freeze()  # what is loaded now lives until exit: children's collections skip it
    wire.send(channel, {"op": wire.Op.READY})
    while True:
        request = wire.receive(channel)
        if request is None:
            os._exit(0)
        if request.get("op") != wire.Op.LOAD:
            os._exit(2)
        sys.stdout.flush()
        sys.stderr.flush()
        key, twin_key = bytes(request.pop("key")), request.pop("twin_key", None)
        lines = {_fork(channel, twin, checks[request["checks"]], request, key, snapshot, False): channel}
        if twin is not None and twin_key is not None:
            lines[_fork(twin, channel, checks[request["checks"]], request, bytes(twin_key), snapshot, True)] = twin
        while lines:
            pid, status = os.waitpid(-1, 0)
            line = lines.pop(pid, None)
            if line is None:
                continue
            try:
                os.killpg(pid, signal.SIGKILL)  # whatever the candidate started goes with it
            except (ProcessLookupError, PermissionError):
                pass
            if options.own_pid_namespace and not lines:
                _clear_namespace()
            wire.send(line, {"op": wire.Op.ENDED, "how": _how(status)})


def _fork(line, other, checks: dict, request: dict, key: bytes, snapshot, twin: bool) -> int:
    """A child answering on `line` with `key`; it closes `other`, the other child's channel."""
    pid = os.fork()
    if pid == 0:
        if other is not None:
            other.close()
        _serve(line, checks, request, key, snapshot, twin)
    return pid


def _exercise_torch(checks_modules: list[str]) -> None:
    """What nearly every check does once: seed every global generator, train a step from a
    DataLoader, evaluate, save and load the weights; then each checks module's own
    `first_use()`, where it has one (the meta device's first kernels import sympy, 0.3 s).
    Done here, the first-use costs (lazy imports, the source lines `manual_seed` reads to
    queue its CUDA call) are inherited by every child instead of paid by each."""
    import io

    import numpy.random
    import torch

    numpy.random.seed(0)

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                torch.nn.Linear(8, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = torch.utils.data.TensorDataset(torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2]))
    for inputs, labels in torch.utils.data.DataLoader(data, batch_size=3, shuffle=True):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(inputs), labels).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        model(inputs)
    saved = io.BytesIO()
    torch.save(model.state_dict(), saved)
    torch.load(io.BytesIO(saved.getvalue()), weights_only=True)
    for name in checks_modules:
        first_use = getattr(sys.modules[name], "first_use", None)
        if callable(first_use):
            first_use()


def _clear_namespace() -> None:
    """Kill what a candidate left behind outside its process group (a `setsid` daemon), so the
    next candidate of a warm runner meets none of it. In our own PID namespace, `kill(-1)`
    reaches every process but ourselves and bubblewrap's init: all of them the candidate's.
    A killed process stays in /proc until its parent reaps it (we, or bubblewrap's init for
    an orphan), so the next candidate is loaded only once none is left in sight."""
    me = os.getpid()
    deadline = time.monotonic() + CLEAR_WAIT
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _reap_children()
        if not _others_in_sight(me) or time.monotonic() > deadline:
            return
        time.sleep(0.001)


def _reap_children() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def _others_in_sight(me: int) -> bool:
    return any(entry.isdigit() and int(entry) not in (1, me) for entry in os.listdir("/proc"))


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _serve(channel, checks: dict, request: dict, key: bytes, snapshot, twin: bool) -> None:
    """The candidate's child; always ends with os._exit so no zygote state runs twice."""
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 1))
        # Line-buffered, so what the candidate printed is on disk even if it later hangs.
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        _answer(channel, checks, request, key, snapshot, twin)
    except BaseException:  # noqa: BLE001 - nothing may escape a forked child
        os._exit(70)
    os._exit(0)


def _in_thread(work, start=_thread.start_new_thread, new_lock=_thread.allocate_lock,
               length=len) -> tuple[bool, object]:
    """`work()` in a fresh thread: (True, its result) or (False, why it raised, described
    there). What this thread calls afterwards is bound at import, before any candidate: the
    candidate may have replaced the builtins by then."""
    box: list = []
    done = new_lock()
    done.acquire()

    def run() -> None:
        try:
            box.append((True, work()))
        except NotImplementedError:
            box.append((False, None))
        except BaseException as error:  # noqa: BLE001 - the candidate's fault, reported
            try:
                box.append((False, describe(error)))
            except BaseException:  # noqa: BLE001 - a description that raises is still an error
                box.append((False, "an error that cannot be described"))
        finally:
            try:  # here, not in the main thread: sys.stdout may be the candidate's object by now
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001 - its output is its own business
                pass
            done.release()

    start(run, ())
    done.acquire()
    if length(box) != 1:  # the candidate reached the box through its frames and wrote in it
        return False, TAMPERED_BOX
    return box[0]


def _loading(source: str, filename: str, name: str):
    """The candidate's import, as work for `_in_thread`. Built here, not in `_answer`, so its
    closure holds no cell of `_answer`'s (the key, the channel) for the candidate to reach."""
    return lambda: load_source(source, filename, name)


def _observing(check, module, example: dict):
    """One observation, encoded in the candidate's thread (a hostile value's methods run
    there, not beside the key)."""
    return lambda: wire.encode({"op": wire.Op.OBSERVATION, "value": check.observe(module, **example)})


def _answer(channel, checks: dict, request: dict, key: bytes, snapshot, twin: bool) -> None:
    """`twin`: the second child of a candidate; what the import prints, the first prints."""
    # Everything this thread uses once candidate code has run is bound here, before: a global
    # or an attribute looked up later could be the candidate's (until `changed` says not).
    counter = 0
    seal, frame, encode, send, receive = wire.seal, wire.frame, wire.encode, channel.sendall, wire.receive
    changed, in_thread, observing, tampered_box = snapshot.changed, _in_thread, _observing, TAMPERED_BOX
    pack, length, safe, dup2, close = struct.Struct(">I").pack, len, SAFE, os.dup2, os.close
    op = wire.Op
    observe_op, tampered_op, error_op, missing_op = op.OBSERVE.value, op.TAMPERED.value, op.ERROR, op.NOT_IMPLEMENTED
    flagged: list[str] = []

    def reply(payload: bytes) -> None:
        nonlocal counter
        send(frame(seal(payload, key, counter)))
        counter += 1

    def intact(audited: bool = False) -> bool:
        """Nothing of the grader's was touched; else the verdict says so and the child ends.
        That reply is built by hand from str and bytes methods only: the encoder's helpers
        (json, ...) may be the candidate's now, and must not run beside the key."""
        problem = ", ".join(flagged) or changed(audited)
        if problem:
            text = "".join(c for c in ("tampering detected: " + problem)[:500] if c in safe)
            header = ('{"$d":{"op":"' + tampered_op + '","message":"' + text + '"}}').encode()
            reply(pack(length(header)) + header)
        return not problem

    own_code = frozenset(f.__code__ for f in (main, _fork, _serve, _in_thread, _answer, reply, intact))
    integrity.install_audit_hook(snapshot, own_code, flagged)
    if twin:
        quiet = os.open(os.devnull, os.O_WRONLY)
        out, err = os.dup(1), os.dup(2)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
    loaded, module = _in_thread(_loading(request["source"], request["filename"], request["module"]))
    if twin:
        dup2(out, 1)
        dup2(err, 2)
        for each in (quiet, out, err):
            close(each)
    if module is tampered_box:
        flagged.append("the runner's result was written by the candidate")
    if not intact(audited=True):
        return
    if not loaded:
        reply(encode({"op": wire.Op.LOAD_FAILED,
                      "message": module[:4000] if type(module) is str else "NotImplementedError"}))
        return
    reply(encode({"op": wire.Op.LOADED}))
    while True:
        message = receive(channel)
        if message is None or message.get("op") != observe_op:
            return
        observed, payload = in_thread(observing(checks[message["check"]], module, message["example"]))
        if payload is tampered_box:
            flagged.append("the runner's result was written by the candidate")
        if not intact():
            return
        if observed and type(payload) is bytes and len(payload) + wire.SEAL <= wire.MAX_MESSAGE:
            reply(payload)
        elif observed:
            reply(encode({"op": error_op, "message": "the observation is over the size limit"}))
        elif payload is None:
            reply(encode({"op": missing_op, "message": "not implemented yet"}))
        else:
            reply(encode({"op": error_op, "message": payload[:4000] if type(payload) is str else "an error"}))


if __name__ == "__main__":
    main()
