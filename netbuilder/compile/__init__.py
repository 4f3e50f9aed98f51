"""Graph -> runnable PyTorch (torch.fx GraphModules) and -> readable Python source.

The names below are loaded on first use, so importing ``netbuilder.cli.code`` (which
``netbuilder --help`` does) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netbuilder.compile.builder import CompiledGraph, build, build_module, measured_shapes, run_checked
    from netbuilder.compile.errors import GraphCompileError, NodeRuntimeError

_HOME = {
    "CompiledGraph": "builder", "build": "builder", "build_module": "builder", "measured_shapes": "builder",
    "run_checked": "builder", "GraphCompileError": "errors", "NodeRuntimeError": "errors",
}

__all__ = ["CompiledGraph", "GraphCompileError", "NodeRuntimeError", "build", "build_module", "measured_shapes",
           "run_checked"]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"netbuilder.compile.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'netbuilder.compile' has no attribute {name!r}")
