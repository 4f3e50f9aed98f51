"""Epochs per second of `Trainer` against a plain hand-written PyTorch loop, on the same model and data.

All sides train the same compiled network of an example project with the same
optimiser and batch size, on data already on the device, validate once per
epoch and save the weights at the end. The Trainer runs with its defaults
(on-device metrics, progress every ``report_every`` batches, layer statistics,
best/last snapshots each epoch, safetensors checkpoints and a history file at
the end). Two plain loops are timed: one that reads the same figures per epoch
(training loss and accuracy, validation loss and accuracy) and a bare one that
only sums the training loss.

Runs are interleaved (Trainer, plain, bare, in turn) so drifting machine load
hits all sides alike. Each run is timed by the wall clock and by the process's
CPU time; on a shared machine CPU time is the steadier measure of the work
done (one thread: CPU seconds are the seconds the loop really ran). Ratios are
medians of the per-round pairs.

    .venv/bin/python bench/train_overhead.py [--epochs N] [--rounds 7] [--threads 1] [--device cpu]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netbuilder.compile import build
from netbuilder.graph import load_project
from netbuilder.train import FunctionCallback, Trainer
from netbuilder.train.device import pick_device, synchronize
from netbuilder.data import load_for
from netbuilder.train.optim import make_optimizer

EXAMPLES = ("cnn_digits", "mlp_iris")
Timing = tuple[float, float]  # (wall seconds, CPU seconds)


def clocks() -> Timing:
    return time.perf_counter(), time.process_time()


def plain_loop(project, dataset, device: torch.device, epochs: int, out: Path,
               track_accuracy: bool = True) -> Timing:
    """A hand-written loop: shuffle, index, forward, backward, step; validate; read numbers once per epoch.

    With ``track_accuracy`` it counts training accuracy as it goes, as the Trainer does (the same figures
    per epoch); without it, it only sums the loss (the barest useful loop). It saves the weights at the end.
    """
    torch.manual_seed(project.training.seed)
    compiled = build(project.graphs["model"], "train", device=device)
    model = compiled.training
    opt = make_optimizer(compiled.trainable_parameters(), project.training)
    x, y = dataset.x_train.to(device), dataset.y_train.to(device)
    xv, yv = dataset.x_val.to(device), dataset.y_val.to(device)
    bs = project.training.batch_size
    n = len(x)
    synchronize(device)
    wall, cpu = clocks()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(epoch)).to(device)
        total = torch.zeros((), device=device)
        train_correct = torch.zeros((), device=device, dtype=torch.long)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            yb = y.index_select(0, idx)
            loss, (scores,) = model(x.index_select(0, idx), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
            if track_accuracy:
                train_correct += (scores.detach().argmax(1) == yb).sum()
        model.eval()
        correct = torch.zeros((), device=device, dtype=torch.long)
        with torch.no_grad():
            for i in range(0, len(xv), 256):
                vloss, (pred,) = model(xv[i:i + 256], yv[i:i + 256])
                correct += (pred.argmax(1) == yv[i:i + 256]).sum()
        _ = (total.item(), train_correct.item(), vloss.item(), correct.item())
    out.mkdir(parents=True, exist_ok=True)
    torch.save(compiled.state_dict(), out / "plain.pt")
    synchronize(device)
    wall_end, cpu_end = clocks()
    return wall_end - wall, cpu_end - cpu


def trainer_run(project, dataset, device: torch.device, epochs: int, out: Path) -> Timing:
    """The Trainer's run from its start event to its end event (set-up and compiling excluded, as above)."""
    marks: dict[str, Timing] = {}
    cb = FunctionCallback(on_run_start=lambda e: marks.__setitem__("start", clocks()),
                          on_run_end=lambda e: marks.__setitem__("end", clocks()))
    result = Trainer(project, callbacks=[cb], device=device, epochs=epochs, dataset=dataset, out_dir=out).run()
    if result.reason != "completed":
        raise SystemExit(f"the Trainer did not complete: {result.reason}: {result.message}")
    return marks["end"][0] - marks["start"][0], marks["end"][1] - marks["start"][1]


def summary(label: str, epochs: int, runs: list[Timing]) -> str:
    wall = statistics.median(epochs / w for w, _ in runs)
    cpu = statistics.median(epochs / c for _, c in runs)
    return f"{label} {wall:8.2f} epochs/s wall, {cpu:8.2f} per CPU-second"


def paired(ours: list[Timing], other: list[Timing], index: int) -> float:
    """Median over rounds of (Trainer speed / other speed) for the clock at ``index``."""
    return statistics.median(o[index] / t[index] for t, o in zip(ours, other))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, help="epochs per run (default: each project's own setting)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--examples", nargs="*", default=list(EXAMPLES))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device {device}, {args.threads} thread(s), {args.rounds} interleaved rounds; medians")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.examples:
            project = load_project(ROOT / "resources" / "examples" / f"{name}.nbproj")
            dataset = load_for(project)
            epochs = args.epochs or project.training.epochs
            out = Path(tmp) / name
            plain_loop(project, dataset, device, 1, out)  # warm-up: allocator, kernels, first-call costs
            trainer_run(project, dataset, device, 1, out)
            ours: list[Timing] = []
            plain: list[Timing] = []
            bare: list[Timing] = []
            for _ in range(args.rounds):
                ours.append(trainer_run(project, dataset, device, epochs, out))
                plain.append(plain_loop(project, dataset, device, epochs, out))
                bare.append(plain_loop(project, dataset, device, epochs, out, track_accuracy=False))
            print(f"{name} ({epochs} epochs, batch {project.training.batch_size}, "
                  f"{len(dataset.x_train)} training samples)")
            print("  " + summary("Trainer                  ", epochs, ours))
            print("  " + summary("plain loop, same figures ", epochs, plain))
            print("  " + summary("bare loop, loss only     ", epochs, bare))
            print(f"  ratio Trainer / plain loop: {paired(ours, plain, 0):.3f} wall, {paired(ours, plain, 1):.3f} "
                  f"CPU;  Trainer / bare loop: {paired(ours, bare, 0):.3f} wall, {paired(ours, bare, 1):.3f} CPU")


if __name__ == "__main__":
    main()
