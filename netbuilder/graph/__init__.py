"""The network model: pure Python + networkx. Imports neither torch, Qt nor onnx."""

from netbuilder.graph.analysis import Analysis, NodeInfo, analyze
from netbuilder.graph.catalog import (CATALOG, CATEGORIES, LayerSpec, ParamSpec, PortSpec, ShapeError, TensorShape,
                                      get_spec)
from netbuilder.graph.diagnostics import ERROR, WARNING, Diagnostic
from netbuilder.graph.model import ConnectionRefused, Edge, Graph, Group, Node
from netbuilder.graph.project import FORMAT_VERSION, Project, load_project, save_project
from netbuilder.graph.serialize import ProjectFileError, paste_fragment
from netbuilder.graph.settings import Augmentation, DatasetSettings, TrainingSettings

__all__ = [
    "Analysis", "Augmentation", "CATALOG", "CATEGORIES", "ConnectionRefused", "DatasetSettings", "Diagnostic",
    "ERROR", "Edge", "FORMAT_VERSION", "Graph", "Group", "LayerSpec", "Node", "NodeInfo", "ParamSpec", "PortSpec",
    "Project", "ProjectFileError", "ShapeError", "TensorShape", "TrainingSettings", "WARNING", "analyze",
    "get_spec", "load_project", "paste_fragment", "save_project",
]
