"""Training throughput of the Trainer against the best hand-written loop and a plain fp32 eager loop.

Two networks drawn as netbuilder graphs: a six-conv CIFAR-size CNN (64-128-256
channels) and a CIFAR-size ResNet-18, on synthetic 3×32×32 data generated here
(10 classes). In one process, interleaved round by round, each trains the same
compiled graph with SGD at the same batch size:

- ``trainer``: the Trainer with its defaults (precision auto = bf16 autocast on
  GPUs that have it, channels-last for convolutions on CUDA, eager);
- ``trainer+compile``: the same with ``compile = default`` (compile time excluded);
- ``best loop``: hand-written, bf16 autocast + channels-last + torch.compile on
  CUDA (fp32 eager on the CPU, where none of them pays);
- ``fp32 eager``: hand-written, float32, no compile.

Columns: samples/s, achieved TFLOP/s from the catalog's multiply-add counts
(3 × forward for forward + backward, 2 FLOPs per multiply-add), the fraction of
the GPU's bf16 dense peak (when the GPU is known), and peak memory.

    .venv/bin/python bench/gpu_throughput.py [--batch 256 512] [--samples 16000] [--epochs 2] [--rounds 3]

On the CPU it runs a small size (batch 32, 256 samples) unless told otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netbuilder.compile import build
from netbuilder.data import Dataset
from netbuilder.graph import Graph, Project, TrainingSettings, analyze
from netbuilder.graph.settings import DatasetSettings
from netbuilder.train import FunctionCallback, Trainer
from netbuilder.train.device import pick_device, synchronize

# Dense bf16 tensor-core peaks (TFLOP/s, no sparsity), from the vendors' data sheets.
BF16_PEAK = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0,
             "RTX 4090": 165.0, "RTX 3090": 71.0}


class Chain:
    """Draw a network node by node: ``c.add("Conv2d", out_channels=64)`` wires from the last node."""

    def __init__(self, name: str, channels: int, size: int, classes: int) -> None:
        self.graph = Graph(name)
        self.last = self.graph.add_node("Input", name="image", params={
            "kind": "image", "channels": channels, "height": size, "width": size}).id
        self.classes = classes

    def add(self, layer: str, source: str | None = None, port: str = "in", **params: object) -> str:
        node = self.graph.add_node(layer, params=dict(params)).id
        self.graph.connect(source or self.last, "out", node, port)
        self.last = node
        return node

    def conv_bn_relu(self, channels: int, stride: int = 1, relu: bool = True) -> str:
        self.add("Conv2d", out_channels=channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.add("BatchNorm2d")
        return self.add("ReLU") if relu else self.last

    def head(self) -> Graph:
        self.add("AdaptiveAvgPool2d", output_size=1)
        self.add("Flatten")
        scores = self.add("Linear", out_features=self.classes)
        target = self.graph.add_node("Target", name="label", params={"kind": "classes", "classes": self.classes})
        loss = self.graph.add_node("CrossEntropyLoss").id
        self.graph.connect(scores, "out", loss, "pred")
        self.graph.connect(target.id, "out", loss, "target")
        return self.graph


def six_conv_cnn_pooled(classes: int = 10) -> Graph:
    """64-64-pool-128-128-pool-256-256: the issue's six-conv CNN."""
    c = Chain("model", 3, 32, classes)
    for i, channels in enumerate((64, 64, 128, 128, 256, 256)):
        c.conv_bn_relu(channels)
        if i in (1, 3):
            c.add("MaxPool2d", kernel_size=2, stride=2, padding=0)
    return c.head()


def resnet18(classes: int = 10) -> Graph:
    """ResNet-18 for 32×32 inputs (3×3 stem, no max pool), basic blocks [2, 2, 2, 2]."""
    c = Chain("model", 3, 32, classes)
    c.conv_bn_relu(64)
    channels_in = 64
    for stage, channels in enumerate((64, 128, 256, 512)):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            entry = c.last
            c.conv_bn_relu(channels, stride)
            main = c.conv_bn_relu(channels, relu=False)
            shortcut = entry
            if stride != 1 or channels != channels_in:
                c.add("Conv2d", source=entry, out_channels=channels, kernel_size=1, stride=stride, padding=0,
                      bias=False)
                shortcut = c.add("BatchNorm2d")
            add = c.graph.add_node("Add").id
            c.graph.connect(main, "out", add, "a")
            c.graph.connect(shortcut, "out", add, "b")
            c.last = add
            c.add("ReLU")
            channels_in = channels
    return c.head()


NETWORKS: dict[str, Callable[[], Graph]] = {"six-conv CNN": six_conv_cnn_pooled, "ResNet-18 (CIFAR)": resnet18}


