"""`load_dataset`: read a source, fit it to the Input and Target, split it and normalise it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from netbuilder.data.builtin import read_builtin
from netbuilder.data.checks import input_problem, option_problems, target_problem, unknown_source
from netbuilder.data.sources import BUILTIN_DATASETS
from netbuilder.data.sources import GENERAL_OPTIONS as GENERAL_OPTIONS  # re-exported
from netbuilder.data.sources import SourceInfo as SourceInfo  # re-exported
from netbuilder.data.sources import USER_SOURCES as USER_SOURCES  # re-exported
from netbuilder.data.dataset import DataError, Dataset, RawData, fit_normalization, split_indices
from netbuilder.data.csv_table import read_csv
from netbuilder.data.files import read_npz, resolve
from netbuilder.data.idx import read_idx
from netbuilder.data.images import read_image_folder
from netbuilder.data.memory import StorageChoice, available_memory, choose_storage
from netbuilder.data.progress import LoadProgress, Report, log_report
from netbuilder.data.stream_sources import estimate_need
from netbuilder.graph.analysis import analyze
from netbuilder.graph.catalog import InputKind, TensorShape, target_kind
from netbuilder.graph.model import Graph
from netbuilder.graph.settings import DatasetSettings


def load_dataset(settings: DatasetSettings, input_shape: TensorShape | None = None,
                 target_shape: TensorShape | None = None, project_dir: Path | None = None, *,
                 input_name: str | None = None, target_name: str | None = None,
                 target_classes: int | None = None, streaming: str | None = None,
                 report: Report | None = None) -> Dataset:
    """Read the data set ``settings`` names and make it fit the Input (and Target) node.

    ``input_shape``/``target_shape`` are per-sample shapes without the batch
    (from shape inference); given, the data is reshaped to them when the
    number of values matches, or a `DataError` says what to change.
    ``input_name``/``target_name`` only make messages name the nodes;
    ``target_classes`` is the Target's class count, checked against the data.
    Relative paths are taken from ``project_dir``.

    A user file is held in memory or streamed from disk (a `StreamingDataset`) as
    its ``streaming`` option says (auto: by its size against the free memory);
    ``streaming`` here overrides the option. ``report`` hears the progress of
    loading and, when streaming, each file found unreadable.
    """
    check_options(settings)
    report = report or log_report
    storage = storage_choice(settings, input_shape, project_dir, streaming)
    if storage.stream:
        from netbuilder.data.streaming import load_streaming

        return load_streaming(settings, input_shape, target_shape, project_dir, input_name=input_name,
                              target_name=target_name, target_classes=target_classes, storage=storage.reason,
                              report=report)
    report(LoadProgress(source_label(settings), "reading", 0, 0))
    value_range = settings.options.get("range")
    raw = read_source(settings, input_shape, project_dir)
    if settings.options.get("flatten") and raw.x.ndim > 2 and raw.kind != "tokens":
        raw.x, raw.kind = raw.x.reshape(len(raw.x), -1), "tabular"
    if len(raw.x) == 0:
        raise DataError(f"{raw.name}: holds no samples")
    x, kind = fit_input(raw, input_shape, input_name)
    y, target_dims = fit_target(raw, target_shape, target_name, target_classes)
    labels = y if raw.task == "classification" else None
    train, val = split_indices(len(x), settings.validation_split, settings.seed, labels, raw.ordered,
                               gap=x.shape[1] if raw.ordered and x.ndim > 1 else 0)
    norm_kind = "standardize" if settings.normalize and not raw.prescaled else "none"
    norm = fit_normalization(x[train], norm_kind, kind, value_range, raw.pixel_max)
    dtype = torch.int64 if kind == "tokens" else torch.float32

    def tensor(a: np.ndarray, idx: np.ndarray, normalise: bool) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(a[idx]))
        t = t.to(dtype) if normalise else t
        return norm.apply(t).contiguous() if normalise and kind != "tokens" else t

    report(LoadProgress(raw.name, "ready", len(x), len(x), detail=storage.reason))
    return Dataset(
        name=raw.name,
        x_train=tensor(x, train, True), x_val=tensor(x, val, True),
        y_train=None if y is None else tensor(y, train, False),
        y_val=None if y is None else tensor(y, val, False),
        task=raw.task, input_kind=kind, input_shape=tuple(x.shape[1:]), target_shape=target_dims,
        num_classes=raw.num_classes, class_names=raw.class_names, feature_names=raw.feature_names,
        normalization=norm,
    )


def load_for_graph(settings: DatasetSettings, graph: Graph, project_dir: Path | None = None) -> Dataset:
    """`load_dataset` fitted to the graph's Input node (and Target node, when it has one).

    The graph must have exactly one Input: the one the data feeds (a GAN's
    discriminator; its generator's noise Input is not data).
    """
    inputs = [n for n in graph.nodes.values() if n.spec.role == "input"]
    if len(inputs) != 1:
        found = ", ".join(f"'{n.name}'" for n in inputs) or "none"
        raise DataError(f"the graph '{graph.name}' needs exactly one Input for the data set {settings.name!r}; it has "
                        f"{found}")
    targets = [n for n in graph.nodes.values() if n.spec.role == "target"]
    if len(targets) > 1:
        raise DataError(f"the graph '{graph.name}' has {len(targets)} Targets; a data set gives one kind of label "
                        f"— keep one Target")
    shapes = analyze(graph, "edit").nodes

    def shape(node_id: str) -> TensorShape | None:
        info = shapes.get(node_id)
        return info.outputs.get("out") if info else None

    target = targets[0] if targets else None
    classes = target.values()["classes"] if target and target_kind(target.values()) == "classes" else None
    return load_dataset(settings, shape(inputs[0].id), shape(target.id) if target else None, project_dir,
                        input_name=inputs[0].name, target_name=target.name if target else None,
                        target_classes=classes)


def storage_choice(settings: DatasetSettings, input_shape: TensorShape | None, project_dir: Path | None,
                   streaming: str | None = None) -> StorageChoice:
    """Memory or disk for this data set: built-in sets are small and always in memory."""
    if settings.name not in USER_SOURCES:
        return StorageChoice(False, "held in memory")
    mode = streaming or settings.options.get("streaming", "auto")
    need = estimate_need(settings, input_shape, project_dir) if mode == "auto" else None
    return choose_storage(mode, need, available_memory() if mode == "auto" else None)


def source_label(settings: DatasetSettings) -> str:
    """The data set's name before it is read: a user file's (or folder's) name, else the built-in set's."""
    if settings.name not in USER_SOURCES:
        return settings.name
    return Path(str(settings.options.get("images") or settings.path)).name or settings.name


def check_options(settings: DatasetSettings) -> None:
    """Refuse option keys the source does not read, so a typo ("flaten") is not silently ignored."""
    problems = option_problems(settings)
    if problems:
        raise DataError(problems[0])


def read_source(settings: DatasetSettings, input_shape: TensorShape | None, project_dir: Path | None) -> RawData:
    """The raw arrays of a built-in set or a user file, before fitting, splitting and normalising."""
    name, options = settings.name, settings.options
    if name in BUILTIN_DATASETS:
        return read_builtin(name, options, input_shape, settings.seed)
    if name == "csv":
        return read_csv(resolve(settings.path, project_dir, "CSV file"), options)
    if name == "npz":
        tokens = input_shape is not None and input_shape.dtype == "int"
        return read_npz(resolve(settings.path, project_dir, ".npz file"), options, tokens)
    if name == "idx":
        return read_idx(options, project_dir, settings.path)
    if name == "images":
        return read_image_folder(resolve(settings.path, project_dir, "image folder"), input_shape)
    raise DataError(unknown_source(name) or f"{name}: cannot be read")


def fit_input(raw: RawData, input_shape: TensorShape | None,
              input_name: str | None) -> tuple[np.ndarray, InputKind]:
    """``raw.x`` shaped to the Input: as is, reshaped when the value count matches, or a DataError."""
    dims = tuple(raw.x.shape[1:])
    want, kind = fit_input_dims(raw.name, raw.kind, dims, input_shape, input_name)
    return (raw.x if dims == want else raw.x.reshape(len(raw.x), *want)), kind


def fit_input_dims(name: str, kind: InputKind, dims: tuple[int, ...], input_shape: TensorShape | None,
                   input_name: str | None) -> tuple[tuple[int, ...], InputKind]:
    """The per-sample shape and kind samples of ``dims`` take to feed the Input (the same values, reshaped)."""
    if input_shape is None:
        return dims, kind
    problem = input_problem(name, kind, dims, input_shape, input_name)
    if problem is not None:
        raise DataError(problem)
    by_rank: dict[int, InputKind] = {3: "image", 2: "sequence"}
    want = tuple(input_shape.dims)
    return want, by_rank.get(len(want), "tabular") if input_shape.dtype != "int" else "tokens"


def fit_target(raw: RawData, target_shape: TensorShape | None, target_name: str | None,
               target_classes: int | None = None) -> tuple[np.ndarray | None, tuple[int, ...]]:
    """``raw.y`` checked against the Target node; returns y and its per-sample shape."""
    return fit_target_values(raw.name, raw.task, raw.num_classes, raw.y, target_shape, target_name, target_classes)


def fit_target_values(name: str, task: str, num_classes: int, y: np.ndarray | None, target_shape: TensorShape | None,
                      target_name: str | None, target_classes: int | None = None,
                      ) -> tuple[np.ndarray | None, tuple[int, ...]]:
    """Targets ``y`` of a data set named ``name`` checked against the Target node; y and its per-sample shape."""
    dims = () if y is None else tuple(y.shape[1:])
    if target_shape is None:
        return y, dims
    problem = target_problem(name, task, num_classes, None if y is None else dims, target_shape, target_name,
                             target_classes)
    if problem is not None or y is None:
        raise DataError(problem or f"{name} has no targets")
    if target_shape.dtype == "int":
        return y, ()
    want = tuple(target_shape.dims)
    return (y, dims) if dims == want else (y.reshape(len(y), *want), want)
