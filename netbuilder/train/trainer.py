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
import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

from netbuilder.compile import CompiledGraph
from netbuilder.data import Augmenter, Dataset, load_for, make_loaders
from netbuilder.graph import Project, TrainingSettings
from netbuilder.graph.files import atomic_write_json, check_writable_folder
from netbuilder.graph.memory import check_model_fits
from netbuilder.graph.settings import range_for
from netbuilder.graph.runs import HISTORY
from netbuilder.train.acceleration import Acceleration, as_channels_last, choose, to_channels_last
from netbuilder.train.records import data_notes, data_range, run_info, validation_predictions
from netbuilder.train.config import InitFrom, RunRefused, PreparedRun, RunState, TrainingConfig, default_out_dir
from netbuilder.train.callbacks import Callback, CallbackList, Control
from netbuilder.train.checkpoint import CheckpointError, Snapshots, save_checkpoint, start_from, start_from_setting
from netbuilder.train.endings import RunEnds, check_finite, fault_ending, is_out_of_memory
from netbuilder.train.device import describe_device, pick_device
from netbuilder.train.events import BatchProgress, EndReason, EpochEnd, Predictions, RunFinished, RunStarted
from netbuilder.train.loading import image_shape
from netbuilder.train.metrics import Meter
from netbuilder.train.optim import make_schedule
from netbuilder.train.schemes import Scheme, SchemeContext, make_scheme
from netbuilder.train.stats import LayerProbe

SAVE_EVERY_S = 60.0  # write checkpoints to disk at least this often during a long run, not only at the end


