"""Does the data set fit the network? Known as soon as the mismatch exists, without reading any data.

The Trainer finds out when it loads the data (`loading.fit_input` / `fit_target` raise a `DataError`); the
window and `netbuilder validate` ask here first, so a data/Input or data/Target mismatch is a diagnostic on
the node from the moment it is made, in the same words. A built-in set's sample is known from its
`BuiltinInfo` and options; a user file is not read here (that can take seconds), so it is checked on Train.

Imports neither torch nor numpy: the window runs these checks on every analysis without loading either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from math import prod
from typing import Any

from netbuilder.data.sources import (BAD_FILE_CHOICES, BUILTIN_DATASETS, GENERAL_OPTIONS, MAX_WORKERS, RANGES,
                                     STREAMING_MODES, USER_SOURCES)
from netbuilder.graph.analysis import Analysis, analyze
from netbuilder.graph.catalog import TensorShape, target_kind
from netbuilder.graph.diagnostics import ERROR, Diagnostic
from netbuilder.graph.project import Project
from netbuilder.graph.settings import DatasetSettings, to_dict

CODE = "data"  # the diagnostics' code: tools and tests tell data problems from graph ones by it


@dataclass(frozen=True)
class SampleInfo:
    """One sample of a data set as the network will receive it, known without loading the set."""

    name: str
    kind: str  # "tabular", "image", "sequence" or "tokens"
    dims: tuple[int, ...]  # one input sample's shape
    task: str  # "classification" or "regression"
    num_classes: int = 0
    target_dims: tuple[int, ...] | None = ()  # one target's shape (() for a class id); None: no targets


# ---- the words, shared with the loader -----------------------------------------------------------
def describe(kind: str, dims: tuple[int, ...]) -> str:
    """A sample in words: ``1×8×8 images``, ``rows of 4 features``."""
    sample = "×".join(map(str, dims)) or "a scalar"
    return {"image": f"{sample} images", "tabular": f"rows of {prod(dims)} features",
            "sequence": f"sequences of {sample} (steps×features)",
            "tokens": f"windows of {prod(dims)} token ids"}.get(kind, f"samples of {sample}")


def suggest(kind: str, dims: tuple[int, ...]) -> str:
    """The Input settings that would take this data as it is."""
    if kind == "image" and len(dims) == 3:
        return f"image {'×'.join(map(str, dims))}"
    if kind == "sequence" and len(dims) == 2:
        return f"sequence with length {dims[0]} and {dims[1]} features"
    if kind == "tokens":
        return f"tokens with length {prod(dims)}"
    return f"tabular with {prod(dims)} features"


def input_problem(name: str, kind: str, dims: tuple[int, ...], input_shape: TensorShape,
                  input_name: str | None = None) -> str | None:
    """Why samples of ``kind``/``dims`` cannot feed an Input of ``input_shape`` (same count of values reshapes)."""
    node = f"the Input '{input_name}'" if input_name else "the Input"
    want = tuple(input_shape.dims)
    if (input_shape.dtype == "int") != (kind == "tokens"):
        if kind == "tokens":
            return (f"{name} gives {describe(kind, dims)} but {node} takes {input_shape.sample} numbers — set the "
                    f"Input to {suggest(kind, dims)} and feed it to an Embedding")
        return (f"{name} gives {describe(kind, dims)} but {node} takes token ids — set the Input to "
                f"{suggest(kind, dims)}")
    if dims == want or prod(dims) == prod(want):
        return None
    return (f"{name} gives {describe(kind, dims)} ({prod(dims)} values) but {node} takes {input_shape.sample} "
            f"({prod(want)} values) — set the Input to {suggest(kind, dims)}")


def target_problem(name: str, task: str, num_classes: int, target_dims: tuple[int, ...] | None,
                   target_shape: TensorShape, target_name: str | None = None,
                   target_classes: int | None = None) -> str | None:
    """Why a data set's targets (``target_dims``, None when it has none) cannot feed a Target of ``target_shape``."""
    node = f"the Target '{target_name}'" if target_name else "the Target"
    if target_dims is None:
        return (f"{name} has no targets (labels) but the network has {node} — add targets to the data (y) or "
                "train as an autoencoder without a Target")
    shape_text = "×".join(map(str, target_dims))
    if target_shape.dtype == "int":
        if task != "classification":
            return (f"{name} gives values of shape {shape_text} to predict but {node} takes class ids — set the "
                    f"Target kind to values with shape {','.join(map(str, target_dims))}")
        if target_classes is not None and target_classes != num_classes:
            return (f"{name} has {num_classes} classes but {node} says {target_classes} — set the Target's classes "
                    f"to {num_classes} (and the last layer's outputs to match)")
        return None
    if task == "classification":
        return (f"{name} gives class ids ({num_classes} classes) but {node} takes values of shape "
                f"{target_shape.sample} — set the Target kind to classes with {num_classes} classes")
    want = tuple(target_shape.dims)
    if target_dims == want or prod(target_dims) == prod(want):
        return None
    return (f"{name} gives targets of shape {shape_text} but {node} takes {target_shape.sample} — set the "
            f"Target's shape to {','.join(map(str, target_dims))}")


