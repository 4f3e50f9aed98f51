"""`netbuilder validate` on very large graphs: a chain and as many unconnected nodes, 10,000 and 100,000 of each.

For each project it runs the whole process (``python -m netbuilder validate``, as a user would) and
prints its wall time, CPU time and peak memory; then, in this process, the time of each phase
(read the JSON, build the graph, analyse, print the report). Target: under 10 s for 100,000 nodes.

    .venv/bin/python bench/validate_scale.py [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 10.0


def project_text(kind: str, count: int) -> str:
    """An Input and ``count`` ReLUs, wired one after another (chain) or not at all (loose)."""
    nodes = [{"id": "in", "type": "Input", "name": "in", "params": {"kind": "tabular", "features": 4}}]
    nodes += [{"id": f"n{i}", "type": "ReLU", "name": f"relu{i}", "position": [i * 10, 0]} for i in range(count)]
    edges = [{"id": f"e{i}", "from": ["in" if i == 0 else f"n{i - 1}", "out"], "to": [f"n{i}", "in"]}
             for i in range(count)] if kind == "chain" else []
    return json.dumps({"format_version": 1, "name": f"{kind} {count}", "dataset": {"name": "iris"},
                       "graphs": {"model": {"nodes": nodes, "edges": edges}}})


def whole_process(path: Path) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS MiB, exit code) of ``python -m netbuilder validate PATH``."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "netbuilder", "validate", str(path)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def phases(text: str) -> dict[str, float]:
    """CPU seconds of each phase of validate, in this process (a busy machine does not change them)."""
    from netbuilder.data.checks import analyze_with_data
    from netbuilder.graph.bulk import collector_paused
    from netbuilder.graph.project import project_from_dict
    from netbuilder.graph.report import describe, shapes_table

    out: dict[str, float] = {}
    with collector_paused():
        t = time.process_time()
        data = json.loads(text)
        out["json"] = time.process_time() - t
        t = time.process_time()
        project = project_from_dict(data)
        out["build"] = time.process_time() - t
        t = time.process_time()
        results = analyze_with_data(project)
        out["analyse"] = time.process_time() - t
        t = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            for name, analysis in results.items():
                graph = project.graphs[name]
                print("\n".join(describe(d, graph, "p.nbproj") for d in analysis.diagnostics))
                print(shapes_table(graph, analysis))
        out["report"] = time.process_time() - t
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    print(f"{'project':<16} {'nodes':>8} {'wall s':>7} {'CPU s':>6} {'peak MiB':>9}   in-process phases (CPU s)")
    slow = 0
    with tempfile.TemporaryDirectory(prefix="nb-validate-scale-") as tmp:
        for count in args.sizes:
            for kind in ("chain", "loose"):
                text = project_text(kind, count)
                path = Path(tmp) / f"{kind}{count}.nbproj"
                path.write_text(text, encoding="utf-8")
                wall, cpu, peak, _ = whole_process(path)
                parts = "  ".join(f"{k} {v:.2f}" for k, v in phases(text).items())
                print(f"{kind:<16} {count + 1:>8,} {wall:>7.1f} {cpu:>6.1f} {peak:>9,}   {parts}")
                slow += count >= 100_000 and wall > TARGET_SECONDS
    print(f"target: validate of a 100,000-node graph under {TARGET_SECONDS:.0f} s — "
          f"{'met' if not slow else f'missed {slow} time(s)'}")
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
