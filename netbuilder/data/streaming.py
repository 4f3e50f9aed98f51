"""A data set streamed from disk: the `Dataset` the Trainer knows, with its samples left in their files.

`load_dataset` comes here when the ``streaming`` option says disk, or says
auto and the set would not fit comfortably in memory (`memory.choose_storage`).
Everything the in-memory path decides is decided the same way: the Input and
Target fitting, the seeded (stratified) split, the normalisation (fitted by one
streaming pass over the training split, `stream_stats`), and the batch order
(`StreamBatches`). So for the same settings a streamed set yields the batches
an in-memory one does: the same samples in the same order, the same targets,
and the same input values (exactly where the normalisation needs no
statistics, to float rounding where it uses the training split's mean and
standard deviation).

A `StreamingDataset` holds in ``x_train``/``x_val`` (and the targets beside
them) only a preview: the first samples of each split, normalised, for what
the Trainer shows (predictions, reconstructions, the value range).
``train_size``/``val_size`` count the whole splits; `make_loaders` streams them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from pathlib import Path

import numpy as np
import torch

from netbuilder.data.csv_stream import open_csv
from netbuilder.data.dataset import DataError, Dataset, split_indices
from netbuilder.data.files import resolve
from netbuilder.data.loading import fit_input_dims, fit_target_values, source_label
from netbuilder.data.progress import BadSample, LoadProgress, Report
from netbuilder.data.stream_batches import BadSampleLog, DeviceNormalizer, Reader, StreamBatches, workers_option
from netbuilder.data.stream_sources import Precheck, StreamSource, open_idx, open_images, open_npz
from netbuilder.data.stream_stats import axis_of, measure, needs_pass, normalization_from, pass_scale
from netbuilder.graph.catalog import InputKind, TensorShape
from netbuilder.graph.settings import DatasetSettings

PREVIEW = 64  # samples of each split held in memory for showing


@dataclass
class Stream:
    """Where a streamed set's samples are and how they are read: the part a `Dataset` of tensors does not have."""

    source: StreamSource  # kept: it owns the scratch files the samples may live in
    reader: Reader
    train: np.ndarray  # indices into the source, in split order
    val: np.ndarray
    workers: int
    log: BadSampleLog
    storage: str  # why it streams, in words


@dataclass(kw_only=True)
class StreamingDataset(Dataset):
    """A `Dataset` whose samples stay on disk: ``x_*``/``y_*`` are previews, `loaders` stream the splits."""

    stream: Stream

    @property
    def train_size(self) -> int:
        return len(self.stream.train)

    @property
    def val_size(self) -> int:
        return len(self.stream.val)

    @property
    def bad_samples(self) -> list[BadSample]:
        """Files (or samples) found unreadable so far, each once."""
        return list(self.stream.log.found)

    def describe(self) -> str:
        return f"{super().describe()}, {self.stream.storage}"

    def loaders(self, batch_size: int, seed: int, device: torch.device) -> tuple[StreamBatches, StreamBatches]:
        """Training batches (shuffled with ``seed``) and validation batches (in order), as `make_loaders` gives."""
        stream = self.stream
        normalize = DeviceNormalizer(self.normalization, self.input_kind == "tokens", len(self.input_shape), device)

        def batches(indices: np.ndarray, shuffle: bool) -> StreamBatches:
            return StreamBatches(stream.reader, indices, batch_size, shuffle=shuffle, seed=seed if shuffle else 0,
                                 device=device, normalize=normalize, log=stream.log, workers=stream.workers)

        return batches(stream.train, True), batches(stream.val, False)


def open_source(settings: DatasetSettings, input_shape: TensorShape | None, project_dir: Path | None,
                report: Report, precheck: Precheck | None = None) -> StreamSource:
    """The source's headers and labels read, its samples left on disk (converted or unpacked to a scratch copy
    when they cannot be read in place); ``precheck`` hears the per-sample shape before any such copy."""
    name, options = settings.name, settings.options
    report(LoadProgress(source_label(settings), "listing", 0, 0, "files"))
    if name == "images":
        return open_images(resolve(settings.path, project_dir, "image folder"), input_shape)
    if name == "npz":
        tokens = input_shape is not None and input_shape.dtype == "int"
        return open_npz(resolve(settings.path, project_dir, ".npz file"), options, tokens, report, precheck)
    if name == "idx":
        return open_idx(options, project_dir, settings.path, report, precheck)
    if name == "csv":
        return open_csv(resolve(settings.path, project_dir, "CSV file"), options, report, precheck)
    raise DataError(f"{name}: only files (an image folder, CSV, .npz or IDX) can be streamed from disk")


def load_streaming(settings: DatasetSettings, input_shape: TensorShape | None, target_shape: TensorShape | None,
                   project_dir: Path | None, *, input_name: str | None, target_name: str | None,
                   target_classes: int | None, storage: str, report: Report) -> StreamingDataset:
    """`load_dataset` for a user file streamed from disk (the options are already checked)."""
    options = settings.options

    def fit(label: str, kind: InputKind, dims: tuple[int, ...]) -> tuple[tuple[int, ...], InputKind]:
        if options.get("flatten") and len(dims) > 1 and kind != "tokens":
            dims, kind = (prod(dims),), "tabular"
        return fit_input_dims(label, kind, dims, input_shape, input_name)

    # Before the source is open only the settings name it; afterwards its own name is the label.
    label = source_label(settings)
    source = open_source(settings, input_shape, project_dir, report, lambda kind, dims: fit(label, kind, dims))
    if len(source.samples) == 0:
        raise DataError(f"{source.name}: holds no samples")
    dims, kind = fit(source.name, source.kind, source.samples.dims)
    y, target_dims = fit_target_values(source.name, source.task, source.num_classes, source.y, target_shape,
                                       target_name, target_classes)
    labels = y if source.task == "classification" else None
    train, val = split_indices(len(source.samples), settings.validation_split, settings.seed, labels)
    workers = workers_option(options.get("workers", "auto"))
    log = BadSampleLog(report, skip=options.get("bad_files", "stop") == "skip")
    reader = Reader(source.samples, y, dims)
    norm_kind = "standardize" if settings.normalize else "none"
    value_range = options.get("range")
    moments = None
    if needs_pass(kind, norm_kind, value_range, source.pixel_max):
        moments = measure(reader, train, axis_of(kind, len(dims)), pass_scale(value_range, source.pixel_max),
                          workers, log, report, source.name)
    norm = normalization_from(moments, norm_kind, kind, len(dims), value_range, source.pixel_max)
    normalize = DeviceNormalizer(norm, kind == "tokens", len(dims), torch.device("cpu"))

    def preview(indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor | None]:
        loaded = reader[indices[:PREVIEW]]
        log.handle(loaded.problems)
        return normalize(loaded.x), loaded.y

    x_train, y_train = preview(train)
    x_val, y_val = preview(val)
    storage_words = f"{storage}, read by {workers} worker process{'es' if workers != 1 else ''}" if workers else \
        f"{storage}, read in the training process"
    report(LoadProgress(source.name, "ready", len(source.samples), len(source.samples), detail=storage_words))
    return StreamingDataset(
        name=source.name, x_train=x_train, x_val=x_val, y_train=y_train, y_val=y_val, task=source.task,
        input_kind=kind, input_shape=tuple(dims), target_shape=target_dims, num_classes=source.num_classes,
        class_names=source.class_names, feature_names=source.feature_names, normalization=norm,
        stream=Stream(source, reader, train, val, workers, log, storage_words))
