"""Graph -> torch.fx GraphModules whose submodules are named after the nodes.

Two GraphModules share one set of layer modules:

- ``model`` is the inference path: ``forward(*inputs)`` returns the Output
  nodes' tensors (one tensor, or a tuple in Output order); a training graph
  drawn without an Output returns what its losses are fed. It is what ONNX
  export and code export see.
- ``training`` adds the targets and the loss nodes: ``forward(*inputs,
  *targets)`` returns ``(total_loss, predictions)`` where ``predictions`` holds
  the tensor fed into each loss node, in loss order (for metrics).

fx generates plain Python for ``forward`` (``print(compiled.model.code)``), so a
compiled graph runs exactly the calls a hand-written module would
(bench/compile_overhead.py measures it). Each fx node that carries a graph
node's output has that node's name in ``meta["netbuilder_node"]``, which is how
measured shapes and runtime errors name the node the user drew.
"""

from __future__ import annotations

import importlib
import operator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import torch
from torch import fx, nn

from netbuilder.compile.errors import GraphCompileError, NodeRuntimeError
from netbuilder.compile.initialization import add_gate_biases, freeze, gate_bias_slices, initialise
from netbuilder.compile.ops import last_time_step
from netbuilder.graph.analysis import Analysis, analyze
from netbuilder.graph.catalog import TensorShape
from netbuilder.graph.diagnostics import ERROR, Diagnostic
from netbuilder.graph.model import Edge, Graph, Node
from netbuilder.graph.names import class_name, unique_identifiers

# Attribute names a module may not take: those of nn.Module, of the ModuleDict holding the layers
# (keys, items, values, update…), of the fx GraphModules that call them (whose forward calls its
# first argument self), and of the generated class.
_RESERVED = (set(dir(nn.ModuleDict())) | set(dir(fx.GraphModule(nn.Module(), fx.Graph())))
             | {"forward", "code", "graph", "modules", "compute_loss", "self"})


def module_class(dotted: str) -> type[nn.Module]:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def attribute_names(graph: Graph) -> dict[str, str]:
    """node id -> a Python attribute name for its module, derived from the node's name."""
    nodes = list(graph.nodes.values())
    return dict(zip((n.id for n in nodes), unique_identifiers((n.name for n in nodes), _RESERVED)))


@dataclass
class CompiledGraph:
    """A graph made runnable. ``modules`` holds every layer (its state dict is the checkpoint)."""

    graph_name: str
    modules: nn.ModuleDict
    model: fx.GraphModule
    training: fx.GraphModule | None
    input_names: list[str]
    output_names: list[str]
    target_names: list[str]
    loss_names: list[str]
    input_shapes: dict[str, TensorShape]
    output_shapes: dict[str, TensorShape]
    target_shapes: dict[str, TensorShape]
    analysis: Analysis
    frozen: list[str] = field(default_factory=list)  # module names whose weights do not train
    node_for_module: dict[str, str] = field(default_factory=dict)  # module name -> node name

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.modules.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor], strict: bool = True) -> tuple[list[str], list[str]]:
        """Load the layers' weights; returns (missing keys, unexpected keys), both empty when ``strict``."""
        return self.modules.load_state_dict(state, strict=strict)

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> CompiledGraph:
        self.modules.to(device=device, dtype=dtype)
        return self

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.modules.parameters() if p.requires_grad]

    def train(self, mode: bool = True) -> CompiledGraph:
        self.modules.train(mode)
        for name in self.frozen:  # a frozen BatchNorm keeps its running statistics too
            self.modules[name].eval()
        return self

    def eval(self) -> CompiledGraph:
        return self.train(False)

    def example_inputs(self, batch: int = 2, device: torch.device | str | None = None) -> list[torch.Tensor]:
        """Random inputs of the inferred shapes; token ids stay below the smallest Embedding vocabulary."""
        vocab = min((int(n.values()["num_embeddings"]) for n in self._graph_nodes.values() if n.type == "Embedding"),
                    default=2)
        return [_random(self.input_shapes[n], batch, device, high=vocab) for n in self.input_names]

    def example_targets(self, batch: int = 2, device: torch.device | str | None = None) -> list[torch.Tensor]:
        """Random targets: class ids below the class count, values in [0, 1) (valid for every loss, BCE too)."""
        return [_random(self.target_shapes[n], batch, device, high=self._classes(n), unit=True)
                for n in self.target_names]

    def _classes(self, target_name: str) -> int:
        for node in self._graph_nodes.values():
            if node.name == target_name and node.spec.role == "target":
                return int(node.values().get("classes", 2))
        return 2

    _graph_nodes: dict[str, Node] = field(default_factory=dict, repr=False)


