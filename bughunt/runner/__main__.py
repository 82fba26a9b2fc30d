"""The runner: the untrusted side of grading. `python -m bughunt.runner --checks MOD,...`

Started by the judge (inside bubblewrap when it can) with a socket on `--channel` fd. It imports torch
and the named checks modules once — the warm zygote — and never the reference, which is not
even mounted. For each `load` request it forks a child in a session of its own; the child
executes the candidate's source and answers `observe` requests one at a time with plain data
(`bughunt.wire`), until `end`. The zygote reaps the child, kills its process group and says
how it ended, then waits for the next candidate. Nothing here decides a verdict.
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import importlib
import os
import signal
import socket
import sys

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bughunt.runner")
    parser.add_argument("--checks", required=True, help="checks modules, comma-separated")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--channel", type=int, required=True, help="the socket's file descriptor")
    options = parser.parse_args(argv)

    import torch

    from bughunt import placement, wire
    from bughunt import lazy_dynamo

    lazy_dynamo.install()
    torch.set_num_threads(1)
    placement.set_device(options.device)
    checks = {name: {c.name: c for c in importlib.import_module(name).CHECKS}
              for name in options.checks.split(",")}
    channel = socket.socket(fileno=options.channel)
    faulthandler.disable()  # a crash is the candidate's verdict, not a dump on the judge's terminal
    gc.freeze()  # what is loaded now lives until exit: children's collections skip it
    wire.send(channel, {"op": "ready"})
    while True:
        request = wire.receive(channel)
        if request is None:
            os._exit(0)
        if request.get("op") != "load":
            os._exit(2)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _serve(channel, checks[request["checks"]], request)
        _, status = os.waitpid(pid, 0)
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever the candidate started goes with it
        except (ProcessLookupError, PermissionError):
            pass
        wire.send(channel, {"op": "ended", "how": _how(status)})


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _serve(channel, checks: dict, request: dict) -> None:
    """The candidate's child; always ends with os._exit so no zygote state runs twice."""
    from bughunt import wire

    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        # Line-buffered, so what the candidate printed is on disk even if it later hangs.
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        _answer(channel, checks, request)
    except BaseException:  # noqa: BLE001 - nothing may escape a forked child
        os._exit(70)
    os._exit(0)


def _answer(channel, checks: dict, request: dict) -> None:
    from bughunt import wire
    from bughunt.judge.checking import describe
    from bughunt.runner.loading import load_source

    try:
        module = load_source(request["source"], request["filename"], request["module"])
    except BaseException as error:  # noqa: BLE001 - the candidate's fault, reported
        wire.send(channel, {"op": "load-failed", "message": describe(error)})
        return
    wire.send(channel, {"op": "loaded"})
    while True:
        message = wire.receive(channel)
        if message is None or message.get("op") != "observe":
            return
        check = checks[message["check"]]
        try:
            reply = wire.frame(wire.encode({"op": "observation",
                                            "value": check.observe(module, **message["example"])}))
        except NotImplementedError:
            reply = wire.frame(wire.encode({"op": "not-implemented", "message": "not implemented yet"}))
        except BaseException as error:  # noqa: BLE001 - the candidate's fault, reported
            reply = wire.frame(wire.encode({"op": "error", "message": describe(error)}))
        sys.stdout.flush()
        sys.stderr.flush()
        channel.sendall(reply)


if __name__ == "__main__":
    main()
