"""Epochs per second of `Trainer` against a plain hand-written PyTorch loop, on the same model and data.

Both sides train the same compiled network of an example project with the same
optimiser and batch size, on data already on the device, and validate once
per epoch. The Trainer runs with its defaults (on-device metrics, progress and
layer statistics every ``report_every`` batches, best/last snapshots each
epoch, checkpoints written at the end). Runs are interleaved so drifting machine
load hits both sides alike; the best of several rounds is kept for each.

    .venv/bin/python bench/train_overhead.py [--epochs 10] [--rounds 5] [--threads 2] [--device cpu]
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


def plain_loop(project, dataset, device: torch.device, epochs: int) -> float:
    """A hand-written loop: shuffle, index, forward, backward, step; validate; read numbers once per epoch."""
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
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            loss, _ = model(x.index_select(0, idx), y.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
        model.eval()
        correct = torch.zeros((), device=device, dtype=torch.long)
        with torch.no_grad():
            for i in range(0, len(xv), 256):
                vloss, (pred,) = model(xv[i:i + 256], yv[i:i + 256])
                correct += (pred.argmax(1) == yv[i:i + 256]).sum()
        _ = (total.item(), vloss.item(), correct.item())
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
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--examples", nargs="*", default=list(EXAMPLES))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device {device}, {args.threads} thread(s), {args.epochs} epochs per run, best of {args.rounds} rounds")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.examples:
            project = load_project(ROOT / "resources" / "examples" / f"{name}.nbproj")
            dataset = load_for(project)
            plain_loop(project, dataset, device, 1)  # warm-up: allocator, kernels, first-call costs
            trainer_run(project, dataset, device, 1, Path(tmp) / name)
            ours, plain = [], []
            for _ in range(args.rounds):
                ours.append(trainer_run(project, dataset, device, args.epochs, Path(tmp) / name))
                plain.append(plain_loop(project, dataset, device, args.epochs))
            ratio = max(ours) / max(plain)
            print(f"{name:12s} Trainer {max(ours):7.2f} epochs/s (median {statistics.median(ours):.2f})   "
                  f"plain loop {max(plain):7.2f} epochs/s (median {statistics.median(plain):.2f})   "
                  f"ratio {ratio:.3f} (median ratio {statistics.median(ours) / statistics.median(plain):.3f})")


if __name__ == "__main__":
    main()
