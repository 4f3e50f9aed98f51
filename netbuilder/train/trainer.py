"""`Trainer`: runs one project's training scheme with callbacks, checkpoints and clear endings.

The loop reads nothing back from the device between reports: each batch's
loss and metrics are added up on the device, and the sums are read every
``report_every`` batches and at the end of each epoch. A stop or pause request
is honoured before the next batch starts. Whatever ends the run (the last
epoch, a stop request, early stopping, a NaN loss, running out of GPU memory,
bad data or an exception), `run()` returns a `RunResult` saying why, with the
best and last good weights saved as safetensors.
"""

from __future__ import annotations

import gc
import json
import math
import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import torch

from netbuilder.compile import CompiledGraph
from netbuilder.data import Augmenter, DataError, Dataset, make_loaders
from netbuilder.graph import Project
from netbuilder.train.callbacks import Callback, CallbackList, Control
from netbuilder.train.checkpoint import Snapshots, freeze_nodes, load_matching, save_checkpoint
from netbuilder.train.device import describe_device, pick_device
from netbuilder.train.events import BatchProgress, EpochEnd, RunFinished, RunResult, RunStarted
from netbuilder.data import load_for
from netbuilder.train.loading import image_shape, sample_batch
from netbuilder.train.optim import make_schedule
from netbuilder.train.schemes import SCHEMES, Adversarial, Reconstruction, Scheme, SchemeError, Supervised
from netbuilder.train.stats import LayerProbe

SAVE_EVERY_S = 60.0  # write checkpoints to disk at least this often during a long run, not only at the end


class _End(Exception):
    """Ends the loop with a reason (raised inside the trainer only)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass
class InitFrom:
    """Transfer learning: start matching nodes from another project's checkpoint, optionally frozen."""

    checkpoint: Path
    freeze: bool = True


def default_out_dir(project: Project) -> Path:
    """``runs/<project file stem>/`` beside the project file (or in the working folder for an unsaved one)."""
    if project.path is not None:
        return Path(project.path).parent / "runs" / Path(project.path).stem
    return Path.cwd() / "runs" / (re.sub(r"\W+", "_", project.name).strip("_") or "untitled")


