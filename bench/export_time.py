"""Time ONNX export + onnx.checker + onnxruntime parity for a 50-layer CNN on CPU.

Run: `.venv/bin/python bench/export_time.py`. Prints seconds per phase; the target is < 5 s in total.
For comparison it also times a bare `torch.onnx.export(dynamo=True)` of the same plain PyTorch module,
so the ratio shows what the checks and metadata cost on top of the exporter.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch

from netbuilder.compile import build
from netbuilder.export.onnx_out import export_onnx
from netbuilder.graph import Graph

TARGET_S = 5.0
BLOCKS = 16  # conv + batch norm + ReLU each: 48 layers, plus pooling, flatten and the head


def fifty_layer_cnn() -> Graph:
    g = Graph("cnn50")
    prev = g.add_node("Input", params={"kind": "image", "channels": 3, "height": 32, "width": 32}, name="image")

    def add(kind: str, name: str, **params):
        nonlocal prev
        node = g.add_node(kind, params=params, name=name)
        g.connect(prev.id, "out", node.id, "in")
        prev = node

    for i in range(BLOCKS):
        add("Conv2d", f"conv{i}", out_channels=16 if i < 8 else 32, kernel_size=3, padding=1)
        add("BatchNorm2d", f"bn{i}")
        add("ReLU", f"relu{i}")
        if i in (5, 11):
            add("MaxPool2d", f"pool{i}", kernel_size=2)
    add("AdaptiveAvgPool2d", "gap", output_size=1)
    add("Flatten", "flatten")
    add("Linear", "head", out_features=10)
    out = g.add_node("Output", name="scores")
    g.connect(prev.id, "out", out.id, "in")
    return g


def main() -> None:
    torch.set_num_threads(2)
    graph = fifty_layer_cnn()
    layers = sum(1 for n in graph.nodes.values() if n.spec.role == "layer")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Warm-up: the first export in a process pays for importing and registering the exporter.
        cold = export_onnx(graph, folder / "warm.onnx").seconds
        totals, plain = [], []
        for i in range(3):
            report = export_onnx(graph, folder / f"cnn{i}.onnx")
            totals.append(report.seconds)
            compiled = build(graph, "inference").eval()
            compiled.model.eval()
            start = time.perf_counter()
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                torch.onnx.export(compiled.model, tuple(compiled.example_inputs(2)), str(folder / f"plain{i}.onnx"),
                                  dynamo=True, dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False)
            plain.append(time.perf_counter() - start)
    total, bare = statistics.median(totals), statistics.median(plain)
    print(f"50-layer CNN ({layers} layers, 3x32x32 input), CPU, {torch.get_num_threads()} threads, median of 3:")
    print(f"  netbuilder export + onnx.checker + onnxruntime parity (batch 1 and 7): {total:.2f} s "
          f"(target < {TARGET_S:.0f} s: {'met' if total < TARGET_S else 'NOT met'})")
    print("  phases of the last run: " + ", ".join(f"{k} {v:.2f} s" for k, v in report.phases.items()))
    print(f"  the same, first export in a fresh process (exporter start-up included): {cold:.2f} s")
    print(f"  plain torch.onnx.export(dynamo=True) of the same module:              {bare:.2f} s")
    print(f"  ratio netbuilder / plain torch: {total / bare:.2f}x")
    print(f"  max |torch - onnxruntime|: {max(report.max_abs_diff.values()):.2e}; exporter: {report.exporter}")


if __name__ == "__main__":
    main()
