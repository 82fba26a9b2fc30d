"""What crosses between the judge and the runner: framed messages holding plain data.

A message is a 4-byte big-endian length, then that many bytes: a 4-byte header length, a
JSON header, and the raw bytes of any tensors. Values are None, bool, int, float, str,
bytes, lists, tuples, dicts with str keys, `torch.dtype`s and CPU tensors of the dtypes below —
never pickle, so decoding runs no code. The judge decodes what the runner sends with
`decode`, which refuses anything malformed, oversized or too deep with `WireError`.

Once a candidate is loaded, the runner's child seals every reply with a key the judge handed
it before any candidate code ran (`seal`, `unseal`): bytes the candidate writes to the channel
on its own, or replays, are refused rather than read as an answer.

The message names are `Op`; torch is imported lazily: the judge side reads headers before it
needs tensors.
"""

from __future__ import annotations

import hmac
import json
import math
import struct
from enum import Enum
from typing import Any

MAX_MESSAGE = 64 * 2**20  # a check's observation is a few models' worth of parameters
MAX_DEPTH = 32
MAX_ITEMS = 100_000  # JSON nodes in one message
DTYPES = ("float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool", "complex64")
MAX_DIMENSION = 2**31 - 1  # any one tensor dimension; the bytes bound the rest
SEAL = 32  # bytes of HMAC-SHA256 after a sealed payload
_LENGTH = struct.Struct(">I")
_COUNTER = struct.Struct(">Q")


class Op(str, Enum):
    """Every message name of the protocol, judge → runner and back."""

    READY = "ready"  # the zygote has imported torch and the checks
    LOAD = "load"  # judge: execute this source as the candidate
    LOADED = "loaded"
    LOAD_FAILED = "load-failed"  # the candidate's import raised (its own fault)
    OBSERVE = "observe"  # judge: run this check's observe on this example
    OBSERVATION = "observation"
    ERROR = "error"  # the candidate's code raised
    NOT_IMPLEMENTED = "not-implemented"
    TAMPERED = "tampered"  # the candidate reached into the grader's own code or channel
    END = "end"  # judge: this candidate is done
    ENDED = "ended"  # the zygote: the candidate's process is gone (and how)


class WireError(ValueError):
    """A message that is not what the protocol allows."""


