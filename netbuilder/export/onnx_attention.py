"""Self-attention written out by an exporter, folded back into one MultiheadAttention layer.

`torch.onnx.export` writes ``nn.MultiheadAttention`` (and hand-written attention) as a chain of plain operators:
projections (MatMul + Add, or Gemm), Reshape/Transpose/Gather steps that split the heads, a MatMul of two
activations, Softmax, a second MatMul, the heads merged back and an output projection. No single node of that
chain is a netbuilder layer, but together they are exactly one. Before the import walks the graph, this pass
finds each such chain by its structure and replaces it with one node of a private domain that the importer maps
onto the catalog's MultiheadAttention:

- anchored on a Softmax whose input is a MatMul of two activations (optionally scaled by constants) and whose
  output is multiplied (MatMul) with a third activation;
- the three operands traced back through layout steps (Reshape, Transpose, Squeeze, Unsqueeze, Gather, Slice,
  Split, constant scaling) to linear projections (MatMul by a constant matrix, + a constant bias, or Gemm) of one
  common input; one packed projection (torch's in_proj) or three separate ones;
- the result traced forward through layout steps, one output projection, and layout steps back to the input's
  shape.

The structure only proposes a fold: the sub-model between the input and the output is then run in onnxruntime
and compared with ``torch.nn.MultiheadAttention`` holding the traced weights (each head count that divides the
width); only a fold that reproduces it within 1e-5 is made. Anything else is left as it was, and the importer
refuses it as before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import torch
from onnx import ModelProto, NodeProto, TensorProto, helper, numpy_helper

from netbuilder.export.onnx_values import TENSOR, Importer, Value

DOMAIN = "netbuilder.folded"
OP = "MultiheadAttention"
TOLERANCE = 1e-5
# Steps that move values between layouts (or scale them by a constant) without mixing features.
_LAYOUT = frozenset({"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Gather", "Slice", "Split", "Identity", "Cast",
                     "Mul", "Div", "Dropout"})


@dataclass
class _Projection:
    """A linear map of an activation: ``x @ weight.T + bias`` in torch's layout."""

    x: str
    weight: np.ndarray
    bias: np.ndarray | None
    output: str  # the tensor it computes (the Add's output when it has a bias)