def option_problems(settings: DatasetSettings) -> list[str]:
    """Options the source does not read (a typo such as "flaten" is not silently ignored), a bad value range."""
    problems = []
    info = BUILTIN_DATASETS.get(settings.name) or USER_SOURCES.get(settings.name)
    if info is not None:
        known = (*info.options, *GENERAL_OPTIONS)
        problems += [f"{settings.name}: unknown option {key!r}; it reads {', '.join(known)}"
                     for key in settings.options if key not in known]
    value_range = settings.options.get("range")
    if value_range not in (None, *RANGES):
        problems.append(f"{settings.name}: option 'range' must be unit or tanh; it is {value_range!r}")
    return problems + _stream_option_problems(settings.name, settings.options)


def _stream_option_problems(name: str, options: dict[str, Any]) -> list[str]:
    """Values of the streaming options (their keys are checked with the source's other options)."""
    problems = []
    mode = options.get("streaming", "auto")
    if mode not in STREAMING_MODES:
        problems.append(f"{name}: option 'streaming' must be auto, memory or disk; it is {mode!r}")
    bad = options.get("bad_files", "stop")
    if bad not in BAD_FILE_CHOICES:
        problems.append(f"{name}: option 'bad_files' must be stop or skip; it is {bad!r}")
    workers = options.get("workers", "auto")
    if workers != "auto" and (_whole(workers, 0) is None or workers > MAX_WORKERS):
        problems.append(f"{name}: option 'workers' must be auto or a whole number from 0 to {MAX_WORKERS} (0 reads "
                        f"in the training process); it is {workers!r}")
    return problems


def unknown_source(name: str) -> str | None:
    if name in BUILTIN_DATASETS or name in USER_SOURCES:
        return None
    return f"unknown data set {name!r}; choose one of {', '.join([*BUILTIN_DATASETS, *USER_SOURCES])}"


# ---- built-in sets, described from their info --------------------------------------------------------
def _whole(value: Any, low: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= low else None


def _window_length(options: dict[str, Any], input_shape: TensorShape | None, default: int,
                   tokens: bool) -> int | None:
    """A window set's length: the option, else the length of a fitting Input, else the set's default."""
    if "length" in options:
        return _whole(options["length"], 1)
    fits = input_shape is not None and (input_shape.dtype == "int") == tokens and input_shape.rank in (1, 2)
    return input_shape.dims[0] if fits and input_shape is not None else default


@cache
def _text_vocabulary_size() -> int | None:
    """Characters in the shipped text (the text set's classes); None when it cannot be read."""
    try:
        text = (files("netbuilder.resources") / "text" / "snippet.txt").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError, UnicodeDecodeError):
        return None
    return len(set(text))


