"""Transfer learning on real architectures: each model-zoo classic gets a new head and fine-tunes one epoch.

Run: `.venv/bin/python bench/zoo_fine_tune.py [--only NAME ...] [--samples 48] [--batch 12] [--classes 3]`.

The nine classics ship inside the installed `onnx` package (``backend/test/data/light``; see
`onnx_import_coverage.py`). For each one this does what a user does with
``netbuilder import-onnx M.onnx --new-classes N --dataset images`` and then
``netbuilder train P --init-from BODY --freeze-loaded``: import, replace the head (`transfer.retarget`),
write a small folder of generated images of the model's input size (coloured shapes, one class per shape), and
train ONE epoch through the real `Trainer`. It prints per model: trainable and frozen parameters, the validation
loss before and after the epoch, the epoch's seconds, whether every frozen tensor (weights and BatchNorm running
statistics) is bit-identical after the epoch, and whether the head changed.

The zoo files' weights are thinned to constants (every weight 0.02), so the body's features carry little of the
picture: the loss falls only as far as a head on such features can take it. The figures measure the mechanics
(a head found and replaced, a body that stays put, a run that completes), not transfer accuracy.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image
from safetensors.torch import save_file

from netbuilder.data.shapes import SHAPE_NAMES, make_shapes
from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.transfer import find_classifier_head, retarget
from netbuilder.graph.settings import DatasetSettings
from netbuilder.train import InitFrom, Trainer

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


@dataclass
class FineTune:
    """One classic's epoch: the figures printed in its row."""

    name: str
    head: str = ""
    trainable: int = 0
    frozen: int = 0
    loss_before: float = float("nan")
    loss_after: float = float("nan")
    seconds: float = 0.0
    body_unchanged: bool = False
    head_changed: bool = False
    error: str = ""


def write_images(folder: Path, classes: int, samples: int, size: tuple[int, int], seed: int = 0) -> None:
    """``samples`` generated shape pictures of ``size`` (height, width), one subfolder per shape kind."""
    made = make_shapes(samples * 4, seed, size=max(size))  # plenty to draw ``samples`` of the first kinds from
    wanted = np.flatnonzero(made.kinds < classes)[:samples]
    for i in wanted:
        kind = SHAPE_NAMES[int(made.kinds[i])]
        (folder / kind).mkdir(parents=True, exist_ok=True)
        pixels = (made.images[i].transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)
        Image.fromarray(pixels[: size[0], : size[1]]).save(folder / kind / f"{i}.png")


def _module_of(compiled, node_name: str) -> torch.nn.Module:
    name = next(m for m, n in compiled.node_for_module.items() if n == node_name)
    return compiled.modules[name]


def fine_tune(model: Path, work: Path, classes: int, samples: int, batch: int) -> FineTune:
    result = FineTune(model.stem.removeprefix("light_"))
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        project, state = import_onnx(model)
    graph = project.graphs["model"]
    image = next(n for n in graph.nodes.values() if n.spec.role == "input").values()
    project, body = retarget(project, state, classes)
    result.head = f"{find_classifier_head(graph).layer.type}"
    folder = work / result.name
    write_images(folder / "images", classes, samples, (int(image["height"]), int(image["width"])))
    project.dataset = DatasetSettings("images", path=str(folder / "images"), validation_split=0.25)
    project.training.batch_size = batch
    project.training.device = "cpu"
    save_file({k: v.contiguous() for k, v in body.items()}, str(folder / "body.safetensors"))
    trainer = Trainer(project, out_dir=folder / "run", epochs=1, init_from=InitFrom(folder / "body.safetensors"),
                      save=False)
    trainer.prepare()
    compiled = trainer.graphs["model"]
    head_module = _module_of(compiled, find_classifier_head(graph).layer.name)
    head_keys = {id(t) for t in [*head_module.parameters(), *head_module.buffers()]}
    before = {k: v.detach().clone() for k, v in compiled.modules.state_dict(keep_vars=True).items()}
    params = list(compiled.modules.parameters())
    result.trainable = sum(p.numel() for p in params if p.requires_grad)
    result.frozen = sum(p.numel() for p in params if not p.requires_grad)
    result.loss_before = trainer.evaluate()["loss"]
    start = time.perf_counter()
    finished = trainer.run()
    result.seconds = time.perf_counter() - start
    if finished.reason.value not in ("completed", "early_stopped"):
        result.error = finished.message
        return result
    result.loss_after = finished.history[-1].val["loss"]
    live = compiled.modules.state_dict(keep_vars=True)
    frozen = {k for k, v in live.items() if id(v) not in head_keys}
    result.body_unchanged = all(torch.equal(live[k], before[k]) for k in frozen)
    result.head_changed = any(not torch.equal(live[k], before[k]) for k in set(live) - frozen)
    return result


def _row(r: FineTune) -> str:
    if r.error:
        return f"{r.name:14} FAILED  {r.error}"
    return (f"{r.name:14} {r.head:7} {r.trainable:>10,} {r.frozen:>12,} {r.loss_before:>10.4g} {r.loss_after:>10.4g} "
            f"{r.seconds:>7.1f}  {'yes' if r.body_unchanged else 'NO':>6}  {'yes' if r.head_changed else 'NO':>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="run only models whose name contains one of these")
    parser.add_argument("--samples", type=int, default=48, help="generated images per model (a quarter validates)")
    parser.add_argument("--batch", type=int, default=12)
    parser.add_argument("--classes", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    models = sorted(LIGHT.glob("*.onnx"))
    if args.only:
        models = [m for m in models if any(o.lower() in m.stem.lower() for o in args.only)]
    print(f"{'model':14} {'head':7} {'trainable':>10} {'frozen':>12} {'val loss':>10} {'→ after':>10} {'epoch s':>7}  "
          f"{'body =':>6}  {'head ≠':>6}", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            try:
                result = fine_tune(model, Path(tmp), args.classes, args.samples, args.batch)
            except Exception as exc:  # one model's failure is a row of the table, not the end of the bench
                result = FineTune(model.stem.removeprefix("light_"), error=f"{type(exc).__name__}: {exc}")
            results.append(result)
            print(_row(result), flush=True)
    good = sum(not r.error and r.body_unchanged and r.head_changed for r in results)
    print(f"\n{good} of {len(results)} fine-tuned one epoch with the body bit-identical and the head changed "
          f"({args.samples} images of {args.classes} classes, batch {args.batch})")


if __name__ == "__main__":
    main()