def encode(value: Any) -> bytes:
    blobs: list[bytes] = []
    offset = [0]

    def walk(item: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
        if item is None or isinstance(item, (bool, int, str)):
            return item
        if isinstance(item, float):
            return item if math.isfinite(item) else {"$f": repr(item)}
        if isinstance(item, bytes):
            blobs.append(item)
            offset[0] += len(item)
            return {"$b": [offset[0] - len(item), len(item)]}
        if isinstance(item, list):
            return [walk(x, depth + 1) for x in item]
        if isinstance(item, tuple):
            return {"$tuple": [walk(x, depth + 1) for x in item]}
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise WireError("dict keys must be strings")
            return {"$d": {k: walk(v, depth + 1) for k, v in item.items()}}
        import torch

        if isinstance(item, torch.dtype):
            return {"$dtype": str(item).removeprefix("torch.")}
        if isinstance(item, torch.Tensor):
            tensor = item.as_subclass(torch.Tensor).detach()
            if tensor.device.type != "cpu":
                tensor = tensor.cpu()
            name = str(tensor.dtype).removeprefix("torch.")
            if name not in DTYPES:
                raise WireError(f"tensors of dtype {name} cannot be sent")
            # A fresh dense copy: a tensor may count as contiguous with an odd stride on a
            # dimension of size 1, which a byte view refuses.
            dense = torch.empty(tensor.shape, dtype=tensor.dtype).copy_(tensor).reshape(-1)
            data = dense.view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
            blobs.append(data)
            offset[0] += len(data)
            return {"$t": [name, list(tensor.shape), offset[0] - len(data), len(data)]}
        raise WireError(f"a {type(item).__name__} cannot be sent; send plain data")

    header = json.dumps(walk(value, 0), separators=(",", ":")).encode()
    return _LENGTH.pack(len(header)) + header + b"".join(blobs)


def decode(payload: bytes | bytearray | memoryview) -> Any:
    """The value in `payload`; WireError for anything else, whatever is wrong with it."""
    try:
        return _decode(payload)
    except WireError:
        raise
    except (ValueError, TypeError, OverflowError, RuntimeError, MemoryError, RecursionError) as error:
        raise WireError(f"undecodable message ({type(error).__name__})") from None


def _decode(payload: bytes | bytearray | memoryview) -> Any:
    payload = memoryview(payload)
    if len(payload) < 4:
        raise WireError("message shorter than its header")
    (size,) = _LENGTH.unpack(payload[:4])
    if 4 + size > len(payload):
        raise WireError("header longer than the message")
    try:
        tree = json.loads(bytes(payload[4:4 + size]))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise WireError(f"header is not JSON: {error}") from None
    blob = payload[4 + size:]
    count = [0]

    def walk(node: Any, depth: int) -> Any:
        count[0] += 1
        if depth > MAX_DEPTH or count[0] > MAX_ITEMS:
            raise WireError("too deep or too large")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [walk(x, depth + 1) for x in node]
        if not isinstance(node, dict) or len(node) != 1:
            raise WireError("unknown node")
        (tag, body), = node.items()
        if tag == "$d" and isinstance(body, dict):
            return {k: walk(v, depth + 1) for k, v in body.items()}
        if tag == "$tuple" and isinstance(body, list):
            return tuple(walk(x, depth + 1) for x in body)
        if tag == "$f" and body in ("inf", "-inf", "nan"):
            return float(body)
        if tag == "$dtype" and body in DTYPES:
            import torch

            return getattr(torch, body)
        if tag == "$t":
            return _tensor(body, blob)
        if tag == "$b" and isinstance(body, list) and len(body) == 2 and \
                all(type(n) is int and n >= 0 for n in body) and sum(body) <= len(blob):
            return bytes(blob[body[0]:body[0] + body[1]])
        raise WireError(f"unknown node {tag!r}")

    return walk(tree, 0)


def _tensor(body: Any, blob: memoryview):
    import torch

    if not (isinstance(body, list) and len(body) == 4):
        raise WireError("malformed tensor")
    name, shape, start, nbytes = body
    if name not in DTYPES or not isinstance(shape, list) or len(shape) > 16 or \
            not all(type(n) is int and 0 <= n <= MAX_DIMENSION for n in shape) or type(start) is not int or \
            type(nbytes) is not int or start < 0 or nbytes < 0 or start + nbytes > len(blob):
        raise WireError("malformed tensor")
    dtype = getattr(torch, name)
    numel = math.prod(shape)
    if numel * dtype.itemsize != nbytes:
        raise WireError("tensor size does not match its shape")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    data = bytearray(blob[start:start + nbytes])
    return torch.frombuffer(data, dtype=torch.uint8).view(dtype).reshape(shape)


def frame(payload: bytes) -> bytes:
    if len(payload) > MAX_MESSAGE:
        raise WireError(f"message of {len(payload)} bytes is over the {MAX_MESSAGE}-byte limit")
    return _LENGTH.pack(len(payload)) + payload


def frame_length(prefix: bytes) -> int:
    (size,) = _LENGTH.unpack(prefix)
    if size > MAX_MESSAGE:
        raise WireError(f"a message of {size} bytes is over the {MAX_MESSAGE}-byte limit")
    return size


def seal(payload: bytes, key: bytes, counter: int) -> bytes:
    """`payload` with a tag only the holder of `key` can make, bound to its place in the
    conversation (`counter`), so a copied reply cannot be sent again."""
    return payload + hmac.digest(key, _COUNTER.pack(counter) + payload, "sha256")


def unseal(message: bytes | memoryview, key: bytes, counter: int) -> memoryview:
    """The payload of a sealed message; WireError when the tag is not the key's."""
    message = memoryview(message)
    if len(message) < SEAL:
        raise WireError("an unsealed message where a sealed one was due")
    payload, tag = message[:-SEAL], bytes(message[-SEAL:])
    if not hmac.compare_digest(tag, hmac.digest(key, _COUNTER.pack(counter) + payload, "sha256")):
        raise WireError("a message not sealed by the runner (written by the candidate?)")
    return payload


def send(sock, value: Any) -> None:
    """Blocking send of one message; the runner's side of the channel."""
    sock.sendall(frame(encode(value)))


def receive(sock) -> Any:
    """Blocking receive of one message; None at end of stream. The runner's side: it trusts
    the judge, so no deadline."""
    prefix = _read_exactly(sock, 4)
    if prefix is None:
        return None
    payload = _read_exactly(sock, frame_length(prefix))
    if payload is None:
        return None
    return decode(payload)


def _read_exactly(sock, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            return None
        got += n
    return buffer