def _random(shape: TensorShape, batch: int, device: torch.device | str | None, high: int = 2,
            unit: bool = False) -> torch.Tensor:
    if shape.dtype == "int":
        return torch.randint(0, high, (batch, *shape.dims), device=device)
    if unit:
        return torch.rand(batch, *shape.dims, device=device)
    return torch.randn(batch, *shape.dims, device=device)


def build(graph: Graph, purpose: str = "train", *, device: torch.device | str | None = None,
          dtype: torch.dtype | None = None) -> CompiledGraph:
    """Compile ``graph``; refuses a graph with errors (GraphCompileError lists them)."""
    analysis = analyze(graph, purpose)
    if analysis.errors:
        raise GraphCompileError(graph.name, analysis.errors)
    attr = attribute_names(graph)
    modules = nn.ModuleDict()
    frozen: list[str] = []
    for nid in analysis.order:
        node = graph.nodes[nid]
        tspec = node.spec.torch
        if tspec is None or tspec.module is None:
            continue
        values, info = node.values(), analysis.nodes[nid]
        args = tspec.args(values, info.inputs)
        module = module_class(tspec.module)(**args)
        initialise(module, node.init, node.init_std)
        add_gate_biases(module, gate_bias_slices(module, tspec.gate_biases, values, args))
        # Buffers count too: a BatchNorm with affine off has no parameters, yet its running statistics
        # would still move in train mode.
        if not node.trainable and any(True for _ in (*module.parameters(), *module.buffers())):
            freeze(module)
            frozen.append(attr[nid])
        modules[attr[nid]] = module
    if device is not None or dtype is not None:
        modules.to(device=device, dtype=dtype)

    role = {nid: graph.nodes[nid].spec.role for nid in graph.nodes}
    inputs = [n for n in graph.nodes.values() if role[n.id] == "input"]
    targets = [n for n in graph.nodes.values() if role[n.id] == "target"]
    outputs = [n for n in graph.nodes.values() if role[n.id] == "output"]
    losses = [n for n in graph.nodes.values() if role[n.id] == "loss"]
    # What inference returns: the Outputs, or for a training graph drawn without one, what its losses are fed.
    if outputs:
        results = [(o.name, _wire_into(graph, o, "in")) for o in outputs]
    else:
        fed = {(e.source, e.source_port): e for n in losses for e in [_wire_into(graph, n, "pred")]}
        results = [(graph.nodes[e.source].name, e) for e in fed.values()]  # once each, if losses share one
    if not results:
        raise GraphCompileError(graph.name, [Diagnostic(
            ERROR, "no_output", "the network has neither an Output nor a loss, so running it computes nothing — "
            "wire the last layer into an Output", graph=graph.name)])

    model = _emit(graph, analysis, attr, modules, inputs, [], [e for _, e in results], [])
    training = _emit(graph, analysis, attr, modules, inputs, targets, [], losses) if losses else None

    def shape_of(node: Node) -> TensorShape:
        return _known(analysis.output_shape(node.id), graph, node)

    return CompiledGraph(
        graph_name=graph.name, modules=modules, model=model, training=training,
        input_names=[n.name for n in inputs], output_names=[name for name, _ in results],
        target_names=[n.name for n in targets], loss_names=[n.name for n in losses],
        input_shapes={n.name: shape_of(n) for n in inputs},
        output_shapes={name: analysis.edge_shapes[e.id] for name, e in results},
        target_shapes={n.name: shape_of(n) for n in targets},
        analysis=analysis, frozen=frozen,
        node_for_module={attr[nid]: graph.nodes[nid].name for nid in graph.nodes},
        _graph_nodes=dict(graph.nodes),
    )


def _wire_into(graph: Graph, node: Node, port: str) -> Edge:
    """The wire into a required port (analysis refuses a graph that lacks one, so this is a safeguard)."""
    edge = graph.edge_into(node.id, port)
    if edge is None:
        raise GraphCompileError(graph.name, [Diagnostic(
            ERROR, "unconnected", f"{node.type} '{node.name}' has nothing connected to its {port!r} port",
            node.id, graph=graph.name)])
    return edge


def _known(shape: TensorShape | None, graph: Graph, node: Node) -> TensorShape:
    """An Input's or Target's inferred shape (analysis infers one for every such node of a graph it accepts)."""
    if shape is None:
        raise GraphCompileError(graph.name, [Diagnostic(
            ERROR, "shape", f"{node.type} '{node.name}': its shape is unknown", node.id, graph=graph.name)])
    return shape


