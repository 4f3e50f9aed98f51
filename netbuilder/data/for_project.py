"""The data set a project trains on, shaped for the Input (and Target) of the graph its scheme feeds."""

from __future__ import annotations

from netbuilder.data.dataset import Dataset
from netbuilder.data.loading import load_dataset
from netbuilder.data.progress import Report
from netbuilder.graph import Project
from netbuilder.graph.analysis import analyze
from netbuilder.graph.catalog import target_kind


def load_for(project: Project, *, streaming: str | None = None, report: Report | None = None) -> Dataset:
    """Load the project's data set fitted to the Input (and, when the scheme uses labels, the Target) it feeds.

    ``streaming`` (auto, memory, disk) overrides the data set's option; ``report`` hears the loading's
    progress and any file found unreadable (see `load_dataset`).
    """
    graph_name = project.data_graph_name
    spec = project.scheme_spec
    graph = project.graphs.get(graph_name)
    input_shape = target_shape = None
    input_name = target_name = None
    classes = None
    if graph is not None:
        analysis = analyze(graph, project.purpose(graph_name))
        inputs = [n for n in graph.nodes.values() if n.spec.role == "input"]
        targets = [n for n in graph.nodes.values() if n.spec.role == "target"]
        if len(inputs) == 1:
            input_shape, input_name = analysis.output_shape(inputs[0].id), inputs[0].name
        if spec is not None and spec.uses_labels and len(targets) == 1:
            target_shape, target_name = analysis.output_shape(targets[0].id), targets[0].name
            if target_kind(targets[0].values()) == "classes":
                classes = int(targets[0].values()["classes"])
    project_dir = project.path.parent if project.path is not None else None
    return load_dataset(project.dataset, input_shape, target_shape, project_dir, input_name=input_name,
                        target_name=target_name, target_classes=classes, streaming=streaming, report=report)
