"""Epochs per second of `Trainer` against a plain hand-written PyTorch loop, on the same model and data.

All sides train the same compiled network of an example project with the same
optimiser and batch size, on data already on the device, and validate once
per epoch. The Trainer runs with its defaults (on-device metrics, progress and
layer statistics every ``report_every`` batches, best/last snapshots each
epoch, checkpoints written at the end). Runs are interleaved so drifting machine
load hits both sides alike; the best of several rounds is kept for each.

    .venv/bin/python bench/train_overhead.py [--epochs N] [--rounds 5] [--threads 1] [--device cpu]
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

from netbuilder.compile import build  # noqa: E402
from netbuilder.data import make_loaders  # noqa: E402
from netbuilder.graph import load_project  # noqa: E402
from netbuilder.train import FunctionCallback, Trainer  # noqa: E402
from netbuilder.train.device import pick_device, synchronize  # noqa: E402
from netbuilder.train.loading import load_for  # noqa: E402
from netbuilder.train.optim import make_optimizer  # noqa: E402

EXAMPLES = ("cnn_digits", "mlp_iris")


def plain_loop(project, dataset, device: torch.device, epochs: int, out: Path,
               track_accuracy: bool = True) -> float:
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
    start = time.perf_counter()
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
    return epochs / (time.perf_counter() - start)


def trainer_run(project, dataset, device: torch.device, epochs: int, out: Path) -> float:
    times: dict[str, float] = {}
    cb = FunctionCallback(on_run_start=lambda e: times.__setitem__("start", time.perf_counter()),
                          on_run_end=lambda e: times.__setitem__("end", time.perf_counter()))
    result = Trainer(project, callbacks=[cb], device=device, epochs=epochs, dataset=dataset, out_dir=out).run()
    if result.reason != "completed":
        raise SystemExit(f"the Trainer did not complete: {result.reason}: {result.message}")
    return epochs / (times["end"] - times["start"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, help="epochs per run (default: each project's own setting)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--examples", nargs="*", default=list(EXAMPLES))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device {device}, {args.threads} thread(s), {args.rounds} interleaved rounds")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.examples:
            project = load_project(ROOT / "resources" / "examples" / f"{name}.nbproj")
            dataset = load_for(project)
            epochs = args.epochs or project.training.epochs
            out = Path(tmp) / name
            plain_loop(project, dataset, device, 1, out)  # warm-up: allocator, kernels, first-call costs
            trainer_run(project, dataset, device, 1, out)
            ours, plain, bare = [], [], []
            for _ in range(args.rounds):
                ours.append(trainer_run(project, dataset, device, epochs, out))
                plain.append(plain_loop(project, dataset, device, epochs, out))
                bare.append(plain_loop(project, dataset, device, epochs, out, track_accuracy=False))
            med = statistics.median
            print(f"{name} ({epochs} epochs, batch {project.training.batch_size}): Trainer {max(ours):.2f} epochs/s (median {med(ours):.2f}); plain loop, same figures "
                  f"{max(plain):.2f} (median {med(plain):.2f}); bare loop, loss only {max(bare):.2f} "
                  f"(median {med(bare):.2f})")
            print(f"{name}: ratio Trainer / plain loop {max(ours) / max(plain):.3f} best, "
                  f"{med(ours) / med(plain):.3f} median; Trainer / bare loop {max(ours) / max(bare):.3f} best, "
                  f"{med(ours) / med(bare):.3f} median")


if __name__ == "__main__":
    main()