def build_module(graph: Graph, purpose: str = "inference", **options: Any) -> fx.GraphModule:
    """The inference ``nn.Module`` of ``graph`` (``build(graph, ...).model``); see `build` for the options."""
    return build(graph, purpose, **options).model


def _emit(graph: Graph, analysis: Analysis, attr: dict[str, str], modules: nn.ModuleDict, inputs: list[Node],
          targets: list[Node], results: list[Edge], losses: list[Node]) -> fx.GraphModule:
    """One fx graph computing the ``results`` wires (inference) or the summed ``losses`` (training)."""
    sinks = [e.source for e in results] + [n.id for n in losses]
    needed = set(sinks)
    for s in sinks:
        needed |= nx.ancestors(graph.nx, s)
    fxg = fx.Graph()
    value: dict[tuple[str, str], fx.Node] = {}
    for node in inputs + targets:
        value[(node.id, "out")] = _labelled(fxg.placeholder(attr[node.id]), node)
    loss_values: list[fx.Node] = []
    predictions: list[fx.Node] = []
    for nid in analysis.order:
        node = graph.nodes[nid]
        if nid not in needed or node.spec.role in ("input", "target", "output"):
            continue
        args = [value[(e.source, e.source_port)] for e in _ordered_inputs(graph, node)]
        if node.spec.role == "loss":
            loss_values.append(_labelled(fxg.call_module(attr[nid], tuple(args)), node))
            predictions.append(args[0])
            continue
        result = _call(fxg, node, attr[nid], args, analysis)
        if len(node.spec.outputs) == 1:
            value[(nid, node.spec.outputs[0].name)] = _labelled(result, node)
        else:
            value.update(_parts(fxg, graph, node, attr[nid], result))
    if not losses:
        returned = [value[(e.source, e.source_port)] for e in results]
        fxg.output(returned[0] if len(returned) == 1 else tuple(returned))
    else:
        total = loss_values[0]
        for extra in loss_values[1:]:
            total = fxg.create_node("call_function", operator.add, (total, extra), name="total_loss")
        fxg.output((total, tuple(predictions)))
    used = {n.target for n in fxg.nodes if n.op == "call_module"}
    root = {name: modules[name] for name in modules if name in used}
    gm = fx.GraphModule(root, fxg, class_name=_class_name(graph.name, bool(losses)))
    return gm


NODE_META = "netbuilder_node"  # fx node.meta key: the name of the graph node whose output this fx node is
PORT_META = "netbuilder_port"  # fx node.meta key: the output port whose part of a layer's tuple this fx node picks


def _labelled(fx_node: fx.Node, node: Node) -> fx.Node:
    fx_node.meta[NODE_META] = node.name
    return fx_node


def _parts(fxg: fx.Graph, graph: Graph, node: Node, name: str, result: fx.Node) -> dict[tuple[str, str], fx.Node]:
    """A layer with several output ports returns a tuple: one fx node per wired port picks its part.

    The first port's part carries the node's name (so its measured shape is the node's); a failure in
    the layer itself is still named after the node, through the parts that use it.
    """
    wired = {e.source_port for e in graph.edges_out_of(node.id)}
    parts = {}
    for i, port in enumerate(node.spec.outputs):
        if port.name in wired:
            part = fxg.create_node("call_function", operator.getitem, (result, i), name=f"{name}_{port.name}")
            part.meta[PORT_META] = port.name
            parts[(node.id, port.name)] = _labelled(part, node) if i == 0 else part
    return parts


def _class_name(graph_name: str, training: bool) -> str:
    base = class_name(graph_name, frozenset())
    return f"{base}Training" if training else base


def _ordered_inputs(graph: Graph, node: Node) -> list[Edge]:
    by_port = {e.target_port: e for e in graph.edges_into(node.id)}
    return [by_port[p.name] for p in node.spec.inputs if p.name in by_port]


