"""Damaged weight files: the checkpoint loaders answer with their own error, never another exception.

A small safetensors checkpoint is truncated, bit-flipped, given a lying
header length, or has its JSON header re-typed (offsets past the end, unknown
dtypes, shapes that do not match the bytes); `read_checkpoint` (training) and
`load_weights` (export) must each either return tensors or raise
CheckpointError / ExportError naming the file.
"""

from __future__ import annotations

import json
import random
import struct

import pytest

torch = pytest.importorskip("torch")

from safetensors.torch import save_file  # noqa: E402

from netbuilder.export.errors import ExportError  # noqa: E402
from netbuilder.export.weights import load_weights  # noqa: E402
from netbuilder.train.checkpoint import CheckpointError, read_checkpoint  # noqa: E402

CASES = 150


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("ckpt") / "good.safetensors"
    save_file({"fc.weight": torch.randn(4, 3), "fc.bias": torch.zeros(4), "emb.weight": torch.ones(5, 2)},
              str(path), metadata={"format": "netbuilder", "nodes": json.dumps({"fc": "fc"})})
    return path.read_bytes()


def _header(data: bytes) -> tuple[dict, bytes]:
    size = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + size]), data[8 + size:]


def _with_header(header: dict, body: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def _damage_header(rng: random.Random, data: bytes) -> bytes:
    header, body = _header(data)
    name = rng.choice([k for k in header if k != "__metadata__"])
    entry = header[name]
    what = rng.choice(("offsets", "dtype", "shape", "drop", "metadata"))
    if what == "offsets":
        entry["data_offsets"] = rng.choice(([0, 10**12], [50, 10], [-1, 4], [0, 2**64], ["a", 1]))
    elif what == "dtype":
        entry["dtype"] = rng.choice(("F99", "", 3, None, "U8"))
    elif what == "shape":
        entry["shape"] = rng.choice(([2**40, 2**40], [-1], [0], "x", [4, 3, 1000]))
    elif what == "drop":
        entry.pop(rng.choice(("dtype", "shape", "data_offsets")))
    else:
        header["__metadata__"] = rng.choice(({"nodes": "{not json"}, {"nodes": 5}, "x", {"a": ["b"]}))
    return _with_header(header, body)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        return data[:rng.randrange(len(data))]
    if kind == 1:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b)
    if kind == 2:  # a header length that lies
        return struct.pack("<Q", rng.choice((0, 7, len(data), 2**40, 2**64 - 1))) + data[8:]
    if kind == 3:
        return _damage_header(rng, data)
    return rng.choice((b"", b"\x00" * 8, b"PK\x03\x04", data + data))


def test_damaged_checkpoints_are_refused_with_the_loaders_own_errors(tmp_path, checkpoint_bytes) -> None:
    refused = 0
    for seed in range(CASES):
        rng = random.Random(seed)
        path = tmp_path / f"case{seed}.safetensors"
        path.write_bytes(_mutate(rng, checkpoint_bytes))
        for load, error in ((read_checkpoint, CheckpointError), (load_weights, ExportError)):
            try:
                load(path)
            except error as exc:
                refused += 1
                assert path.name in str(exc), f"seed {seed}: {load.__name__} error does not name the file: {exc}"
            except Exception as exc:
                pytest.fail(f"seed {seed}: {type(exc).__name__} escaped from {load.__name__}: {exc}")
    assert refused > CASES  # most damage (over half of the 2 x CASES loads) is caught


def test_an_intact_checkpoint_still_loads(tmp_path, checkpoint_bytes) -> None:
    path = tmp_path / "good.safetensors"
    path.write_bytes(checkpoint_bytes)
    tensors, metadata = read_checkpoint(path)
    assert set(tensors) == {"fc.weight", "fc.bias", "emb.weight"} and metadata["format"] == "netbuilder"
    assert set(load_weights(path)) == set(tensors)