def synthetic(samples: int, classes: int = 10) -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(samples, 3, 32, 32, generator=g)
    y = torch.randint(0, classes, (samples,), generator=g)
    n_val = max(samples // 16, 1)
    return Dataset("synthetic", x[n_val:], y[n_val:], x[:n_val], y[:n_val], "classification", "image",
                   (3, 32, 32), (), classes, [str(i) for i in range(classes)])


def project_for(graph: Graph, batch: int, compile_mode: str = "off") -> Project:
    settings = TrainingSettings(optimizer="sgd", learning_rate=0.05, momentum=0.9, batch_size=batch,
                                report_every=50, compile=compile_mode)
    return Project("bench", {"model": graph}, DatasetSettings("digits"), settings)


def trainer_side(graph: Graph, data: Dataset, device: torch.device, batch: int, epochs: int,
                 compile_mode: str) -> tuple[float, int]:
    """(training seconds, samples trained), from the Trainer's own per-epoch timing (validation excluded)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Trainer(project_for(graph, batch, compile_mode), device=device, epochs=epochs, dataset=data,
                         out_dir=tmp, layer_stats=False, save=False,
                         callbacks=[FunctionCallback()]).run()
    if result.reason != "completed":
        raise SystemExit(f"the Trainer did not complete: {result.message}")
    epochs_seen = result.history[1:] if len(result.history) > 1 else result.history  # the first warms up
    seconds = sum(e.seconds for e in epochs_seen)
    samples = sum(round(e.samples_per_s * e.seconds) for e in epochs_seen)
    return seconds, samples


def loop_side(graph: Graph, data: Dataset, device: torch.device, batch: int, epochs: int,
              best: bool) -> tuple[float, int]:
    """A hand-written loop over the same compiled graph: ``best`` = bf16 + channels-last + torch.compile on CUDA."""
    torch.manual_seed(0)
    compiled = build(graph, "train", device=device)
    model = compiled.training
    assert model is not None
    cuda = device.type == "cuda"
    use_best = best and cuda
    if use_best:
        compiled.modules.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        model = torch.compile(model)
    opt = torch.optim.SGD(compiled.trainable_parameters(), lr=0.05, momentum=0.9)
    x, y = data.x_train.to(device), data.y_train.to(device)
    if use_best:
        x = x.contiguous(memory_format=torch.channels_last)
    n = len(x)
    seconds = 0.0
    samples = 0
    for epoch in range(epochs):
        perm = torch.randperm(n, device=device)
        synchronize(device)
        started = time.perf_counter()
        for i in range(0, n - batch + 1, batch):  # whole batches only: one shape for the compiler
            idx = perm[i:i + batch]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_best):
                loss, _ = model(x.index_select(0, idx), y.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        synchronize(device)
        if epoch > 0 or epochs == 1:  # the first epoch warms up (and compiles)
            seconds += time.perf_counter() - started
            samples += (n // batch) * batch
    return seconds, samples


def peak_memory(device: torch.device) -> str:
    if device.type != "cuda":
        return "-"
    return f"{torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB"


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--batch", type=int, nargs="*")
    ap.add_argument("--samples", type=int)
    ap.add_argument("--epochs", type=int, default=2, help="per run; the first is a warm-up and not counted")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--networks", nargs="*", default=list(NETWORKS))
    args = ap.parse_args()
    device = pick_device(args.device)
    cuda = device.type == "cuda"
    batches = args.batch or ([256, 512] if cuda else [32])
    samples = args.samples or (16_000 if cuda else 256)
    name = torch.cuda.get_device_name(device) if cuda else "CPU"
    peak = next((v for k, v in BF16_PEAK.items() if k in name), None)
    print(f"device {name}; {samples:,} synthetic 3×32×32 samples; {args.rounds} interleaved rounds, medians; "
          f"epochs per run {args.epochs} (first not counted)")
    data = synthetic(samples)
    for net_name in args.networks:
        graph = NETWORKS[net_name]()
        macs = analyze(graph, "train").total_macs
        for batch in batches:
            sides: dict[str, list[float]] = {"trainer": [], "trainer+compile": [], "best loop": [], "fp32 eager": []}
            for _ in range(args.rounds):
                for side in sides:
                    if cuda:
                        torch.cuda.reset_peak_memory_stats(device)
                    if side.startswith("trainer"):
                        sec, n = trainer_side(graph, data, device, batch, args.epochs,
                                              "default" if side.endswith("compile") else "off")
                    else:
                        sec, n = loop_side(graph, data, device, batch, args.epochs, best=side == "best loop")
                    sides[side].append(n / max(sec, 1e-9))
            rate = {k: statistics.median(v) for k, v in sides.items()}
            print(f"\n{net_name}, batch {batch}, {macs / 1e6:.0f} M multiply-adds per sample")
            print(f"  {'side':<16} {'samples/s':>10} {'TFLOP/s':>8} {'of bf16 peak':>13} {'vs best':>8} {'vs fp32':>8}")
            for side, r in rate.items():
                tflops = r * macs * 3 * 2 / 1e12
                frac = f"{tflops / peak:.1%}" if peak else "-"
                print(f"  {side:<16} {r:>10,.0f} {tflops:>8.2f} {frac:>13} {r / rate['best loop']:>8.3f} "
                      f"{r / rate['fp32 eager']:>8.3f}")
            print(f"  peak memory (last run): {peak_memory(device)}")


if __name__ == "__main__":
    main()
