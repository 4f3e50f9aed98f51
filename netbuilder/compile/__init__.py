"""Graph -> runnable PyTorch (torch.fx GraphModules) and -> readable Python source."""

from netbuilder.compile.builder import CompiledGraph, build, build_module, measured_shapes, run_checked
from netbuilder.compile.errors import GraphCompileError, NodeRuntimeError

__all__ = ["CompiledGraph", "GraphCompileError", "NodeRuntimeError", "build", "build_module", "measured_shapes",
           "run_checked"]
