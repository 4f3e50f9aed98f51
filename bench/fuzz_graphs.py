"""Fuzz the graph core: random networks, random edit sequences with undo/redo, then the properties.

Every case grows a plausible network, applies random edits through the Graph
API (including wrong-typed and out-of-range values) and checks that nothing
escapes from the model, that a graph which validates clean compiles and runs
with measured shapes equal to the inferred ones, that an invalid graph says
where it is wrong, that the file round trip keeps it, and that undo/redo
walk back and forth exactly. See tests/reliability/graph_fuzz.py.

    .venv/bin/python bench/fuzz_graphs.py [--cases 10000] [--seed 0] [--commands]

Prints how many graphs, how many were valid and compiled, how many failures
(target: 10,000 and 0), and the seed of each failure so it can be replayed
with --seed SEED --cases 1.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from tests.reliability.graph_fuzz import run_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0, help="seed of the first case (cases use seed, seed+1, ...)")
    parser.add_argument("--max-edits", type=int, default=8)
    parser.add_argument("--verbose", action="store_true", help="print the traceback of the first failure")
    parser.add_argument("--commands", action="store_true",
                        help="edit through the window's undo commands on a QUndoStack (needs PySide6)")
    args = parser.parse_args(argv)
    session_for = None
    if args.commands:
        from netbuilder.graph import Graph
        from tests.reliability.qt_session import QtSession

        def session_for() -> QtSession:
            return QtSession(Graph("model"))
    torch.set_num_threads(1)  # tiny graphs: threads only add overhead

    failures: collections.Counter[str] = collections.Counter()
    first: dict[str, tuple[int, str]] = {}
    valid = compiled = warned = edits = refused = nodes = 0
    purposes: collections.Counter[str] = collections.Counter()
    codes: collections.Counter[str] = collections.Counter()
    start = time.perf_counter()
    for seed in range(args.seed, args.seed + args.cases):
        try:
            r = run_case(random.Random(seed), seed, max_edits=args.max_edits,
                         session=session_for() if session_for else None)
        except Exception as exc:
            key = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            failures[key] += 1
            first.setdefault(key, (seed, traceback.format_exc()))
            continue
        valid += r.valid
        compiled += r.compiled
        warned += r.warned_runtime_failure
        edits += r.edits
        refused += r.refused
        nodes += r.nodes
        purposes[r.purpose] += 1
        codes.update(r.error_codes)
    seconds = time.perf_counter() - start

    total_failures = sum(failures.values())
    print(f"edits through: {'the window undo commands (QUndoStack)' if args.commands else 'the Graph API'}")
    print(f"graphs: {args.cases}  (seeds {args.seed}..{args.seed + args.cases - 1}, {seconds:.1f} s, "
          f"{1000 * seconds / max(args.cases, 1):.1f} ms per graph)")
    print(f"valid and compiled with measured shapes == inferred: {compiled} ({100 * compiled / args.cases:.1f}%); "
          f"valid: {valid}")
    print(f"valid but random N(0,1) data broke a value rule (BCELoss needs values in 0..1; warned by "
          f"analysis or an Input used as the target): {warned}")
    print(f"invalid, each with a diagnostic on a node, a wire or the graph: {args.cases - valid - total_failures}")
    print(f"purposes: {dict(purposes)}; nodes per graph: {nodes / max(args.cases - total_failures, 1):.1f}; "
          f"edits applied: {edits}, refused by the model (ConnectionRefused, bad names ...): {refused}")
    print(f"error codes seen: {dict(codes.most_common())}")
    print(f"failures: {total_failures}")
    for key, count in failures.most_common():
        seed, tb = first[key]
        print(f"  {count} x {key}  (first: --seed {seed} --cases 1)")
        if args.verbose:
            print(tb)
    return 1 if total_failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
