"""Training throughput from the window (worker thread, live curves, overlay) against the headless `Trainer`.

Both sides train the digits CNN template for the same epochs with the same
settings, in one process, interleaved round by round (headless, window, in
turn) so drifting machine load hits both alike. The window side is the real
thing: a shown MainWindow (offscreen platform), the Train button's code path,
the QThread worker, the 10 Hz timer draining reports into the pyqtgraph
curves, the progress bar, the results and the canvas overlay, with the Qt
event loop running the whole time. Both save checkpoints to a temporary folder.

Throughput is training samples per second of the training loops (the
Trainer's own per-epoch timing, validation excluded), first epoch left out as
warm-up; the end-to-end wall time of each run is printed too. The ratio is the
median over rounds of window / headless (target >= 0.95).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/train_ui_overhead.py [--epochs 10] [--rounds 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROJECT = ROOT / "resources" / "examples" / "cnn_digits.nbproj"


def throughput(history) -> float:
    """Training samples per second over the epochs after the first."""
    epochs = history[1:] or history
    seconds = sum(e.samples_per_s and e.seconds for e in epochs)
    samples = sum(e.samples_per_s * e.seconds for e in epochs)
    return samples / max(seconds, 1e-9)


def headless(epochs: int, out: Path) -> tuple[float, float]:
    from netbuilder.graph.project import load_project
    from netbuilder.train import Trainer

    trainer = Trainer(load_project(PROJECT), epochs=epochs, out_dir=out)
    started = time.perf_counter()
    result = trainer.run()
    wall = time.perf_counter() - started
    assert result.reason == "completed", result.message
    return throughput(trainer.history), wall


def from_window(window, epochs: int, out: Path) -> tuple[float, float]:
    from PySide6.QtCore import QEventLoop

    controller = window.training
    controller.out_dir, controller.epochs = out, epochs
    loop = QEventLoop()
    outcomes = []
    controller.run_finished.connect(lambda o: (outcomes.append(o), loop.quit()))
    started = time.perf_counter()
    controller.train()
    loop.exec()  # the UI thread keeps drawing curves, progress and overlay while the worker trains
    wall = time.perf_counter() - started
    controller.run_finished.disconnect()
    assert outcomes[0].reason == "completed", outcomes[0].message
    points = controller.curves.point_count("train_loss")
    assert points > 0, "the curves received no points"
    return throughput(controller.worker.trainer.history), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: steadier on a shared machine)")
    args = parser.parse_args()

    import torch
    from PySide6.QtCore import QSettings

    torch.set_num_threads(args.threads)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp())
    from netbuilder.graph.project import load_project
    from netbuilder.ui.app import make_app
    from netbuilder.ui.mainwindow import MainWindow

    app = make_app()
    window = MainWindow(load_project(PROJECT))
    window.resize(1440, 900)
    window.show()
    app.processEvents()
    out = Path(tempfile.mkdtemp())
    headless(1, out / "warmup")  # imports, caches and allocator warm-up for both sides
    from_window(window, 1, out / "warmup_ui")

    rows = []
    for r in range(args.rounds):
        h_rate, h_wall = headless(args.epochs, out / f"h{r}")
        w_rate, w_wall = from_window(window, args.epochs, out / f"w{r}")
        rows.append((h_rate, w_rate, h_wall, w_wall))
        print(f"round {r + 1}: headless {h_rate:8.0f} samples/s ({h_wall:5.2f} s)   "
              f"window {w_rate:8.0f} samples/s ({w_wall:5.2f} s)   ratio {w_rate / h_rate:.3f}", flush=True)
    ratio = statistics.median(w / h for h, w, _, _ in rows)
    wall_ratio = statistics.median(hw / ww for _, _, hw, ww in rows)
    print(f"digits CNN, {args.epochs} epochs, {args.rounds} rounds, torch threads {args.threads}, "
          f"device {window.training.run_info.get('device', '?')}")
    print(f"headless Trainer: {statistics.median(r[0] for r in rows):.0f} samples/s (median)")
    print(f"window worker, curves live: {statistics.median(r[1] for r in rows):.0f} samples/s (median)")
    print(f"throughput ratio window/headless: {ratio:.3f} (target >= 0.95); end-to-end wall-time ratio "
          f"{wall_ratio:.3f}")
    window.training.stop_and_wait()
    window._dirty = False
    window.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