class _Graph:
    """Who computes and who reads each tensor, and which tensors are constants."""

    def __init__(self, model: ModelProto) -> None:
        self.model = model
        self.producer: dict[str, NodeProto] = {}
        self.readers: dict[str, list[NodeProto]] = defaultdict(list)
        for node in model.graph.node:
            for name in node.output:
                self.producer[name] = node
            for name in node.input:
                self.readers[name].append(node)
        # The constants as stored: converted to numpy only when read (`const`), since most are weights the
        # search never looks at, and the graph is rebuilt after each fold.
        self.consts: dict[str, TensorProto] = {i.name: i for i in model.graph.initializer}
        for node in model.graph.node:
            if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                self.consts[node.output[0]] = node.attribute[0].t
            elif node.op_type == "Identity" and node.input[0] in self.consts:  # TorchScript shares equal weights
                self.consts[node.output[0]] = self.consts[node.input[0]]
        self._arrays: dict[str, np.ndarray] = {}
        self.outputs = {o.name for o in model.graph.output}
        self.shapes: dict[str, list[int | str | None]] = {}  # inferred shapes, a symbolic axis by its name
        for vi in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
            t = vi.type.tensor_type
            if t.HasField("shape"):
                self.shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                                        for d in t.shape.dim]

    def const(self, name: str) -> np.ndarray | None:
        if name not in self._arrays:
            proto = self.consts.get(name)
            if proto is None:
                return None
            self._arrays[name] = numpy_helper.to_array(proto)
        return self._arrays[name]

    def data_input(self, node: NodeProto) -> str | None:
        """The one activation a layout step moves (its other inputs are constants or shape arithmetic)."""
        if node.op_type in ("Mul", "Div"):  # a scale: a constant, or one computed from shapes (1/√d)
            others = [i for i in node.input if not self.from_shapes(i)]
            ok = len(others) == 1 and len(node.input) == 2
            return others[0] if ok and (node.op_type == "Mul" or node.input[0] == others[0]) else None
        return node.input[0] if node.input else None

    def from_shapes(self, name: str, depth: int = 0) -> bool:
        """Whether ``name`` is a constant or arithmetic on constants and tensor shapes (no tensor's values)."""
        if self.const(name) is not None:
            return True
        node = self.producer.get(name)
        if node is None or depth > 32:
            return False
        return node.op_type in ("Shape", "Size") or all(self.from_shapes(i, depth + 1) for i in node.input if i)

    def projection(self, name: str) -> _Projection | None:
        """The linear map computing ``name``: Gemm, MatMul by a constant matrix, or that MatMul + a constant."""
        node = self.producer.get(name)
        if node is None:
            return None
        bias = None
        if node.op_type == "Add":
            consts = [self.const(i) for i in node.input]
            if sum(c is not None for c in consts) != 1:
                return None
            bias = next(c for c in consts if c is not None)
            inner = next(i for i, c in zip(node.input, consts) if c is None)
            found = self.projection(inner)
            if found is None or found.bias is not None or len(self.readers[inner]) != 1:
                return None
            return _Projection(found.x, found.weight, bias.reshape(-1), name)
        weight = self.const(node.input[1]) if len(node.input) > 1 else None
        if weight is None or weight.ndim != 2:
            return None
        if node.op_type == "MatMul":
            return _Projection(node.input[0], weight.T, None, name)
        if node.op_type == "Gemm":
            a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
            if a.get("transA", 0):
                return None
            w = (weight if a.get("transB", 0) else weight.T) * a.get("alpha", 1.0)
            b = self.const(node.input[2]) if len(node.input) > 2 else None
            return _Projection(node.input[0], w, None if b is None else (b * a.get("beta", 1.0)).reshape(-1), name)
        return None

    def back_to_projection(self, name: str) -> _Projection | None:
        """Follow layout steps back from ``name`` to the projection that made it."""
        for _ in range(32):
            found = self.projection(name)
            if found is not None:
                return found
            node = self.producer.get(name)
            if node is None or node.op_type not in _LAYOUT:
                return None
            step = self.data_input(node)
            if step is None:
                return None
            name = step
        return None

    def forward(self, name: str) -> str | None:
        """The output of the single layout step reading ``name``, if that is all that reads it."""
        # Shape readers aside: they only size later steps (and are part of the fold if those steps are).
        readers = [r for r in self.readers.get(name, []) if r.op_type not in ("Shape", "Size")]
        if len(readers) != 1 or name in self.outputs or readers[0].op_type not in _LAYOUT:
            return None
        return readers[0].output[0] if self.data_input(readers[0]) == name else None


def _chain_from(g: _Graph, start: str) -> list[str]:
    """``start`` and every tensor the layout steps after it compute, in order."""
    chain = [start]
    while (nxt := g.forward(chain[-1])) is not None and len(chain) < 32:
        chain.append(nxt)
    return chain


@dataclass
class _Attention:
    """A proposed fold: the attention's input and output tensors and its weights in torch's layout."""

    inputs: list[str]  # the input, or (first) the tensor a Transpose to time-major was taken of, then the input
    output_chain: list[str]  # tensors after the output projection; the fold ends on one of the input's shape
    weights: list[np.ndarray]  # in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias


