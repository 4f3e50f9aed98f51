"""Fuzz the project loader with damaged files made from the example projects.

Each case truncates, bit-flips, re-types, deletes, inflates, nests or
duplicates part of an example ``.nbproj`` (see tests/reliability/file_fuzz.py)
and loads it: the loader must raise ProjectFileError naming the file, or give
a project that analyses, saves and loads again; and it must never change the
file (bytes and modification time are compared).

    .venv/bin/python bench/fuzz_files.py [--cases 1000] [--seed 0]

Prints the count tried, how many were refused / loaded, per mutation, and the
escaped exceptions (target: 1,000 and 0).
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.file_fuzz import example_files, run_file_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print the traceback of each kind of escape")
    args = parser.parse_args(argv)

    sources = [p.read_bytes() for p in example_files()]
    outcomes: collections.Counter[str] = collections.Counter()
    by_mutation: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    escapes: collections.Counter[str] = collections.Counter()
    first: dict[str, tuple[int, str]] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nb-fuzz-files-") as tmp:
        for seed in range(args.seed, args.seed + args.cases):
            try:
                case = run_file_case(random.Random(seed), seed, Path(tmp), sources)
            except Exception as exc:
                key = f"{type(exc).__name__}: {str(exc)[:160]}"
                escapes[key] += 1
                first.setdefault(key, (seed, traceback.format_exc()))
                continue
            outcomes[case.outcome] += 1
            for name in case.mutation.split("+"):
                by_mutation[name][case.outcome] += 1
    seconds = time.perf_counter() - start

    print(f"files tried: {args.cases} (from {len(sources)} example projects, {seconds:.1f} s)")
    print(f"refused with ProjectFileError: {outcomes['refused']}; loaded (and analysed, saved, reloaded): "
          f"{outcomes['loaded']}")
    for name in sorted(by_mutation):
        c = by_mutation[name]
        print(f"  {name:<16} refused {c['refused']:>4}  loaded {c['loaded']:>4}")
    total = sum(escapes.values())
    print(f"escaped exceptions: {total}")
    for key, count in escapes.most_common():
        seed, tb = first[key]
        print(f"  {count} x {key}  (first: --seed {seed} --cases 1)")
        if args.verbose:
            print(tb)
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
