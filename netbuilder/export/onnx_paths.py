"""The PyTorch module a layer came from, read back from an ONNX node (``layer1.0.conv1``), for grouping.

PyTorch's exporters leave the module path in three places: the dynamo exporter in the node's
``pkg.torch.onnx.name_scopes`` metadata, the TorchScript exporter in the node name
(``/layer1/layer1.0/conv1/Conv``), and both in weight names (``layer1.0.conv1.weight``). Models
from other tools name nodes by output ids (``n12``): they get no path.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onnx import NodeProto

SCOPES_KEY = "pkg.torch.onnx.name_scopes"
DOTTED = re.compile(r"[A-Za-z_]\w*(\.\w+)+")


def _from_scopes(text: str) -> str:
    try:
        scopes = ast.literal_eval(text)  # a Python list literal of strings; literal_eval runs no code
    except (ValueError, SyntaxError):
        return ""
    if not isinstance(scopes, list) or len(scopes) < 2 or not all(isinstance(s, str) for s in scopes):
        return ""
    return str(scopes[-2])  # the last entry names the operation, the one before it the innermost module


def _from_scoped_name(name: str) -> str:
    """``/layer1/layer1.0/conv1/Conv`` -> ``layer1.0.conv1``: scope parts are full paths or relative names."""
    path = ""
    for part in [p for p in name.split("/") if p][:-1]:
        path = part if not path or part.startswith(f"{path}.") else f"{path}.{part}"
    return path


def module_path(node: NodeProto, weight_name: str = "") -> str:
    """The dotted module path of the node's layer, or "" when the model does not say."""
    for prop in node.metadata_props:
        if prop.key == SCOPES_KEY:
            return _from_scopes(prop.value)
    if node.name.startswith("/"):
        return _from_scoped_name(node.name)
    if DOTTED.fullmatch(weight_name):
        return weight_name.rsplit(".", 1)[0]
    if DOTTED.fullmatch(node.name):
        return node.name
    return ""