def _candidate(g: _Graph, softmax: NodeProto) -> _Attention | None:
    """The attention around one Softmax, as its structure proposes it (not yet checked by running it)."""
    node = g.producer.get(softmax.input[0])
    while node is not None and node.op_type in ("Mul", "Div") and g.data_input(node) is not None:
        node = g.producer.get(g.data_input(node) or "")
    if node is None or node.op_type != "MatMul" or any(g.const(i) is not None for i in node.input):
        return None
    readers = g.readers[softmax.output[0]]
    if len(readers) != 1 or readers[0].op_type != "MatMul" or readers[0].input[0] != softmax.output[0]:
        return None
    context = readers[0]
    q, k, v = (g.back_to_projection(t) for t in (node.input[0], node.input[1], context.input[1]))
    if q is None or k is None or v is None or len({q.x, k.x, v.x}) != 1:
        return None
    if q.output == k.output == v.output:  # one packed projection, torch's in_proj: [q; k; v]
        in_w, in_b = q.weight, q.bias
    elif len({q.output, k.output, v.output}) == 3:
        in_w = np.concatenate([q.weight, k.weight, v.weight])
        in_b = np.concatenate([p.bias if p.bias is not None else np.zeros(p.weight.shape[0], np.float32)
                               for p in (q, k, v)])
    else:
        return None
    width = in_w.shape[1]
    if in_w.shape != (3 * width, width):
        return None
    last = _chain_from(g, context.output[0])[-1]  # the heads merged back: what the output projection reads
    if len(g.readers.get(last, [])) != 1:
        return None
    out = g.projection(_projection_end(g, g.readers[last][0]))
    if out is None or out.x != last or out.weight.shape != (width, width):
        return None
    inputs = [q.x]
    before = g.producer.get(q.x)
    if before is not None and before.op_type == "Transpose" and _perm(before) == [1, 0, 2]:
        inputs.insert(0, before.input[0])  # the batch-first sequence made time-major for the attention
    zeros = np.zeros(3 * width, np.float32)
    return _Attention(inputs, _chain_from(g, out.output),
                      [in_w, zeros if in_b is None else in_b, out.weight,
                       out.bias if out.bias is not None else np.zeros(width, np.float32)])


def _perm(node: NodeProto) -> list[int]:
    return next((list(helper.get_attribute_value(a)) for a in node.attribute if a.name == "perm"), [])


def _projection_end(g: _Graph, reader: NodeProto) -> str:
    """The tensor a projection starting at ``reader`` ends on: its Add of a bias, if it has one."""
    out = reader.output[0]
    readers = g.readers.get(out, [])
    if reader.op_type == "MatMul" and len(readers) == 1 and readers[0].op_type == "Add":
        return readers[0].output[0]
    return out


def _region(g: _Graph, x: str, y: str) -> list[NodeProto] | None:
    """The nodes computing ``y`` from ``x`` (Constant nodes left out), in graph order, if nothing outside them
    reads what they compute (but ``y``) and they need no other graph input."""
    inside: dict[int, NodeProto] = {}
    todo = [y]
    seen = {x}
    while todo:
        name = todo.pop()
        if name in seen or g.const(name) is not None:
            continue
        seen.add(name)
        node = g.producer.get(name)
        if node is None:
            return None  # another graph input: not attention of x alone
        inside[id(node)] = node
        todo.extend(i for i in node.input if i)
    for node in inside.values():
        for out in node.output:
            if out != y and (out in g.outputs or any(id(r) not in inside for r in g.readers.get(out, []))):
                return None
    return [n for n in g.model.graph.node if id(n) in inside]


def _sub_model(g: _Graph, region: list[NodeProto], x: str, y: str) -> ModelProto:
    """The region as a model of its own, for onnxruntime: its nodes, the constants they read (as initializers,
    wherever they came from: initializers, Constant or Identity nodes), x in, y out."""
    used = {i for n in region for i in n.input}
    inits = [numpy_helper.from_array(array, name) for name in g.consts
             if name in used and (array := g.const(name)) is not None]
    shape = g.shapes[x]
    graph = helper.make_graph(region, "attention",
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, shape)],
                              [helper.make_empty_tensor_value_info(y)], inits)
    return helper.make_model(graph, opset_imports=list(g.model.opset_import), ir_version=g.model.ir_version)