class Trainer:
    """Train ``project`` once: ``Trainer(project, callbacks=[...]).run()``.

    ``control`` (made for you when not given) stops or pauses the run from any
    thread. ``epochs``/``device`` override the project's settings; ``dataset``
    skips loading (tests, benchmarks); ``init_from`` is ``(checkpoint, freeze)``
    for transfer learning.
    """

    def __init__(self, project: Project, *, callbacks: Iterable[Callback] = (), control: Control | None = None,
                 device: str | torch.device | None = None, out_dir: str | Path | None = None,
                 epochs: int | None = None, dataset: Dataset | None = None,
                 init_from: tuple[str | Path, bool] | InitFrom | None = None, layer_stats: bool = True,
                 stats_interval_s: float = 0.5, save: bool = True) -> None:
        self.project = project
        self.settings = project.training
        self.callbacks = CallbackList(callbacks)
        self.control = control or Control()
        self.requested_device = device if device is not None else self.settings.device
        self.out_dir = Path(out_dir) if out_dir is not None else default_out_dir(project)
        self.epochs = int(epochs if epochs is not None else self.settings.epochs)
        self.dataset = dataset
        if init_from is not None and not isinstance(init_from, InitFrom):
            init_from = InitFrom(Path(init_from[0]), bool(init_from[1]))
        self.init_from = init_from
        self.layer_stats = layer_stats
        # Layer statistics come on report batches, but at most this often: the overlay needs a few
        # updates a second, not one per report of a fast small network.
        self.stats_interval_s = stats_interval_s
        self.save = save
        self.scheme: Scheme | None = None  # set once prepared
        self.notes: list[str] = []

    # ---- set-up -----------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Pick the device, load the data, compile the graphs (done by `run` when not called first).

        Raises DataError, GraphCompileError, SchemeError, DeviceError or CheckpointError;
        `run` turns them into a result instead.
        """
        if self.scheme is not None:
            return
        torch.manual_seed(self.settings.seed)
        self.device = pick_device(self.requested_device)
        self.amp = bool(self.settings.mixed_precision and self.device.type == "cuda")
        if self.settings.mixed_precision and not self.amp:
            self.notes.append(f"mixed precision is used on CUDA only; training in float32 on {self.device.type}")
        if self.dataset is None:
            self.dataset = load_for(self.project)
        ds = self.dataset.to(self.device)
        self.ds = ds
        kind = self.settings.scheme
        if kind not in SCHEMES:
            raise SchemeError(f"unknown training scheme {kind!r}: use supervised, reconstruction or adversarial")
        torch.manual_seed(self.settings.seed)  # the same weights whatever loading drew from the generator
        if kind == "supervised":
            scheme: Scheme = Supervised(self.project, self.settings, self.device, self.amp, ds.num_classes)
        elif kind == "reconstruction":
            fixed = sample_batch(ds)
            scheme = Reconstruction(self.project, self.settings, self.device, self.amp,
                                    denoise=self.project.dataset.denoise, samples_from=fixed)
        else:
            scheme = Adversarial(self.project, self.settings, self.device, self.amp, self.settings.seed)
        self.notes.extend(scheme.notes)
        if self.init_from is not None:
            self._transfer(scheme)
        self.train_batches, self.val_batches = make_loaders(ds, self.settings.batch_size, self.settings.seed,
                                                            self.device)
        self.val_batches.batch_size = max(self.settings.batch_size, 256)  # no gradients: bigger batches are fine
        aug = self.project.dataset.augmentation
        self.augment = Augmenter(aug) if aug.active and Augmenter.applies_to(ds.input_shape) else None
        if aug.active and self.augment is None:
            self.notes.append("augmentation applies to image inputs only; it is off for this data")
        self.schedule = make_schedule(scheme.optimizers, self.settings, self.epochs)
        self.probe = LayerProbe(scheme.graphs) if self.layer_stats else None
        # Batch norm cannot train on a batch of one: a lone last sample is left out of that epoch.
        self.skip_single = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                               for g in scheme.graphs.values() for m in g.modules.modules())
        x = ds.x_train
        self.value_range = (float(x.min()), float(x.max())) if x.numel() and x.is_floating_point() else None
        self.image_shape = image_shape(ds)
        self.scheme = scheme  # last: a half-done set-up is retried in full

    @property
    def graphs(self) -> dict[str, CompiledGraph]:
        """The compiled graphs being trained, by graph name (after `prepare`): to export or inspect."""
        return dict(self.scheme.graphs) if self.scheme is not None else {}

    def evaluate(self) -> dict[str, float]:
        """The validation metrics of the network's current weights (prepares the run if needed)."""
        self.prepare()
        values, _ = self._validate()
        return values

    def _transfer(self, scheme: Scheme) -> None:
        assert self.init_from is not None
        for name, compiled in scheme.graphs.items():
            report = load_matching(compiled, self.init_from.checkpoint)
            if self.init_from.freeze and report.matched:
                freeze_nodes(compiled, report.matched)
            note = report.describe() + (" (frozen)" if self.init_from.freeze and report.matched else "")
            self.notes.append(note if len(scheme.graphs) == 1 else f"{name}: {note}")
        scheme.make_steppers()  # the optimisers must not hold the frozen weights

    # ---- the run ----------------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Train; never raises for a training fault (the result says what happened)."""
        self.history: list[EpochEnd] = []
        self.step = 0
        self.epochs_done = 0
        self.best_loss: float | None = None
        self.best_epoch = 0
        self.snapshots: Snapshots | None = None
        self.last_metrics: dict[str, float] = {}
        try:
            self.prepare()
        except Exception as exc:  # graph errors, bad settings or data, a missing device: nothing trained yet
            return self._fault(exc, "cannot start training")
        self.snapshots = Snapshots(self.scheme.graphs)
        self.callbacks.on_run_start(RunStarted(
            self.project.name, self.settings.scheme, describe_device(self.device), self.epochs,
            len(self.train_batches), self.ds.train_size, self.ds.val_size, self.ds.describe(), self.scheme.task,
            self.out_dir, list(self.notes)))
        self._saved_at = time.perf_counter()
        self._stats_at = -math.inf
        try:
            for epoch in range(1, self.epochs + 1):
                self._epoch(epoch)
        except Exception as exc:
            return self._fault(exc, f"training failed in batch {self.step + 1}")
        return self._finish("completed", f"trained {self.epochs} epoch(s)")

    def _fault(self, exc: Exception, where: str) -> RunFinished:
        """End the run for ``exc`` with the reason that fits it."""
        if isinstance(exc, _End):
            return self._finish(exc.reason, exc.message)
        if isinstance(exc, torch.cuda.OutOfMemoryError) or (isinstance(exc, RuntimeError)
                                                            and "out of memory" in str(exc)):
            return self._finish("out_of_memory", f"{where}: the {self._device_name()} ran out of memory "
                                f"at epoch {self.epochs_done + 1} — lower the batch size (now "
                                f"{self.settings.batch_size}) or make the network smaller")
        if isinstance(exc, DataError):
            return self._finish("data_error", f"{where}: the data cannot be used: {exc}")
        if self.scheme is None:
            return self._finish("error", f"{where}: {exc}", traceback.format_exc())
        return self._finish("error", f"{where}: {self._explain(exc)}", traceback.format_exc())

    def _device_name(self) -> str:
        device = getattr(self, "device", None)
        return "GPU" if device is not None and device.type in ("cuda", "mps") else "computer"

    def _explain(self, exc: Exception) -> str:
        batch = getattr(self, "_current", None)
        if self.scheme is None or batch is None:
            return f"{type(exc).__name__}: {exc}"
        try:
            return self.scheme.explain(batch[0], batch[1], exc)
        except Exception:
            return f"{type(exc).__name__}: {exc}"

    def _epoch(self, epoch: int) -> None:
        scheme, control, settings = self.scheme, self.control, self.settings
        every = settings.report_every
        meter = scheme.make_meter(validation=False)
        scheme.train()
        started = reported_at = time.perf_counter()
        reported_samples = 0
        batches = len(self.train_batches)
        augment, skip_single, probe = self.augment, self.skip_single, self.probe
        measuring = False
        done = 0
        for x, y in self.train_batches:
            if control.between_batches():
                raise _End("stopped", f"stopped on request at epoch {epoch}, after {self.step} batch(es)")
            if skip_single and x.shape[0] == 1:
                continue
            if augment is not None:
                x = augment(x)
            done += 1
            report = (self.step + 1) % every == 0
            if report and probe is not None and reported_at - self._stats_at >= self.stats_interval_s:
                measuring = True
                probe.attach()
                scheme.probe = probe
            self._current = (x, y)
            scheme.train_step(x, y, meter)
            self.step += 1
            if report:
                if measuring:
                    probe.detach()
                    scheme.probe = None
                values = meter.compute()
                self._check_finite(values["loss"], epoch)
                now = time.perf_counter()
                rate = (meter.samples - reported_samples) / max(now - reported_at, 1e-9)
                reported_at, reported_samples = now, meter.samples
                self.callbacks.on_batch_end(BatchProgress(
                    epoch, self.epochs, done, batches, self.step, values["loss"],
                    {k: v for k, v in values.items() if k != "loss"}, self.schedule.learning_rate, rate))
                if measuring:
                    measuring, self._stats_at = False, now
                    for stats in probe.events(epoch, self.step):
                        self.callbacks.on_layer_stats(stats)
        self._current = None
        train = meter.compute() if meter.batches else {}
        if train:
            self._check_finite(train["loss"], epoch)
        seconds = time.perf_counter() - started
        val, confusion = self._validate()
        self._end_epoch(epoch, train, val, confusion, seconds, meter.samples / max(seconds, 1e-9))

    def _check_finite(self, loss: float, epoch: int) -> None:
        if not math.isfinite(loss):
            raise _End("nan", f"the loss became {'NaN' if math.isnan(loss) else 'infinite'} in epoch {epoch} "
                       f"(found within {self.settings.report_every} batch(es) of step {self.step}) — lower the "
                       f"learning rate (now {self.settings.learning_rate:g}), turn on gradient clipping, or check "
                       "the data for huge values; the last checkpoint holds the last good weights")

    def _validate(self) -> tuple[dict[str, float], list[list[int]] | None]:
        if self.ds.val_size == 0:
            return {}, None
        scheme = self.scheme
        meter = scheme.make_meter(validation=True)
        scheme.eval()
        with torch.no_grad():
            for x, y in self.val_batches:
                if self.control.stop_requested:  # a long validation pass must not delay a stop either
                    raise _End("stopped", f"stopped on request during validation, after {self.step} batch(es)")
                scheme.eval_step(x, y, meter)
        values = meter.compute()
        return values, getattr(meter, "confusion_matrix", lambda: None)()

    def _end_epoch(self, epoch: int, train: dict[str, float], val: dict[str, float],
                   confusion: list[list[int]] | None, seconds: float, rate: float) -> None:
        self.epochs_done = epoch
        watched = val.get("loss", train.get("loss"))
        if watched is not None and not math.isfinite(watched):
            self._check_finite(watched, epoch)
        self.snapshots.take_last()
        improved = False
        if self.scheme.has_validation_loss and watched is not None:
            if self.best_loss is None or watched < self.best_loss:
                self.snapshots.keep_best()
                self.best_loss, self.best_epoch, improved = watched, epoch, True
        self.last_metrics = {**{f"train_{k}": v for k, v in train.items()}, **{f"val_{k}": v for k, v in val.items()}}
        lr = self.schedule.learning_rate
        event = EpochEnd(epoch, self.epochs, train, val, lr, seconds, rate, improved, confusion)
        self.history.append(event)
        self.schedule.step(watched)
        self.callbacks.on_epoch_end(event)
        samples = self.scheme.samples(epoch)
        if samples is not None:
            samples.outputs = self._as_images(samples.outputs)
            samples.inputs = None if samples.inputs is None else self._as_images(samples.inputs)
            samples.value_range = self.value_range
            self.callbacks.on_samples(samples)
        if self.save and time.perf_counter() - self._saved_at > SAVE_EVERY_S:
            self._write_checkpoints()
            self._saved_at = time.perf_counter()
        patience = self.settings.early_stopping
        if patience and self.scheme.has_validation_loss and epoch - self.best_epoch >= patience \
                and epoch < self.epochs:
            raise _End("early_stopped", f"stopped early at epoch {epoch}: the validation loss has not improved for "
                       f"{patience} epoch(s) (best {self.best_loss:.4g} at epoch {self.best_epoch})")

    def _as_images(self, batch: torch.Tensor) -> torch.Tensor:
        """Samples shaped as the data set's images (C, H, W) when they have that many values."""
        if self.image_shape is None or batch[0].numel() != math.prod(self.image_shape):
            return batch
        return batch.reshape(-1, *self.image_shape)

    # ---- the end ----------------------------------------------------------------------------------
    def _write_checkpoints(self) -> tuple[Path | None, Path | None]:
        if self.scheme is None or self.snapshots is None:
            return None, None
        graphs = self.scheme.graphs
        info = {"project": self.project.name, "epochs": self.epochs_done, "best_val_loss": self.best_loss}
        last = save_checkpoint(self.out_dir / "last.safetensors", self.snapshots.state(), graphs, info)
        # A GAN has no validation loss to rank epochs by: its best is its last.
        best = save_checkpoint(self.out_dir / "best.safetensors", self.snapshots.state(best=True), graphs, info)
        return best, last

    def _finish(self, reason: str, message: str, details: str = "") -> RunFinished:
        if reason == "out_of_memory":
            self._current = None
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        best = last = history_file = None
        if self.scheme is not None and self.snapshots is not None:
            # Stopped mid-epoch, the weights as they are now are the last good ones; after a NaN (or
            # anything that left non-finite weights) the network goes back to the last good epoch end,
            # ready to use or export.
            if reason != "nan" and all(bool(torch.isfinite(t).all()) for t in self.snapshots.live
                                       if t.is_floating_point()):
                self.snapshots.take_last()
            else:
                self.snapshots.restore_last()
            if self.save:
                try:
                    best, last = self._write_checkpoints()
                except OSError as exc:
                    message += f" (the checkpoints could not be written to {self.out_dir}: {exc.strerror or exc})"
        result = RunFinished(reason, message, self.epochs_done, self.step, dict(self.last_metrics), self.best_loss,
                             best, last, None, list(self.history), details)
        if self.save and self.scheme is not None:
            try:
                history_file = self.out_dir / "history.json"
                self.out_dir.mkdir(parents=True, exist_ok=True)
                history_file.write_text(json.dumps({**result.to_dict(),
                                                    "epochs": [e.to_dict() for e in self.history]}))
                result.history_file = history_file
            except OSError:
                pass
        self.callbacks.on_run_end(result)
        return result
