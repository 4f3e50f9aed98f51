"""Hostile checkpoints given to ``train --init-from`` and ``export --weights``: damaged files, lying headers,
metadata of the wrong type or nested 100,000 deep, pickles, files that are not files."""

from __future__ import annotations

import json
from fractions import Fraction
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.hostile.builders import fifo, iris, save, sparse_file
from tests.hostile.harness import Case, Invocation

SURFACE = "checkpoint"


def _tensors() -> dict:
    import torch

    return {"hidden1.weight": torch.randn(32, 4), "hidden1.bias": torch.zeros(32)}


def safetensors_bytes(metadata: dict[str, str] | None = None) -> bytes:
    from safetensors.torch import save as save_bytes

    return save_bytes(_tensors(), metadata=metadata)


def with_header(header: dict, body: bytes = b"") -> bytes:
    """A safetensors file from a header (JSON) and the bytes after it."""
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def _write(name: str, content: bytes | Callable[[], bytes]) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        (folder / name).write_bytes(content() if callable(content) else content)
        return name
    return write


def _pickle(folder: Path) -> str:
    import torch

    torch.save({"hidden1.weight": _tensors()["hidden1.weight"], "note": Fraction(1, 3)}, folder / "w.pt")
    return "w.pt"


def _case(name: str, write: Callable[[Path], str], mention: str | None = None, command: str = "train") -> Case:
    def make(folder: Path) -> Invocation:
        ckpt = write(folder)
        project = save(folder, iris())
        argv = (["train", project, "--init-from", ckpt, "--epochs", "1", "--out", "runs"] if command == "train" else
                ["export", project, "--weights", ckpt, "--onnx", "m.onnx"])
        return Invocation(argv, mention if mention is not None else ckpt)
    return Case(SURFACE, f"{name}-{command}", make)


def _both(name: str, write: Callable[[Path], str], mention: str | None = None) -> Iterator[Case]:
    yield _case(name, write, mention, "train")
    yield _case(name, write, mention, "export")


def cases() -> Iterator[Case]:
    nested = "[" * 100_000 + "]" * 100_000
    # Metadata of the wrong type or shape: the field is named.
    for label, value in (("a-list", "[1, 2]"), ("a-number", "5"), ("text", '"model"'), ("flat", '{"fc": "fc"}'),
                         ("not-json", "{nodes"), ("nested-100000", nested)):
        yield _case(f"metadata-nodes-{label}", _write("w.safetensors", lambda v=value: safetensors_bytes({"nodes": v})),
                    mention="'nodes'")
    # Damaged files.
    yield from _both("empty", _write("w.safetensors", b""))
    yield from _both("garbage", _write("w.safetensors", b"\x07garbage" * 100))
    yield from _both("truncated", _write("w.safetensors", lambda: safetensors_bytes()[:120]))
    yield from _both("header-length-2^64", _write("w.safetensors", lambda: struct.pack("<Q", 2 ** 64 - 1) +
                                                   safetensors_bytes()[8:]))
    yield from _both("claims-10^12-values", _write("w.safetensors", lambda: with_header(
        {"hidden1.weight": {"dtype": "F32", "shape": [10 ** 6, 10 ** 6], "data_offsets": [0, 4 * 10 ** 12]}},
        bytes(64))))
    yield from _both("offsets-past-the-end", _write("w.safetensors", lambda: with_header(
        {"hidden1.weight": {"dtype": "F32", "shape": [32, 4], "data_offsets": [0, 10 ** 9]}}, bytes(512))))
    yield from _both("unknown-dtype", _write("w.safetensors", lambda: with_header(
        {"hidden1.weight": {"dtype": "F99", "shape": [2], "data_offsets": [0, 8]}}, bytes(8))))
    yield from _both("pickle", _pickle)
    yield from _both("nan-weights", _write("w.safetensors", lambda: _nan()))
    # Things that are not checkpoint files.
    yield from _both("fifo", lambda f: fifo(f, "w.safetensors"))
    yield from _both("dev-zero", lambda f: "/dev/zero")
    yield from _both("folder", lambda f: ".")
    yield from _both("missing", lambda f: "nothing.safetensors")
    yield from _both("sparse-64GiB", lambda f: sparse_file(f, "w.safetensors", 64 * 1024 ** 3))


def _nan() -> bytes:
    from safetensors.torch import save as save_bytes

    tensors = _tensors()
    tensors["hidden1.weight"][0, 0] = float("nan")
    return save_bytes(tensors)
