"""Fuzz what netbuilder reads: project files, data files, checkpoints and ONNX models.

Surfaces (``--surface``, default all):

- ``projects``: the example ``.nbproj`` files truncated, bit-flipped, re-typed, nested, inflated... and
  loaded (tests/reliability/file_fuzz.py): `load_project` must raise ProjectFileError naming the file,
  or give a project that analyses, saves and loads again, without touching the file.
- ``data``: a valid .npz, IDX pair and CSV damaged the same ways, read by ``train --epochs 1``;
- ``checkpoints``: a valid safetensors checkpoint damaged (bytes and header), given to ``train --init-from``;
- ``onnx``: a valid ONNX model damaged, given to ``import-onnx``;
- ``crafted``: every hostile case of tests/hostile (a generator per surface), judged as the suite does.

Each command runs in this process (``netbuilder.cli.main``) under an address-space limit and a timeout,
as tests/hostile/harness.py does. An escape is a traceback, an exit code other than 0, 1 or 2, a
timeout, or a user's file changed.

    .venv/bin/python bench/fuzz_files.py [--surface data] [--cases 1000] [--seed 0] [--verbose]

Prints, per surface, the count tried, refused and accepted, and the escapes (target: 0).
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import random
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hostile import checkpoints as hostile_checkpoints
from tests.hostile import data_sources, file_system, names, onnx_models, project_files
from tests.hostile.builders import iris, node, save, with_dataset
from tests.hostile.harness import (Invocation, changed_files, problems, run_in_process,
                                   run_in_subprocess, snapshot)
from tests.reliability.file_fuzz import example_files, flip_bits, random_bytes, run_file_case
from tests.reliability.file_fuzz import splice, truncate

Mutation = Callable[[random.Random, bytes], bytes]
BYTE_MUTATIONS: dict[str, Mutation] = {"truncate": truncate, "flip_bits": flip_bits, "random_bytes": random_bytes,
                                       "splice": splice}
CASE_SECONDS = 60


class Tally:
    """Outcomes of one surface: counts by outcome and by mutation, and the escapes with their first seed."""

    def __init__(self) -> None:
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.by_mutation: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.escapes: collections.Counter[str] = collections.Counter()
        self.first: dict[str, tuple[str, str]] = {}

    def add(self, mutation: str, outcome: str) -> None:
        """One case's outcome; ``mutation`` may name several joined by ``+`` (each is counted)."""
        self.outcomes[outcome] += 1
        for name in mutation.split("+"):
            self.by_mutation[name][outcome] += 1

    def escape(self, key: str, where: str, detail: str) -> None:
        self.escapes[key] += 1
        self.first.setdefault(key, (where, detail))
        self.outcomes["escaped"] += 1

    def report(self, name: str, seconds: float, verbose: bool) -> int:
        tried = sum(self.outcomes.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        print(f"{name}: {tried} tried in {seconds:.1f} s ({parts})")
        for mutation in sorted(self.by_mutation):
            c = self.by_mutation[mutation]
            print(f"  {mutation:<24} " + "  ".join(f"{k} {v:>4}" for k, v in sorted(c.items())))
        total = sum(self.escapes.values())
        print(f"  escapes: {total}")
        for key, count in self.escapes.most_common():
            where, detail = self.first[key]
            print(f"    {count} x {key}  (first: {where})")
            if verbose:
                print(detail)
        return total


# ---- valid inputs to damage ------------------------------------------------------------------------
def _npz_bytes() -> bytes:
    import numpy as np

    rng = np.random.default_rng(0)
    out = io.BytesIO()
    np.savez(out, x=rng.standard_normal((30, 4)).astype(np.float32), y=np.arange(30) % 3)
    return out.getvalue()


def _idx_bytes() -> tuple[bytes, bytes]:
    from tests.hostile.data_files import idx

    return idx((30, 2, 2), data=bytes(range(120))), idx((30,), data=bytes(i % 3 for i in range(30)))


def _csv_bytes() -> bytes:
    rows = ["a,b,c,d,species"] + [f"{i % 7}.1,{i % 5}.2,{i % 3}.3,{i % 2}.4,{'xyz'[i % 3]}" for i in range(30)]
    return ("\n".join(rows) + "\n").encode()


def _checkpoint_bytes() -> bytes:
    import torch
    from safetensors.torch import save as save_bytes

    shapes = {"hidden1": (32, 4), "hidden2": (32, 32), "scores": (3, 32)}
    tensors = {}
    for layer, (rows, cols) in shapes.items():
        tensors[f"{layer}.weight"] = torch.randn(rows, cols)
        tensors[f"{layer}.bias"] = torch.zeros(rows)
    nodes = json.dumps({"model": {layer: layer for layer in shapes}})
    return save_bytes(tensors, metadata={"format": "netbuilder", "graphs": '["model"]', "nodes": nodes})


def _damage_checkpoint_header(rng: random.Random, data: bytes) -> bytes:
    """The JSON header re-typed: offsets, dtypes, shapes, metadata of the wrong type or nested deep."""
    size = struct.unpack("<Q", data[:8])[0]
    header, body = json.loads(data[8:8 + size]), data[8 + size:]
    name = rng.choice([k for k in header if k != "__metadata__"])
    what = rng.choice(("offsets", "dtype", "shape", "metadata", "nodes"))
    if what == "offsets":
        header[name]["data_offsets"] = rng.choice(([0, 10 ** 12], [50, 10], [-1, 4], [0, 2 ** 64], ["a", 1]))
    elif what == "dtype":
        header[name]["dtype"] = rng.choice(("F99", "", 3, None, "U8", "I64"))
    elif what == "shape":
        header[name]["shape"] = rng.choice(([2 ** 40, 2 ** 40], [-1], [0], "x", [4, 3, 1000]))
    elif what == "metadata":
        header["__metadata__"] = rng.choice(({"nodes": "{not json"}, {"nodes": 5}, "x", {"a": ["b"]}))
    else:
        header.setdefault("__metadata__", {})["nodes"] = rng.choice(
            ("[" * 100_000 + "]" * 100_000, "[1, 2]", '{"model": [1]}', '{"model": {"a": 5}}', '"text"'))
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def _onnx_bytes() -> bytes:
    return onnx_models.model().SerializeToString()


# ---- one fuzz case through the command line --------------------------------------------------------
def _judge(tally: Tally, mutation: str, where: str, invocation: Invocation, folder: Path) -> None:
    before = snapshot(folder)
    outcome = run_in_process(invocation, folder, seconds=CASE_SECONDS)
    changed = changed_files(before, folder)
    escaped = outcome.escaped or ("Traceback" in outcome.text and "a traceback was printed")
    if escaped or outcome.code not in (0, 1, 2) or changed:
        last = (outcome.escaped or outcome.err or outcome.out).strip().splitlines()
        key = (last[-1] if last else f"exit {outcome.code}")[:160]
        if changed:
            key = f"files changed: {', '.join(changed)}"
        tally.escape(key, where, outcome.escaped or outcome.err[-3000:])
        return
    tally.add(mutation, "refused" if outcome.code in (1, 2) else "accepted")


def fuzz_data(rng: random.Random, seed: int, folder: Path, tally: Tally) -> None:
    kind = rng.choice(("npz", "idx-images", "idx-labels", "csv"))
    mutation = rng.choice(list(BYTE_MUTATIONS))
    damage = BYTE_MUTATIONS[mutation]
    options: dict[str, object] = {}
    if kind == "npz":
        (folder / "d.npz").write_bytes(damage(rng, _npz_bytes()))
        project = with_dataset(folder, "npz", "d.npz")
    elif kind == "csv":
        (folder / "d.csv").write_bytes(damage(rng, _csv_bytes()))
        project = with_dataset(folder, "csv", "d.csv")
    else:
        images, labels = _idx_bytes()
        if kind == "idx-images":
            images = damage(rng, images)
        else:
            labels = damage(rng, labels)
        (folder / "images.idx").write_bytes(images)
        (folder / "labels.idx").write_bytes(labels)
        options = {"images": "images.idx", "labels": "labels.idx", "flatten": True}
        data = iris()  # 2×2 images flattened: 4 features; 8-bit images count as the 10 MNIST classes
        node(data, "scores")["params"]["out_features"] = 10
        node(data, "labels")["params"]["classes"] = 10
        project = with_dataset(folder, "idx", "", options, data)
    invocation = Invocation(["train", project, "--epochs", "1", "--out", "runs"], "")
    _judge(tally, f"{kind}/{mutation}", f"--surface data --seed {seed} --cases 1", invocation, folder)


def fuzz_checkpoint(rng: random.Random, seed: int, folder: Path, tally: Tally) -> None:
    mutation = rng.choice([*BYTE_MUTATIONS, "header"])
    data = _checkpoint_bytes()
    data = _damage_checkpoint_header(rng, data) if mutation == "header" else BYTE_MUTATIONS[mutation](rng, data)
    (folder / "w.safetensors").write_bytes(data)
    project = save(folder, iris())
    invocation = Invocation(["train", project, "--init-from", "w.safetensors", "--epochs", "1", "--out", "runs"], "")
    _judge(tally, mutation, f"--surface checkpoints --seed {seed} --cases 1", invocation, folder)


def fuzz_onnx(rng: random.Random, seed: int, folder: Path, tally: Tally) -> None:
    mutation = rng.choice(list(BYTE_MUTATIONS))
    (folder / "m.onnx").write_bytes(BYTE_MUTATIONS[mutation](rng, _onnx_bytes()))
    invocation = Invocation(["import-onnx", "m.onnx", "-o", "out.nbproj", "--force"], "")
    _judge(tally, mutation, f"--surface onnx --seed {seed} --cases 1", invocation, folder)


def fuzz_project(rng: random.Random, seed: int, folder: Path, tally: Tally, sources: list[bytes]) -> None:
    try:
        case = run_file_case(rng, seed, folder, sources)
    except Exception as exc:
        tally.escape(f"{type(exc).__name__}: {str(exc)[:160]}", f"--surface projects --seed {seed} --cases 1",
                     traceback.format_exc())
        return
    tally.add(case.mutation, case.outcome)


def run_crafted(tally: Tally) -> None:
    """Every case of tests/hostile, judged as the suite judges it (subprocess-only cases in a process)."""
    for module in (project_files, data_sources, hostile_checkpoints, onnx_models, file_system, names):
        for case in module.cases():
            with tempfile.TemporaryDirectory(prefix="nb-fuzz-crafted-") as tmp:
                folder = Path(tmp)
                invocation = case.make(folder)
                before = snapshot(folder)
                run = run_in_subprocess if case.subprocess_only else run_in_process
                outcome = run(invocation, folder)
                found = problems(case, invocation, outcome, changed_files(before, folder), folder)
                if found:
                    tally.escape(f"{case.id}: {found[0][:140]}", case.id, outcome.escaped or outcome.err[-3000:])
                else:
                    tally.add(case.surface, "handled")


SURFACES = ("projects", "data", "checkpoints", "onnx", "crafted")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surface", choices=SURFACES, action="append", help="repeatable; default: all")
    parser.add_argument("--cases", type=int, default=None, help="per surface (default: 1000 project files, 150 "
                        "of each other kind)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print the traceback of each kind of escape")
    args = parser.parse_args(argv)

    total = 0
    sources = [p.read_bytes() for p in example_files()]
    fuzzers: dict[str, Callable[[random.Random, int, Path, Tally], None]] = {
        "data": fuzz_data, "checkpoints": fuzz_checkpoint, "onnx": fuzz_onnx,
        "projects": lambda r, s, f, t: fuzz_project(r, s, f, t, sources)}
    for surface in args.surface or SURFACES:
        tally = Tally()
        start = time.perf_counter()
        if surface == "crafted":
            run_crafted(tally)
        else:
            count = args.cases if args.cases is not None else (1000 if surface == "projects" else 150)
            for seed in range(args.seed, args.seed + count):
                with tempfile.TemporaryDirectory(prefix=f"nb-fuzz-{surface}-") as tmp:
                    fuzzers[surface](random.Random(seed), seed, Path(tmp), tally)
        total += tally.report(surface, time.perf_counter() - start, args.verbose)
    print(f"escapes in all: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
