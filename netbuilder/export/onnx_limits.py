"""What an ONNX model asks for, checked before anything of it is loaded whole or made dense.

`read_model` loads the file without its external data and calls
`check_before_loading`: the opset must be one the importer and onnxruntime
know; every external data file must be a regular file inside the model's
folder holding the bytes the tensor announces; sparse tensors (4 TB when made
dense for a 10^6×10^6 one) and the whole model must fit in the memory this
process can still have. Each refusal is an `OnnxImportError` naming the model
and the tensor.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netbuilder.export.errors import OnnxImportError
from netbuilder.graph.memory import TooLarge, check_allocation
from netbuilder.graph.reading import not_a_file

if TYPE_CHECKING:
    import onnx

# The oldest opset import handles (legacy broadcasting, BatchNorm attributes, Softmax flattening): PyTorch's
# operator tests in the onnx package are opset 6 and import; onnxruntime runs them. Older ones it cannot.
MIN_OPSET = 6
# Loading holds the protobuf, the numpy weights made from it and the torch tensors at once.
COPIES = 3


def check_before_loading(model: onnx.ModelProto, folder: Path, file: str) -> int:
    """`OnnxImportError` for an opset too old, external data that cannot or may not be read, or tensors too
    large for memory; ``model`` is loaded without its external data. Returns the external data's bytes."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is not None and opset < MIN_OPSET:
        raise OnnxImportError(f"the model uses ONNX opset {opset}; netbuilder imports opset {MIN_OPSET} and later — "
                              "convert it first (onnx.version_converter.convert_version(model, 13))", file=file)
    external = sum(_external_bytes(t, folder, file) for t in _tensors(model.graph) if _is_external(t))
    dense = sum(_dense_bytes(s) for s in _sparse_tensors(model.graph))
    try:
        size = os.path.getsize(file)
    except OSError:
        size = 0
    try:
        check_allocation(COPIES * (size + external) + dense, f"{file}: importing the model (its weights"
                         + (f", {dense:,} bytes when its sparse tensors are made dense" if dense else "") + ")")
    except TooLarge as exc:
        raise OnnxImportError(f"{str(exc).split(': ', 1)[-1]} — the model is too large to import here",
                              file=file) from None
    return external


def _is_external(tensor: onnx.TensorProto) -> bool:
    from onnx import TensorProto

    return tensor.HasField("data_location") and tensor.data_location == TensorProto.EXTERNAL


def _external_bytes(tensor: onnx.TensorProto, folder: Path, file: str) -> int:
    """The bytes of ``tensor``'s external data, after checking where they are and that the file holds them."""
    info = {entry.key: entry.value for entry in tensor.external_data}
    location = info.get("location", "")
    name = tensor.name or "(unnamed)"
    target = (folder / location).resolve()
    base = folder.resolve()
    if not location or Path(location).is_absolute() or (target != base and base not in target.parents):
        raise OnnxImportError(f"the tensor '{name}' keeps its data in {location!r}, outside the model's folder — "
                              "netbuilder reads external data only from beside the model", file=file)
    if not target.exists():
        raise OnnxImportError(f"the tensor '{name}' keeps its data in {location!r}, which is not beside the model "
                              "— copy that file next to it", file=file)
    problem = not_a_file(target)
    if problem is not None:
        raise OnnxImportError(f"the tensor '{name}' keeps its data in {location!r}, which {problem}", file=file)
    try:
        offset, length = int(info.get("offset", "0") or 0), info.get("length")
    except ValueError:
        raise OnnxImportError(f"the tensor '{name}' has an external data offset that is not a number", file=file) \
            from None
    declared = _declared_bytes(tensor)
    held = target.stat().st_size - offset
    need = int(length) if length and length.isdigit() else declared if declared is not None else held
    if offset < 0 or need > held or (declared is not None and need != declared):
        raise OnnxImportError(f"the tensor '{name}' announces {need if declared is None else declared:,} bytes of "
                              f"data in {location!r}, which holds {max(held, 0):,} from offset {offset} — the data "
                              "file does not match the model", file=file)
    return need


def _declared_bytes(tensor: onnx.TensorProto) -> int | None:
    """Bytes of a dense tensor as its dims and type announce them (None for strings and unknown types)."""
    itemsize = _itemsize(tensor.data_type)
    return None if itemsize is None else math.prod(tensor.dims) * itemsize


def _dense_bytes(sparse: onnx.SparseTensorProto) -> int:
    return math.prod(sparse.dims) * (_itemsize(sparse.values.data_type) or 1)


def _itemsize(data_type: int) -> int | None:
    from onnx import TensorProto, helper

    if data_type in (TensorProto.STRING, TensorProto.UNDEFINED):
        return None
    try:
        return int(helper.tensor_dtype_to_np_dtype(data_type).itemsize)
    except (KeyError, ValueError, TypeError):
        return None


def _attribute_walk(graph: onnx.GraphProto) -> Iterator[onnx.AttributeProto]:
    """Every node attribute of a graph and of its subgraphs (If/Loop/Scan bodies)."""
    for node in graph.node:
        for attr in node.attribute:
            yield attr
            if attr.HasField("g"):
                yield from _attribute_walk(attr.g)
            for sub in attr.graphs:
                yield from _attribute_walk(sub)


def _subgraphs(graph: onnx.GraphProto) -> Iterator[onnx.GraphProto]:
    """The graph itself and every subgraph inside it."""
    yield graph
    for attr in _attribute_walk(graph):
        if attr.HasField("g"):
            yield attr.g
        yield from attr.graphs


def _stored(graph: onnx.GraphProto, initializers: str, one: str, many: str) -> Iterator[Any]:
    """Every tensor a graph stores in the fields named: initializers, and Constant-style attributes holding one
    or many, in subgraphs too."""
    for sub in _subgraphs(graph):
        yield from getattr(sub, initializers)
    for attr in _attribute_walk(graph):
        if attr.HasField(one):
            yield getattr(attr, one)
        yield from getattr(attr, many)


def _tensors(graph: onnx.GraphProto) -> Iterator[onnx.TensorProto]:
    """Every dense tensor of a graph: initializers and node attributes, in subgraphs too."""
    return _stored(graph, "initializer", "t", "tensors")


def _sparse_tensors(graph: onnx.GraphProto) -> Iterator[onnx.SparseTensorProto]:
    """Every sparse tensor: sparse initializers and Constant ``sparse_value`` attributes, in subgraphs too."""
    return _stored(graph, "sparse_initializer", "sparse_tensor", "sparse_tensors")
