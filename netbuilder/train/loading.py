"""The data set a project's scheme needs, shaped for its Input (and Target) nodes."""

from __future__ import annotations

from math import prod

import torch

from netbuilder.data import BUILTIN_DATASETS, Dataset, load_dataset
from netbuilder.graph import Project
from netbuilder.graph.analysis import analyze

SAMPLE_COUNT = 8

# Which graph's Input the data set feeds, per scheme (a GAN's data are what its discriminator sees).
DATA_GRAPH = {"supervised": "model", "reconstruction": "model", "adversarial": "discriminator"}


def load_for(project: Project) -> Dataset:
    """Load the project's data set fitted to the Input (and, when supervised, the Target) it feeds."""
    graph_name = DATA_GRAPH.get(project.scheme, "model")
    graph = project.graphs.get(graph_name)
    input_shape = target_shape = None
    input_name = target_name = None
    classes = None
    if graph is not None:
        analysis = analyze(graph, project.purpose(graph_name))
        inputs = [n for n in graph.nodes.values() if n.type == "Input"]
        targets = [n for n in graph.nodes.values() if n.type == "Target"]
        if len(inputs) == 1:
            input_shape, input_name = analysis.output_shape(inputs[0].id), inputs[0].name
        if project.scheme == "supervised" and len(targets) == 1:
            target_shape, target_name = analysis.output_shape(targets[0].id), targets[0].name
            if targets[0].values()["kind"] == "classes":
                classes = int(targets[0].values()["classes"])
    project_dir = project.path.parent if project.path is not None else None
    return load_dataset(project.dataset, input_shape, target_shape, project_dir, input_name=input_name,
                        target_name=target_name, target_classes=classes)


def sample_batch(ds: Dataset, count: int = SAMPLE_COUNT) -> torch.Tensor:
    """A few fixed samples to show reconstructions of: validation ones when there are any."""
    source = ds.x_val if ds.val_size else ds.x_train
    return source[:count].clone()


def image_shape(ds: Dataset) -> tuple[int, ...] | None:
    """The (C, H, W) a sample can be shown as: its own, or its built-in set's when flattened."""
    if ds.input_kind == "image" and len(ds.input_shape) == 3:
        return tuple(ds.input_shape)
    info = BUILTIN_DATASETS.get(ds.name)
    if info is not None and info.input_kind == "image" and prod(info.input_shape) == prod(ds.input_shape):
        return tuple(info.input_shape)
    return None
