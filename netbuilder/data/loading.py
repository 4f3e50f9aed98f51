"""`load_dataset`: read a source, fit it to the Input and Target, split it and normalise it."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from pathlib import Path

import numpy as np
import torch

from netbuilder.data.builtin import BUILTIN_DATASETS, read_builtin
from netbuilder.data.dataset import DataError, Dataset, RawData, fit_normalization, split_indices
from netbuilder.data.files import read_csv, read_idx, read_npz, resolve
from netbuilder.data.images import read_image_folder
from netbuilder.graph.analysis import analyze
from netbuilder.graph.catalog import TensorShape, target_kind
from netbuilder.graph.model import Graph
from netbuilder.graph.settings import DatasetSettings


@dataclass(frozen=True)
class SourceInfo:
    """A kind of user data the UI offers beside the built-in sets."""

    title: str
    description: str
    path_kind: str  # "file" or "folder": what the path chooser picks
    suffixes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


USER_SOURCES: dict[str, SourceInfo] = {
    "csv": SourceInfo("CSV table", "A table with a header row: pick the feature columns and the target column. "
                      "Text targets become classes.", "file", (".csv", ".tsv", ".txt"),
                      ("features", "target", "task", "header", "delimiter")),
    "images": SourceInfo("Image folder", "One subfolder per class, named for the class; images are resized to the "
                         "Input's size.", "folder"),
    "npz": SourceInfo("NumPy arrays (.npz)", "Arrays x (inputs) and y (class ids or values); without y, for "
                      "autoencoders and GANs.", "file", (".npz",), ("task",)),
    "idx": SourceInfo("MNIST / Fashion-MNIST (IDX)", "The images and labels files as downloaded (optionally .gz).",
                      "file", (".idx", ".gz", "-ubyte"), ("images", "labels")),
}

RANGES = ("unit", "tanh")
GENERAL_OPTIONS = ("flatten", "range")  # read by load_dataset for every source


def load_dataset(settings: DatasetSettings, input_shape: TensorShape | None = None,
                 target_shape: TensorShape | None = None, project_dir: Path | None = None, *,
                 input_name: str | None = None, target_name: str | None = None,
                 target_classes: int | None = None) -> Dataset:
    """Read the data set ``settings`` names and make it fit the Input (and Target) node.

    ``input_shape``/``target_shape`` are per-sample shapes without the batch
    (from shape inference); given, the data is reshaped to them when the
    number of values matches, or a `DataError` says what to change.
    ``input_name``/``target_name`` only make messages name the nodes;
    ``target_classes`` is the Target's class count, checked against the data.
    Relative paths are taken from ``project_dir``.
    """
    check_options(settings)
    value_range = settings.options.get("range")
    if value_range not in (None, *RANGES):
        raise DataError(f"{settings.name}: option 'range' must be unit or tanh; it is {value_range!r}")
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


def check_options(settings: DatasetSettings) -> None:
    """Refuse option keys the source does not read, so a typo ("flaten") is not silently ignored."""
    info = BUILTIN_DATASETS.get(settings.name) or USER_SOURCES.get(settings.name)
    if info is None:
        return  # read_source names the unknown data set
    known = (*info.options, *GENERAL_OPTIONS)
    for key in settings.options:
        if key not in known:
            raise DataError(f"{settings.name}: unknown option {key!r}; it reads {', '.join(known)}")


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
    known = ", ".join([*BUILTIN_DATASETS, *USER_SOURCES])
    raise DataError(f"unknown data set {name!r}; choose one of {known}")


def _what(kind: str, dims: tuple[int, ...]) -> str:
    """A sample in words: ``1×8×8 images``, ``rows of 4 features``."""
    sample = "×".join(map(str, dims)) or "a scalar"
    return {"image": f"{sample} images", "tabular": f"rows of {prod(dims)} features",
            "sequence": f"sequences of {sample} (steps×features)",
            "tokens": f"windows of {prod(dims)} token ids"}.get(kind, f"samples of {sample}")


def _suggest(kind: str, dims: tuple[int, ...]) -> str:
    """The Input settings that would take this data as it is."""
    if kind == "image" and len(dims) == 3:
        return f"image {'×'.join(map(str, dims))}"
    if kind == "sequence" and len(dims) == 2:
        return f"sequence with length {dims[0]} and {dims[1]} features"
    if kind == "tokens":
        return f"tokens with length {prod(dims)}"
    return f"tabular with {prod(dims)} features"


def fit_input(raw: RawData, input_shape: TensorShape | None, input_name: str | None) -> tuple[np.ndarray, str]:
    """``raw.x`` shaped to the Input: as is, reshaped when the value count matches, or a DataError."""
    dims = tuple(raw.x.shape[1:])
    if input_shape is None:
        return raw.x, raw.kind
    node = f"the Input '{input_name}'" if input_name else "the Input"
    want = tuple(input_shape.dims)
    if (input_shape.dtype == "int") != (raw.kind == "tokens"):
        if raw.kind == "tokens":
            raise DataError(f"{raw.name} gives {_what(raw.kind, dims)} but {node} takes {input_shape.sample} numbers "
                            f"— set the Input to {_suggest(raw.kind, dims)} and feed it to an Embedding")
        raise DataError(f"{raw.name} gives {_what(raw.kind, dims)} but {node} takes token ids — set the Input to "
                        f"{_suggest(raw.kind, dims)}")
    kind = {3: "image", 2: "sequence"}.get(len(want), "tabular") if input_shape.dtype != "int" else "tokens"
    if dims == want:
        return raw.x, kind
    if prod(dims) == prod(want):
        return raw.x.reshape(len(raw.x), *want), kind
    raise DataError(f"{raw.name} gives {_what(raw.kind, dims)} ({prod(dims)} values) but {node} takes "
                    f"{input_shape.sample} ({prod(want)} values) — set the Input to {_suggest(raw.kind, dims)}")


def fit_target(raw: RawData, target_shape: TensorShape | None, target_name: str | None,
               target_classes: int | None = None) -> tuple[np.ndarray | None, tuple[int, ...]]:
    """``raw.y`` checked against the Target node; returns y and its per-sample shape."""
    node = f"the Target '{target_name}'" if target_name else "the Target"
    y = raw.y
    dims = () if y is None else tuple(y.shape[1:])
    if target_shape is None:
        return y, dims
    if y is None:
        raise DataError(f"{raw.name} has no targets (labels) but the network has {node} — add targets to the data "
                        f"(y) or train as an autoencoder without a Target")
    if target_shape.dtype == "int":
        if raw.task != "classification":
            raise DataError(f"{raw.name} gives values of shape {'×'.join(map(str, dims))} to predict but {node} "
                            f"takes class ids — set the Target kind to values with shape {','.join(map(str, dims))}")
        if target_classes is not None and target_classes != raw.num_classes:
            raise DataError(f"{raw.name} has {raw.num_classes} classes but {node} says {target_classes} — set the "
                            f"Target's classes to {raw.num_classes} (and the last layer's outputs to match)")
        return y, ()
    if raw.task == "classification":
        raise DataError(f"{raw.name} gives class ids ({raw.num_classes} classes) but {node} takes values of shape "
                        f"{target_shape.sample} — set the Target kind to classes with {raw.num_classes} classes")
    want = tuple(target_shape.dims)
    if dims == want:
        return y, dims
    if prod(dims) == prod(want):
        return y.reshape(len(y), *want), want
    raise DataError(f"{raw.name} gives targets of shape {'×'.join(map(str, dims))} but {node} takes "
                    f"{target_shape.sample} — set the Target's shape to {','.join(map(str, dims))}")