def builtin_sample(settings: DatasetSettings, input_shape: TensorShape | None = None) -> SampleInfo | None:
    """What one sample of a built-in set looks like with these options (None: not built in, or options the
    reader itself will refuse with its own message)."""
    info = BUILTIN_DATASETS.get(settings.name)
    if info is None:
        return None
    options = settings.options
    kind, dims = info.input_kind, info.input_shape
    if kind in ("sequence", "tokens"):  # windows: their length follows the option or the Input
        length = _window_length(options, input_shape, dims[0], tokens=kind == "tokens")
        if length is None:
            return None
        dims = (length, *dims[1:])
    if options.get("flatten") and len(dims) > 1 and kind != "tokens":
        kind, dims = "tabular", (prod(dims),)
    if info.task != "classification":
        return SampleInfo(settings.name, kind, dims, info.task, target_dims=info.target_shape)
    if info.class_names:
        classes: int | None = len(info.class_names)
    elif "classes" in info.options:
        classes = _whole(options.get("classes", 2), 2)
    else:  # one class per character of the text
        classes = _text_vocabulary_size()
    if classes is None:
        return None
    return SampleInfo(settings.name, kind, dims, "classification", classes)


# ---- the project ---------------------------------------------------------------------------------------
def dataset_diagnostics(project: Project) -> list[Diagnostic]:
    """Errors where the project's data set does not fit the Input (or the Target) of the graph it feeds."""
    graph_name = project.data_graph_name
    graph = project.graphs.get(graph_name)
    if graph is None:
        return []
    settings = project.dataset
    inputs = [n for n in graph.nodes.values() if n.spec.role == "input"]
    targets = [n for n in graph.nodes.values() if n.spec.role == "target"]
    anchor = inputs[0].id if len(inputs) == 1 else None
    found = option_problems(settings)
    unknown = unknown_source(settings.name)
    found += [unknown] if unknown else []
    diags = [Diagnostic(ERROR, CODE, message, anchor, graph=graph_name) for message in found]
    if diags or len(inputs) != 1:
        return diags  # several Inputs: the graph's own checks say which one the data should feed
    analysis = analyze(graph, project.purpose(graph_name))  # cached on the graph until it changes
    input_shape = analysis.output_shape(inputs[0].id)
    sample = builtin_sample(settings, input_shape)
    if sample is None or input_shape is None:
        return diags
    problem = input_problem(sample.name, sample.kind, sample.dims, input_shape, inputs[0].name)
    if problem:
        diags.append(Diagnostic(ERROR, CODE, problem, inputs[0].id, graph=graph_name))
    spec = project.scheme_spec
    if spec is not None and spec.uses_labels and len(targets) == 1:
        target = targets[0]
        target_shape = analysis.output_shape(target.id)
        values = target.values()
        classes = int(values["classes"]) if target_kind(values) == "classes" else None
        if target_shape is not None:
            problem = target_problem(sample.name, sample.task, sample.num_classes, sample.target_dims, target_shape,
                                     target.name, classes)
            if problem:
                diags.append(Diagnostic(ERROR, CODE, problem, target.id, graph=graph_name))
    return diags


def analyze_with_data(project: Project) -> dict[str, Analysis]:
    """`Project.analyze` plus `dataset_diagnostics` on the graph the data feeds: what the window and
    `netbuilder validate` show."""
    results = project.analyze()
    for diag in dataset_diagnostics(project):
        if diag.graph in results:
            results[diag.graph].diagnostics.append(diag)
    return results


def data_key(project: Project) -> str:
    """Changes when anything `dataset_diagnostics` reads besides the graphs does (the window re-checks then)."""
    return json.dumps([to_dict(project.dataset), project.scheme], sort_keys=True, default=str)