def _heads_that_reproduce(g: _Graph, region: list[NodeProto], x: str, y: str,
                          weights: list[np.ndarray]) -> int | None:
    """The head count for which torch's MultiheadAttention (batch first) computes what the region does."""
    import onnxruntime as ort

    shape = g.shapes.get(x)
    if shape is None or len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
        return None
    dims = [shape[0] if isinstance(shape[0], int) and shape[0] > 0 else 2, *(int(d or 1) for d in shape[1:])]
    sample = np.random.default_rng(0).standard_normal(dims).astype(np.float32)
    try:
        model = _sub_model(g, region, x, y)
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        expected = session.run(None, {x: sample})[0]
    except Exception:  # a region onnxruntime cannot run alone is not folded
        return None
    in_w, in_b, out_w, out_b = (torch.from_numpy(np.array(w, np.float32)) for w in weights)
    width = in_w.shape[1]
    for heads in [h for h in range(1, width + 1) if width % h == 0]:
        mha = torch.nn.MultiheadAttention(width, heads, batch_first=True).eval()
        with torch.no_grad():
            mha.in_proj_weight.copy_(in_w)
            mha.in_proj_bias.copy_(in_b)
            mha.out_proj.weight.copy_(out_w)
            mha.out_proj.bias.copy_(out_b)
            got = mha(*(torch.from_numpy(sample),) * 3, need_weights=False)[0].numpy()
        if got.shape == expected.shape and float(np.max(np.abs(got - expected))) <= TOLERANCE:
            return heads
    return None


def _fold_one(g: _Graph, found: _Attention) -> tuple[str, str, list[NodeProto], int] | None:
    """(input, output, region, heads) of the first reading of ``found`` that runs as MultiheadAttention does."""
    for x in found.inputs:
        for y in reversed([t for t in found.output_chain if g.shapes.get(t) == g.shapes.get(x)]):
            region = _region(g, x, y)
            heads = _heads_that_reproduce(g, region, x, y, found.weights) if region else None
            if region and heads is not None:
                return x, y, region, heads
    return None


def fold_attention(model: ModelProto) -> list[str]:
    """Replace each self-attention chain in ``model`` (in place) by one folded node; returns notes on them."""
    notes: list[str] = []
    tried: set[str] = set()  # Softmax outputs already looked at and left alone
    if not any(n.op_type == "Softmax" for n in model.graph.node):
        return notes  # no attention to find: the graph's index is not worth building
    while True:  # one fold per pass: the graph changes under the search
        g = _Graph(model)
        for softmax in [n for n in model.graph.node if n.op_type == "Softmax" and n.output[0] not in tried]:
            tried.add(softmax.output[0])
            found = _candidate(g, softmax)
            if found is None:
                continue
            done = _fold_one(g, found)
            if done is not None:
                x, y, region, heads = done
                _replace(model, region, y, x, found.weights, heads, len(notes))
                notes.append(f"self-attention from '{x}' to '{y}' ({len(region)} ONNX nodes) became one "
                             f"MultiheadAttention with {heads} head(s)")
                break
        else:
            return notes


def _replace(model: ModelProto, region: list[NodeProto], y: str, x: str, weights: list[np.ndarray], heads: int,
             index: int) -> None:
    names = [f"attention_{index}.{k}" for k in ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")]
    model.graph.initializer.extend(numpy_helper.from_array(np.asarray(w, np.float32), n)
                                   for n, w in zip(names, weights))
    fused = helper.make_node(OP, [x, *names], [y], name=f"attention_{index}", domain=DOMAIN, num_heads=heads)
    drop = {id(n) for n in region}
    kept: list[NodeProto] = []
    for node in model.graph.node:  # the folded node where the region's last node was: after x, before y's readers
        if id(node) not in drop:
            kept.append(node)
        elif y in node.output:
            kept.append(fused)
    del model.graph.node[:]
    model.graph.node.extend(kept)
    if not any(o.domain == DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(DOMAIN, 1))


def convert(ctx: Importer, node: NodeProto) -> None:
    """The folded node as the catalog's MultiheadAttention, with torch's weight names."""
    x = ctx.tensor(node, 0)
    heads = next(helper.get_attribute_value(a) for a in node.attribute if a.name == "num_heads")
    weights = {k: ctx.const(node, i, k) for i, k in
               enumerate(("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"), start=1)}
    layer = ctx.add_layer("MultiheadAttention", node, {"num_heads": int(heads), "dropout": 0.0}, [x], weights)
    ctx.output(node, Value(TENSOR, layer))


