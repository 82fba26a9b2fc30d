"""The wire format: plain data round-trips exactly; anything else is refused, never executed."""

import json
import struct

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bughunt import wire

scalars = st.none() | st.booleans() | st.integers(-2**62, 2**62) | st.floats(allow_nan=False) | \
    st.text(max_size=20) | st.binary(max_size=20)
tensors = st.builds(lambda shape, dtype, seed: (torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * 10).to(dtype),
                    st.lists(st.integers(0, 3), max_size=3),
                    st.sampled_from([torch.float32, torch.float64, torch.float16, torch.bfloat16,
                                     torch.int64, torch.int32, torch.uint8, torch.bool]),
                    st.integers(0, 100))
values = st.recursive(scalars | tensors | st.sampled_from([torch.float16, torch.int64]),
                      lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) |
                      st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12)


def same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None)
@given(values)
def test_plain_data_round_trips_exactly(value):
    assert same(wire.decode(wire.encode(value)), value)


def test_special_floats_and_hostile_dict_keys_round_trip():
    value = {"$t": float("inf"), "$d": [float("-inf")], "x": (1, "$b")}
    back = wire.decode(wire.encode(value))
    assert back["$t"] == float("inf") and back["$d"] == [float("-inf")] and back["x"] == (1, "$b")
    assert wire.decode(wire.encode(float("nan"))) != wire.decode(wire.encode(float("nan")))


@pytest.mark.parametrize("value", [object(), {1: 2}, torch.nn.Linear(1, 1), torch.zeros(2, dtype=torch.complex128),
                                   type, lambda: 1])
def test_anything_but_plain_data_is_refused_when_sent(value):
    with pytest.raises(wire.WireError):
        wire.encode(value)


def _message(tree, blob=b""):
    header = json.dumps(tree).encode()
    return struct.pack(">I", len(header)) + header + blob


@pytest.mark.parametrize("payload", [
    b"", b"\x00\x00", struct.pack(">I", 99) + b"{}",
    _message({"$pickle": "cos\nsystem\n"}),
    _message({"a": 1}),  # a raw JSON object is not a dict node
    _message({"$t": ["float32", [1000], 0, 4000]}),  # bytes it does not have
    _message({"$t": ["float32", [2], 0, 4]}, b"\x00" * 4),  # size does not match the shape
    _message({"$t": ["object", [1], 0, 8]}, b"\x00" * 8),
    _message({"$t": ["float32", [-1], 0, 0]}),
    _message({"$dtype": "Tensor"}),
    _message({"$f": "1e999"}),
    _message({"$b": [0, 10]}, b"\x00"),
    _message(json.loads("[" * 40 + "1" + "]" * 40)),
    b"\x00\x00\x00\x03\xff\xfe\xfd",
])
def test_malformed_messages_are_refused(payload):
    with pytest.raises(wire.WireError):
        wire.decode(payload)


def test_oversized_frames_are_refused_before_reading_them():
    with pytest.raises(wire.WireError):
        wire.frame_length(struct.pack(">I", wire.MAX_MESSAGE + 1))
    with pytest.raises(wire.WireError):
        wire.frame(b"x" * (wire.MAX_MESSAGE + 1))


def test_a_tensor_with_an_odd_stride_on_a_dimension_of_one_is_sent():
    odd = torch.arange(2).reshape(1, 2)[:, -1].long()  # shape (1,), stride (2,)
    assert torch.equal(wire.decode(wire.encode(odd)), odd)


def _message(header: bytes, blob: bytes = b"") -> bytes:
    return struct.pack(">I", len(header)) + header + blob


@pytest.mark.parametrize("header", [
    b'{"$t":["float32",[0,18446744073709551616],0,0]}',  # an empty tensor with a dimension of 2**64
    b'{"$t":["float32",[2147483648,0],0,0]}',
    b'{"$t":["float32",[-1],0,0]}',
    b'{"$t":["float32",[1e400],0,0]}',
    b'{"$f":"nan"}' * 2,
    b'{"$b":[0,1]}',
])
def test_every_bad_node_is_a_wire_error(header):
    with pytest.raises(wire.WireError):
        wire.decode(_message(header))


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_decoding_any_bytes_gives_a_value_or_a_wire_error(data):
    try:
        wire.decode(data)
    except wire.WireError:
        pass


def test_a_sealed_reply_opens_only_with_its_key_and_in_its_place():
    key = b"k" * 32
    sealed = wire.seal(wire.encode({"op": "loaded"}), key, 0)
    assert wire.decode(wire.unseal(sealed, key, 0)) == {"op": "loaded"}
    for other_key, counter in ((b"x" * 32, 0), (key, 1)):
        with pytest.raises(wire.WireError):
            wire.unseal(sealed, other_key, counter)
    with pytest.raises(wire.WireError):
        wire.unseal(wire.encode({"op": "loaded"}), key, 0)  # unsealed: what a candidate can write
