"""ONNX -> an editable netbuilder project with its weights: the path for transfer learning.

The ONNX nodes are read in order (ONNX requires topological order) and each is
mapped onto the catalog layer whose entry lists its operator
(`netbuilder.export.onnx_ops.converter_for`). A
node with no mapping is not skipped: every such node is collected and the
import fails once, listing them all by name. After the graph is built, it is
compiled, the weights are loaded, and the result is run against onnxruntime
on random input, so an import that would compute something else is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from netbuilder.export.errors import OnnxImportError
from netbuilder.export.onnx_attention import fold_attention
from netbuilder.export.onnx_ops import converter_for
from netbuilder.export.onnx_values import Importer, Unsupported, Value
from netbuilder.graph.grouping import group_imported
from netbuilder.graph.layout import auto_layout
from netbuilder.graph.model import Graph
from netbuilder.graph.names import identifier
from netbuilder.graph.project import Project
from netbuilder.graph.settings import DatasetSettings

if TYPE_CHECKING:
    import onnx

MAX_BYTES = 2 * 1024 ** 3  # protobuf's own limit; larger models need external data files
VERIFY_TOLERANCE = 1e-4


@dataclass
class ImportedModel:
    """The imported project, its checkpoint (state dict), and how well it reproduces the ONNX model.

    Unpacks as ``project, state = import_onnx(path)``.
    """

    project: Project
    state: dict[str, torch.Tensor]
    max_abs_diff: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.project, self.state))


def read_model(path: str | os.PathLike[str]) -> onnx.ModelProto:
    """Load and check an ONNX file; missing, truncated or garbage files give an OnnxImportError naming the file."""
    import onnx
    from google.protobuf.message import DecodeError

    from netbuilder.export.onnx_limits import check_before_loading
    from netbuilder.graph.reading import not_a_file

    p = Path(path)
    file = str(p)
    if not p.is_file():
        problem = not_a_file(p) if p.exists() else None  # a FIFO would hang the read, /dev/zero never end
        raise OnnxImportError(f"{problem} — give the path of an .onnx model" if problem else "no such file",
                              file=file)
    size = p.stat().st_size
    if size == 0:
        raise OnnxImportError("the file is empty — it is not an ONNX model", file=file)
    if size > MAX_BYTES:
        raise OnnxImportError(f"the file is {size / 1024 ** 3:.1f} GiB; models above 2 GiB are not supported",
                              file=file)
    try:
        model = onnx.load(file, load_external_data=False)  # external data only once its files are checked
    except (DecodeError, ValueError, RuntimeError, OSError) as exc:
        raise OnnxImportError(f"cannot read it as ONNX ({type(exc).__name__}: {exc}) — the file is truncated, "
                              "damaged or not an ONNX model", file=file) from None
    if not model.HasField("graph") or not model.graph.output:
        raise OnnxImportError("the file holds no ONNX graph (no outputs) — it is truncated or not an ONNX model",
                              file=file)
    if check_before_loading(model, p.parent, file):  # opset, external data files, sizes against memory
        try:
            onnx.load_external_data_for_model(model, str(p.parent))
        except (OSError, ValueError, onnx.checker.ValidationError) as exc:
            raise OnnxImportError(f"its external data cannot be read ({exc})", file=file) from None
    try:
        onnx.checker.check_model(model)
    except UnicodeDecodeError:  # the checker decodes names; a damaged one is not UTF-8
        raise OnnxImportError("a name inside the model is not valid UTF-8 text — the file is damaged",
                              file=file) from None
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise OnnxImportError(f"the ONNX checker rejects the model ({first}) — it is damaged or truncated",
                              file=file) from None
    return model


def import_onnx(path: str | os.PathLike[str], *, name: str | None = None, verify: bool = True) -> ImportedModel:
    """Turn the ONNX model at ``path`` into a Project (one graph, ``model``) plus its weights.

    Raises OnnxImportError listing every unsupported node (by node name) at
    once, or when the rebuilt network does not reproduce onnxruntime's outputs.
    """
    import onnx

    file = str(path)
    model = read_model(path)
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # shape inference is a help, not a requirement
        inferred = model
    folded = fold_attention(inferred)  # self-attention chains become one node each, before the walk
    ctx = Importer(inferred, file)
    ctx.notes.extend(folded)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    ctx.opset = opset
    inputs = ctx.read_inputs()
    for node in inferred.graph.node:
        ctx.convert(node, converter_for)
    outputs = [(o.name, ctx.values.get(o.name)) for o in inferred.graph.output]
    for out_name, value in outputs:
        if value is None:
            continue  # the node that should produce it is already listed
        try:
            ctx.use(value, f"graph output '{out_name}'")
        except Unsupported as exc:
            ctx.unsupported[f"graph output '{out_name}'"] = str(exc)
    ctx.check_rnn_uses()
    if ctx.unsupported:
        lines = "\n".join(f"  - {n}: {why}" for n, why in ctx.unsupported.items())
        raise OnnxImportError(f"{len(ctx.unsupported)} ONNX node(s) have no netbuilder layer, so nothing was "
                              f"imported:\n{lines}", ctx.unsupported, file)
    graph, state = _build_graph(ctx, inputs, outputs)
    meta = {p.key: p.value for p in model.metadata_props}
    project = Project(name=name or meta.get("project") or Path(file).stem, graphs={"model": graph},
                      dataset=DatasetSettings(meta.get("dataset", "digits")),
                      description=f"Imported from {Path(file).name}.")
    result = ImportedModel(project, state, notes=list(ctx.notes))
    if verify:
        result.max_abs_diff = _verify(file, graph, state, [i for i, _ in inputs], result.notes)
    return result


def _build_graph(ctx: Importer, inputs: list[tuple[str, Value]],
                 outputs: list[tuple[str, Value | None]]) -> tuple[Graph, dict[str, torch.Tensor]]:
    from netbuilder.compile.builder import attribute_names

    graph = Graph("model")
    ids: dict[int, str] = {}  # id(Layer or input Value) -> graph node id
    for onnx_name, value in inputs:
        node = graph.add_node("Input", name=_identifier(onnx_name), params=value.input_params)
        ids[id(value)] = node.id
    out_nodes = [graph.add_node("Output", name=_identifier(n)) for n, _ in outputs]
    layers = ctx.live_layers([value for _, value in outputs if value is not None])
    paths: dict[str, str] = {}  # node id -> the PyTorch module it came from, for blocks
    for layer in layers:
        node = graph.add_node(layer.type, name=layer.name, params=layer.params)
        ids[id(layer)] = node.id
        paths[node.id] = layer.path
        ports = [p.name for p in node.spec.inputs]
        for port, value in zip(ports, layer.inputs):
            graph.connect(ids[id(value.producer)], value.port, node.id, port)
    for out, (_, result) in zip(out_nodes, outputs):
        assert result is not None  # import_onnx lists a missing output as unsupported before building
        graph.connect(ids[id(result.producer)], result.port, out.id, "in")
    group_imported(graph, paths)  # blocks named after the source's modules, or its repeated structure
    auto_layout(graph)
    attr = attribute_names(graph)
    state: dict[str, torch.Tensor] = {}
    for layer in layers:
        prefix = attr[ids[id(layer)]]
        for key, array in layer.weights.items():
            state[f"{prefix}.{key}"] = torch.from_numpy(np.array(array, copy=True))  # writable, owned
    return graph, state


def _identifier(name: str) -> str:
    """A node name for an ONNX value name: ``input.1`` -> ``input_1`` (see `netbuilder.graph.names`)."""
    return identifier(identifier(name, "value").strip("_"), "value")


def _verify(file: str, graph: Graph, state: dict[str, torch.Tensor], onnx_inputs: list[str],
            notes: list[str]) -> dict[int, float]:
    """Compile the imported graph, load its weights, and compare it with onnxruntime on the original file."""
    from netbuilder.compile import GraphCompileError, build
    from netbuilder.export import parity
    from netbuilder.export.errors import ExportError

    try:
        compiled = build(graph, "inference")
        compiled.load_state_dict(state)
    except (GraphCompileError, RuntimeError) as exc:
        raise OnnxImportError(f"the imported graph does not compile: {exc}", file=file) from None
    compiled.eval()
    shapes = [(compiled.input_shapes[n].dims, compiled.input_shapes[n].dtype) for n in compiled.input_names]
    batches = _batch_sizes(file)
    try:
        result = parity.compare(file, compiled.model, onnx_inputs, shapes, batch_sizes=batches,
                                tolerance=VERIFY_TOLERANCE, reference_fallback=True)
    except ExportError as exc:
        raise OnnxImportError(f"the imported graph does not reproduce the ONNX model, so it was not imported: "
                              f"{str(exc).split(': ', 1)[-1]}", file=file) from None
    if result.engine != "onnxruntime":
        notes.append(f"onnxruntime cannot run this model, so it was checked with {result.engine} instead")
    return result.max_abs_diff


def _batch_sizes(file: str) -> tuple[int, ...]:
    """(1, 7) for a dynamic batch axis; the fixed batch size otherwise."""
    import onnx

    model = onnx.load(file, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    for inp in model.graph.input:
        if inp.name in inits:
            continue
        dims = inp.type.tensor_type.shape.dim
        if dims and dims[0].HasField("dim_value") and dims[0].dim_value > 0:
            return (dims[0].dim_value,)
    return (1, 7)