def _call(fxg: fx.Graph, node: Node, name: str, args: list[fx.Node], analysis: Analysis) -> fx.Node:
    tspec = node.spec.torch
    assert tspec is not None
    values = node.values()
    kind = tspec.call
    if kind == "module":
        return fxg.call_module(name, tuple(args))
    # For multi-result modules the fx node carrying the layer's output gets the node's name,
    # so measured shapes and generated code line up with the drawing.
    if kind == "rnn":
        state = fxg.create_node("call_module", name, tuple(args), name=f"{name}_state")
        keep_all = values["return_sequence"]
        sequence = fxg.create_node("call_function", operator.getitem, (state, 0),
                                   name=name if keep_all else f"{name}_sequence")
        if keep_all:
            return sequence
        return fxg.create_node("call_function", last_time_step,
                               (sequence, values["hidden_size"], values["bidirectional"]), name=name)
    if kind == "self_attention":
        x = args[0]
        attended = fxg.create_node("call_module", name, (x, x, x), {"need_weights": False}, name=f"{name}_attention")
        return fxg.create_node("call_function", operator.getitem, (attended, 0), name=name)
    op_args = tspec.args(values, analysis.nodes[node.id].inputs)
    # Plain operations are named after the node too, so the generated code reads like the drawing.
    if kind == "add":
        return fxg.create_node("call_function", operator.add, tuple(args), name=name)
    if kind == "mul":
        return fxg.create_node("call_function", operator.mul, tuple(args), name=name)
    if kind == "cat":
        return fxg.create_node("call_function", torch.cat, (tuple(args),), {"dim": op_args["dim"]}, name=name)
    if kind == "reshape":
        return fxg.create_node("call_function", torch.reshape, (args[0], op_args["shape"]), name=name)
    raise ValueError(f"{node.type}: unknown call kind {kind!r} in the catalog")


class _Recorder(fx.Interpreter):
    """Runs a GraphModule node by node, keeping each layer's output and naming the one that fails."""

    def __init__(self, gm: fx.GraphModule, types: dict[str, str]) -> None:
        super().__init__(gm)
        self.extra_traceback = False  # our message names the node; fx's would add its own internals
        self.types = types  # graph node name -> layer type
        self.shapes: dict[str, tuple[int, ...]] = {}  # fx node name -> full shape
        self.node_shapes: dict[str, tuple[int, ...]] = {}  # graph node name -> full shape

    def run_node(self, n: fx.Node) -> Any:
        try:
            result = super().run_node(n)
        except Exception as exc:  # re-raised naming the node the user drew
            name = self._owner(n)
            raise NodeRuntimeError(name, self.types.get(name, "operation"), exc) from exc
        if isinstance(result, torch.Tensor):
            self.shapes[n.name] = tuple(result.shape)
            if NODE_META in n.meta:
                self.node_shapes[n.meta[NODE_META]] = tuple(result.shape)
        return result

    @staticmethod
    def _owner(n: fx.Node) -> str:
        """The graph node an fx node belongs to: its own label, or the labelled node it feeds (RNN internals)."""
        if NODE_META in n.meta:
            return n.meta[NODE_META]
        pending = list(n.users)
        while pending:
            user = pending.pop(0)
            if NODE_META in user.meta:
                return user.meta[NODE_META]
            pending.extend(user.users)
        return n.name


def _run(compiled: CompiledGraph, gm: fx.GraphModule, args: tuple[torch.Tensor, ...]) -> tuple[Any, _Recorder]:
    recorder = _Recorder(gm, {n.name: n.type for n in compiled._graph_nodes.values()})
    return recorder.run(*args), recorder


def run_checked(compiled: CompiledGraph, gm: fx.GraphModule, *args: torch.Tensor) -> tuple[Any, dict]:
    """Run ``gm`` node by node: returns (result, shapes by fx node name); a failure names the graph node."""
    result, recorder = _run(compiled, gm, args)
    return result, recorder.shapes


def measured_shapes(compiled: CompiledGraph, batch: int = 3) -> dict[str, tuple[int, ...]]:
    """Per-sample output shape of every layer, measured by running random inputs (node name -> dims).

    Runs in eval mode on the modules' device and dtype, and leaves the train/eval mode as it was.
    """
    tensors = [*compiled.modules.parameters(), *compiled.modules.buffers()]
    device = tensors[0].device if tensors else None
    dtype = next((t.dtype for t in tensors if t.is_floating_point()), None)

    def placed(values: list[torch.Tensor]) -> list[torch.Tensor]:
        return [v.to(dtype) if dtype is not None and v.is_floating_point() else v for v in values]

    runs = [(compiled.model, placed(compiled.example_inputs(batch, device)))]
    if compiled.training is not None:
        args = compiled.example_inputs(batch, device) + compiled.example_targets(batch, device)
        runs.append((compiled.training, placed(args)))
    was_training = compiled.modules.training
    compiled.eval()
    by_node: dict[str, tuple[int, ...]] = {}
    try:
        with torch.no_grad():
            for gm, args in runs:
                _, recorder = _run(compiled, gm, tuple(args))
                by_node.update({name: dims[1:] for name, dims in recorder.node_shapes.items()})
    finally:
        compiled.train(was_training)
    return by_node
