"""Does a compiled netbuilder graph cost anything over hand-written PyTorch? Prints the ratio per network.

For a realistic CNN and LSTM, the compiled module (netbuilder.compile.build) and a hand-written twin with
the same weights run forward + loss + backward steps, interleaved in the same process (each round times
one step of each, in alternating order so neither always goes first), and the medians are compared.
Uses CUDA when available (synchronising around each step), else the CPU with a fixed thread count.

    .venv/bin/python bench/compile_overhead.py [--rounds 150] [--warmup 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from collections.abc import Callable

import torch
from torch import nn

from netbuilder.compile import CompiledGraph, build
from netbuilder.graph import Graph, Node

TARGET = 1.03


# ---- the two networks, drawn with the graph API -------------------------------------------------
def _chain(g: Graph, start: Node, *layers: tuple[str, str, dict]) -> Node:
    prev = start
    for kind, name, params in layers:
        node = g.add_node(kind, name=name, params=params)
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    return prev


def _classifier_head(g: Graph, last: Node, classes: int) -> None:
    target = g.add_node("Target", name="labels", params={"kind": "classes", "classes": classes})
    loss = g.add_node("CrossEntropyLoss", name="loss")
    out = g.add_node("Output", name="scores")
    g.connect(last.id, "out", loss.id, "pred")
    g.connect(target.id, "out", loss.id, "target")
    g.connect(last.id, "out", out.id, "in")


CNN_CHANNELS = (16, 32, 64, 128)


def cnn_graph() -> Graph:
    g = Graph("cnn")
    x = g.add_node("Input", name="image", params={"kind": "image", "channels": 3, "height": 32, "width": 32})
    layers = []
    for i, c in enumerate(CNN_CHANNELS, 1):
        layers += [("Conv2d", f"conv{i}", {"out_channels": c, "kernel_size": 3, "padding": 1, "bias": False}),
                   ("BatchNorm2d", f"bn{i}", {}), ("ReLU", f"relu{i}", {}), ("MaxPool2d", f"pool{i}", {})]
    layers += [("Flatten", "flatten", {}), ("Linear", "fc1", {"out_features": 256}), ("ReLU", "relu_fc", {}),
               ("Linear", "fc2", {"out_features": 10})]
    _classifier_head(g, _chain(g, x, *layers), 10)
    return g


class HandCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        blocks, c_in = [], 3
        for c in CNN_CHANNELS:
            blocks += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c
        self.features = nn.Sequential(*blocks)
        self.fc1 = nn.Linear(CNN_CHANNELS[-1] * 2 * 2, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(torch.flatten(self.features(x), 1))))


def cnn_names() -> dict[str, str]:
    names = {}
    for i in range(len(CNN_CHANNELS)):
        names[f"conv{i + 1}"], names[f"bn{i + 1}"] = f"features.{4 * i}", f"features.{4 * i + 1}"
    return {**names, "fc1": "fc1", "fc2": "fc2"}


def lstm_graph() -> Graph:
    g = Graph("lstm")
    x = g.add_node("Input", name="sequence", params={"kind": "sequence", "length": 50, "features": 32})
    last = _chain(g, x, ("LSTM", "lstm", {"hidden_size": 128, "num_layers": 2}),
                  ("Linear", "head", {"out_features": 10}))
    _classifier_head(g, last, 10)
    return g


class HandLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(32, 128, num_layers=2, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


# ---- timing -------------------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    compiled: CompiledGraph
    twin: nn.Module
    x: torch.Tensor
    y: torch.Tensor


def make_case(name: str, graph: Graph, twin: nn.Module, names: dict[str, str], batch: int,
              device: torch.device) -> Case:
    compiled = build(graph, "train", device=device)
    state = {}
    for key, value in compiled.state_dict().items():
        module, _, rest = key.partition(".")
        state[f"{names[module]}.{rest}"] = value
    twin.load_state_dict(state)
    twin.to(device)
    compiled.train(), twin.train()
    shape = compiled.input_shapes[compiled.input_names[0]].dims
    x = torch.randn(batch, *shape, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    return Case(name, compiled, twin, x, y)


def compiled_step(case: Case) -> Callable[[], None]:
    params = list(case.compiled.modules.parameters())

    def step() -> None:
        for p in params:
            p.grad = None
        loss, _ = case.compiled.training(case.x, case.y)
        loss.backward()
    return step


def twin_step(case: Case) -> Callable[[], None]:
    params = list(case.twin.parameters())
    loss_fn = nn.CrossEntropyLoss()

    def step() -> None:
        for p in params:
            p.grad = None
        loss_fn(case.twin(case.x), case.y).backward()
    return step


def timed(step: Callable[[], None], sync: Callable[[], None]) -> float:
    sync()
    start = time.perf_counter()
    step()
    sync()
    return time.perf_counter() - start


@dataclass
class Result:
    hand: float  # median seconds per step
    compiled: float
    paired: float  # median over rounds of compiled/hand-written in the same round
    spread: tuple[float, float]  # 25th and 75th percentiles of those per-round ratios: the noise
    best: float  # fastest compiled / fastest hand-written: interference only ever adds time
    diff: float  # max |compiled - hand-written| output difference


def compare(case: Case, rounds: int, warmup: int, sync: Callable[[], None]) -> Result:
    """Time both steps round by round; the paired ratio cancels load that drifts between rounds."""
    a, b = twin_step(case), compiled_step(case)
    with torch.no_grad():
        case.compiled.eval(), case.twin.eval()
        diff = (case.compiled.model(case.x) - case.twin(case.x)).abs().max().item()
        case.compiled.train(), case.twin.train()
    for _ in range(warmup):
        a(), b()
    hand, comp = [], []
    for i in range(rounds):
        if i % 2:
            hand.append(timed(a, sync))
            comp.append(timed(b, sync))
        else:
            comp.append(timed(b, sync))
            hand.append(timed(a, sync))
    ratios = [c / h for c, h in zip(comp, hand)]
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return Result(statistics.median(hand), statistics.median(comp), statistics.median(ratios), (q1, q3),
                  min(comp) / min(hand), diff)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 150 CPU, 300 CUDA)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads, fixed so runs compare (1: on a shared machine a preempted worker "
                             "thread stalls every parallel op, which swamps the difference measured)")
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    rounds = args.rounds or (300 if cuda else 150)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda:
        torch.backends.cudnn.benchmark = True
        where = torch.cuda.get_device_name()
    else:
        where = f"CPU, {torch.get_num_threads()} threads"

    cases = [make_case("CNN 3×32×32, 4 conv blocks", cnn_graph(), HandCNN(), cnn_names(), args.batch, device),
             make_case("LSTM 2×128, 50×32 steps", lstm_graph(), HandLSTM(), {"lstm": "lstm", "head": "head"},
                       args.batch, device)]
    print(f"netbuilder compile overhead: {where}, torch {torch.__version__}, batch {args.batch}")
    print(f"forward + loss + backward per step; median of {rounds} interleaved rounds after {args.warmup} warm-up\n")
    print(f"{'network':<28} {'params':>9} {'hand-written':>13} {'compiled':>11} {'ratio':>6} {'paired':>7} "
          f"{'p25-p75':>12} {'best':>6} {'max |diff|':>10}")
    worst = 0.0
    for case in cases:
        r = compare(case, rounds, args.warmup, sync)
        worst = max(worst, r.paired)
        params = sum(p.numel() for p in case.twin.parameters())
        print(f"{case.name:<28} {params:>9,} {r.hand * 1e3:>10.2f} ms {r.compiled * 1e3:>8.2f} ms "
              f"{r.compiled / r.hand:>6.3f} {r.paired:>7.3f} {r.spread[0]:>6.3f}-{r.spread[1]:.3f} {r.best:>6.3f} "
              f"{r.diff:>10.1e}")
    verdict = "PASS" if worst <= TARGET else "FAIL"
    print("\nratio = median compiled / median hand-written; best = fastest compiled / fastest hand-written;")
    print("paired = median of the per-round ratios (p25-p75: their spread, i.e. the machine's noise)")
    print(f"target ≤ {TARGET} (paired): {verdict} (worst {worst:.3f})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