class Trainer:
    """Train ``project`` once: ``Trainer(project, callbacks=[...]).run()``.

    ``control`` (made for you when not given) stops or pauses the run from any
    thread. ``epochs``/``device`` override the project's settings; ``dataset``
    skips loading (tests, benchmarks); ``init_from`` is ``(checkpoint, freeze)``
    for transfer learning. The three lifetimes are kept apart: `config` (what was
    asked), `prepared` (set up by `prepare()`), `state` (made anew by each `run()`).
    """

    def __init__(self, project: Project, *, callbacks: Iterable[Callback] = (), control: Control | None = None,
                 device: str | torch.device | None = None, out_dir: str | Path | None = None,
                 epochs: int | None = None, dataset: Dataset | None = None,
                 init_from: tuple[str | Path, bool] | InitFrom | None = None, layer_stats: bool = True,
                 stats_interval_s: float = 0.5, save: bool = True) -> None:
        settings = project.training
        if init_from is not None and not isinstance(init_from, InitFrom):
            init_from = InitFrom(Path(init_from[0]), bool(init_from[1]))
        self.config = TrainingConfig(
            project, device if device is not None else settings.device,
            Path(out_dir) if out_dir is not None else default_out_dir(project),
            int(epochs if epochs is not None else settings.epochs), init_from, layer_stats, stats_interval_s, save)
        self.callbacks = CallbackList(callbacks)
        self.control = control or Control()
        self._dataset = dataset
        self.prepared: PreparedRun | None = None
        self.state = RunState()
        self._device: torch.device | None = None  # known before prepare() ends, to word an early fault

    # ---- read-only views --------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.config.project

    @property
    def settings(self) -> TrainingSettings:
        return self.config.settings

    @property
    def epochs(self) -> int:
        return self.config.epochs

    @property
    def out_dir(self) -> Path:
        return self.config.out_dir

    @property
    def scheme(self) -> Scheme | None:
        """The scheme being trained (after `prepare`)."""
        return self.prepared.scheme if self.prepared is not None else None

    @property
    def graphs(self) -> dict[str, CompiledGraph]:
        """The compiled graphs being trained, by graph name (after `prepare`): to export or inspect."""
        return dict(self.prepared.scheme.graphs) if self.prepared is not None else {}

    @property
    def dataset(self) -> Dataset | None:
        """The data set trained on: on the training device once prepared, else the one given (or None)."""
        return self.prepared.dataset if self.prepared is not None else self._dataset

    @property
    def history(self) -> list[EpochEnd]:
        return self.state.history

    @property
    def step(self) -> int:
        """Batches trained so far in this run (a plain int: safe to read from another thread)."""
        return self.state.step

    # ---- set-up -----------------------------------------------------------------------------------
    def prepare(self) -> PreparedRun:
        """Pick the device, load the data, compile the graphs (done by `run` when not called first).

        Raises DataError, GraphCompileError, SchemeError, DeviceError or CheckpointError;
        `run` turns them into a result instead.
        """
        if self.prepared is not None:
            return self.prepared
        config, settings = self.config, self.settings
        notes: list[str] = []
        low, high = range_for(TrainingSettings, "epochs") or (1, math.inf)
        if not low <= config.epochs <= high:
            raise RunRefused(f"the number of epochs must be between {low:,.0f} and {high:,.0f}; "
                             f"it is {config.epochs:,}")
        torch.manual_seed(settings.seed)
        device = self._device = pick_device(config.device)
        # Refused with the figures before a single weight is allocated (a Linear of 10^6×10^6 asks for 4 TB);
        # on the CPU the whole training footprint must fit, on a GPU the weights at least must be buildable.
        check_model_fits(self.project, training=device.type == "cpu")
        if config.save:  # a run whose weights cannot be kept is refused before it starts, not after
            check_writable_folder(config.out_dir)
        if self._dataset is None:
            self._dataset = load_for(self.project, report=self.callbacks.on_data)
        ds = self._dataset.to(device)
        torch.manual_seed(settings.seed)  # the same weights whatever loading drew from the generator
        # The scheme is built once in float32 eager mode; the speed choices then apply to its graphs.
        scheme = make_scheme(SchemeContext(self.project, settings, device, Acceleration(), ds))
        accel = choose(settings.precision, settings.compile, device, scheme.graphs)
        scheme.set_acceleration(accel)
        notes.extend(accel.notes)
        if accel.channels_last:
            to_channels_last(scheme.graphs)
        notes.extend(scheme.notes)
        if config.init_from is not None:  # given for this run (--init-from): it overrides the project's setting
            notes.extend(start_from(scheme, config.init_from))
        else:
            notes.extend(start_from_setting(scheme, self.project))
        train_batches, val_batches = make_loaders(ds, settings.batch_size, settings.seed, device)
        val_batches.batch_size = max(settings.batch_size, 256)  # no gradients: bigger batches are fine
        aug = self.project.dataset.augmentation
        augment = Augmenter(aug) if aug.active and Augmenter.applies_to(ds.input_shape) else None
        if aug.active and augment is None:
            notes.append("augmentation applies to image inputs only; it is off for this data")
        if accel.compile_mode != "off":
            scheme.use_compiler(accel.compile_mode)  # after any freezing: the optimisers are final
        # Set last: a half-done set-up is retried in full.
        self.prepared = PreparedRun(
            device, accel, ds, scheme, train_batches, val_batches, augment,
            make_schedule(scheme.optimizers, settings, config.epochs),
            LayerProbe(scheme.graphs) if config.layer_stats else None,
            any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                for g in scheme.graphs.values() for m in g.modules.modules()),
            data_range(ds),
            image_shape(ds), notes)
        return self.prepared

    def evaluate(self) -> dict[str, float]:
        """The validation metrics of the network's current weights (prepares the run if needed)."""
        values, _ = self._validate(self.prepare())
        return values

    def predictions(self, count: int = 16) -> Predictions | None:
        """The first ``count`` validation samples with the network's predicted and true classes.

        None unless the run is a classification with a validation split.
        """
        return validation_predictions(self.prepared, self.project.data_graph_name, count)

    # ---- the run ----------------------------------------------------------------------------------
    def run(self) -> RunFinished:
        """Train; never raises for a training fault (the result says what happened)."""
        self.state = state = RunState(started_at=time.time())
        try:
            run = self.prepare()
        except Exception as exc:  # graph errors, bad settings or data, a missing device: nothing trained yet
            return self._fault(exc, "cannot start training")
        state.snapshots = Snapshots(run.scheme.graphs)
        ds = run.dataset
        self.callbacks.on_run_start(RunStarted(
            self.project.name, self.settings.scheme, describe_device(run.device), self.epochs,
            len(run.train_batches), ds.train_size, ds.val_size, ds.describe(), run.scheme.task,
            self.out_dir, list(run.notes)))
        state.saved_at = time.perf_counter()
        try:
            for epoch in range(1, self.epochs + 1):
                self._epoch(run, state, epoch)
        except Exception as exc:
            return self._fault(exc, f"training failed in batch {state.step + 1}")
        return self._finish(EndReason.COMPLETED, f"trained {self.epochs} epoch(s)")

    def _fault(self, exc: Exception, where: str) -> RunFinished:
        """End the run for ``exc`` with the reason that fits it."""
        ending = fault_ending(exc, where, self._device, self.state.epochs_done + 1, self.settings.batch_size,
                              lambda: self._explain(exc))
        return self._finish(ending.reason, ending.message, ending.details)

    def _explain(self, exc: Exception) -> str:
        batch = self.state.current
        if self.prepared is None or batch is None:
            return f"{type(exc).__name__}: {exc}" if self.prepared is not None else str(exc)
        try:
            return self.prepared.scheme.explain(batch[0], batch[1], exc)
        except Exception:
            return f"{type(exc).__name__}: {exc}"

    def _epoch(self, run: PreparedRun, state: RunState, epoch: int) -> None:
        scheme, control, settings = run.scheme, self.control, self.settings
        every = settings.report_every
        meter = scheme.make_meter(validation=False)
        scheme.train()
        started = reported_at = time.perf_counter()
        reported_samples = 0
        batches = len(run.train_batches)
        augment, skip_single, probe = run.augment, run.skip_single, run.probe
        channels_last = run.acceleration.channels_last
        measuring = False
        done = 0
        uncounted = 0  # samples of the compiling step: left out of the throughput
        for x, y in run.train_batches:
            if control.between_batches():
                raise RunEnds(EndReason.STOPPED, f"stopped on request at epoch {epoch}, after {state.step} batch(es)")
            if skip_single and x.shape[0] == 1:
                continue
            if augment is not None:
                x = augment(x)
            if channels_last:
                x = as_channels_last(x)
            done += 1
            if scheme.is_compiled and state.compile_seconds is None:
                self._compiling_step(run, state, x, y, meter)
                started = reported_at = time.perf_counter()
                uncounted = reported_samples = meter.samples
                continue
            report = (state.step + 1) % every == 0
            if report and probe is not None and reported_at - state.stats_at >= self.config.stats_interval_s:
                measuring = True
                probe.attach()
                scheme.probe = probe
            state.current = (x, y)
            scheme.train_step(x, y, meter)
            state.step += 1
            if report:
                if measuring and probe is not None:
                    probe.detach()
                    scheme.probe = None
                values = meter.compute()
                check_finite(values["loss"], epoch, self.settings, self.state.step)
                now = time.perf_counter()
                rate = (meter.samples - reported_samples) / max(now - reported_at, 1e-9)
                reported_at, reported_samples = now, meter.samples
                self.callbacks.on_batch_end(BatchProgress(
                    epoch, self.epochs, done, batches, state.step, values["loss"],
                    {k: v for k, v in values.items() if k != "loss"}, run.schedule.learning_rate, rate))
                if measuring and probe is not None:
                    measuring, state.stats_at = False, now
                    for stats in probe.events(epoch, state.step):
                        self.callbacks.on_layer_stats(stats)
        state.current = None
        train = meter.compute() if meter.batches else {}
        if train:
            check_finite(train["loss"], epoch, self.settings, self.state.step)
        seconds = time.perf_counter() - started
        val, confusion = self._validate(run)
        self._end_epoch(run, state, epoch, train, val, confusion, seconds,
                        (meter.samples - uncounted) / max(seconds, 1e-9))

    def _compiling_step(self, run: PreparedRun, state: RunState, x: torch.Tensor, y: torch.Tensor | None,
                        meter: Meter) -> None:
        """The first step in compiled mode: timed on its own, and trained eagerly when compiling fails."""
        scheme = run.scheme
        state.current = (x, y)
        started = time.perf_counter()
        try:
            scheme.train_step(x, y, meter)
            if run.device.type == "cuda":
                torch.cuda.synchronize(run.device)
            state.compile_seconds = time.perf_counter() - started
            state.notes.append(f"compiled with torch.compile ({run.acceleration.compile_mode}) in "
                               f"{state.compile_seconds:.1f} s")
        except Exception as exc:
            if is_out_of_memory(exc):
                raise
            scheme.use_eager()
            state.compile_seconds = 0.0
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            state.notes.append(f"torch.compile failed ({type(exc).__name__}: {reason}); trained without it "
                               "(eager mode)")
            scheme.train_step(x, y, meter)
        state.step += 1

    def _validate(self, run: PreparedRun) -> tuple[dict[str, float], list[list[int]] | None]:
        if run.dataset.val_size == 0:
            return {}, None
        scheme = run.scheme
        meter = scheme.make_meter(validation=True)
        scheme.eval()
        with torch.no_grad():
            for x, y in run.val_batches:
                if self.control.stop_requested:  # a long validation pass must not delay a stop either
                    raise RunEnds(EndReason.STOPPED, f"stopped on request during validation, after {self.state.step} "
                               "batch(es)")
                scheme.eval_step(as_channels_last(x) if run.acceleration.channels_last else x, y, meter)
        values = meter.compute()
        confusion: Callable[[], list[list[int]] | None] = getattr(meter, "confusion_matrix", lambda: None)
        return values, confusion()

    def _end_epoch(self, run: PreparedRun, state: RunState, epoch: int, train: dict[str, float],
                   val: dict[str, float], confusion: list[list[int]] | None, seconds: float, rate: float) -> None:
        assert state.snapshots is not None
        state.epochs_done = epoch
        watched = val.get("loss", train.get("loss"))
        if watched is not None and not math.isfinite(watched):
            check_finite(watched, epoch, self.settings, self.state.step)
        state.snapshots.take_last()
        improved = False
        if run.scheme.has_validation_loss and watched is not None \
                and (state.best_loss is None or watched < state.best_loss):
            state.snapshots.keep_best()
            state.best_loss, state.best_epoch, improved = watched, epoch, True
        state.last_metrics = {**{f"train_{k}": v for k, v in train.items()},
                              **{f"val_{k}": v for k, v in val.items()}}
        event = EpochEnd(epoch, self.epochs, train, val, run.schedule.learning_rate, seconds, rate, improved,
                         confusion)
        state.history.append(event)
        run.schedule.step(watched)
        self.callbacks.on_epoch_end(event)
        samples = run.scheme.samples(epoch)
        if samples is not None:
            samples.outputs = self._as_images(run, samples.outputs)
            samples.inputs = None if samples.inputs is None else self._as_images(run, samples.inputs)
            samples.value_range = run.value_range
            self.callbacks.on_samples(samples)
        if self.config.save and time.perf_counter() - state.saved_at > SAVE_EVERY_S:
            self._write_checkpoints()
            state.saved_at = time.perf_counter()
        patience = self.settings.early_stopping
        if patience and run.scheme.has_validation_loss and epoch - state.best_epoch >= patience \
                and epoch < self.epochs:
            raise RunEnds(EndReason.EARLY_STOPPED, f"stopped early at epoch {epoch}: the validation loss has not "
                       f"improved for {patience} epoch(s) (best {state.best_loss:.4g} at epoch {state.best_epoch})")

    @staticmethod
    def _as_images(run: PreparedRun, batch: torch.Tensor) -> torch.Tensor:
        """Samples shaped as the data set's images (C, H, W) when they have that many values."""
        if run.image_shape is None or batch[0].numel() != math.prod(run.image_shape):
            return batch
        return batch.reshape(-1, *run.image_shape)

    # ---- the end ----------------------------------------------------------------------------------
    def _write_checkpoints(self) -> tuple[Path | None, Path | None]:
        state = self.state
        if self.prepared is None or state.snapshots is None:
            return None, None
        graphs = self.prepared.scheme.graphs
        info = {"project": self.project.name, "epochs": state.epochs_done, "best_val_loss": state.best_loss}
        last = save_checkpoint(self.out_dir / "last.safetensors", state.snapshots.state(), graphs, info)
        # A GAN has no validation loss to rank epochs by: its best is its last.
        best = save_checkpoint(self.out_dir / "best.safetensors", state.snapshots.state(best=True), graphs, info)
        return best, last

    def _finish(self, reason: EndReason, message: str, details: str = "") -> RunFinished:
        state = self.state
        if reason == EndReason.OUT_OF_MEMORY:
            state.current = None
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        best = last = None
        if self.prepared is not None and state.snapshots is not None:
            # Stopped mid-epoch, the weights as they are now are the last good ones; after a NaN (or
            # anything that left non-finite weights) the network goes back to the last good epoch end,
            # ready to use or export.
            if reason != EndReason.NAN and all(bool(torch.isfinite(t).all()) for t in state.snapshots.live
                                               if t.is_floating_point()):
                state.snapshots.take_last()
            else:
                state.snapshots.restore_last()
            if self.config.save:
                try:
                    best, last = self._write_checkpoints()
                except (OSError, CheckpointError) as exc:
                    what = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                    message += f" (the checkpoints could not be written to {self.out_dir}: {what})"
        result = RunFinished(reason, message, state.epochs_done, state.step, dict(state.last_metrics),
                             state.best_loss, best, last, None, list(state.history), details,
                             notes=[*state.notes, *data_notes(self.prepared)], compile_seconds=state.compile_seconds)
        if self.config.save and self.prepared is not None:
            try:
                history_file = self.out_dir / HISTORY
                self.out_dir.mkdir(parents=True, exist_ok=True)
                # Strict JSON (NaN is written as null), replaced atomically: a reader never sees half a file.
                record = run_info(self.project, self.prepared, state)
                atomic_write_json(history_file, {**result.to_dict(), "run": record,
                                                 "epochs": [e.to_dict() for e in state.history]})
                result.history_file = history_file
            except OSError:
                pass
        self.callbacks.on_run_end(result)
        return result
