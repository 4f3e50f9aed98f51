"""Validate a graph and infer every tensor shape, in one pass.

Structure is checked with networkx (loops, loose ports, unreachable or dead-end
layers); shapes are inferred in topological order from the Input and Target
nodes with a symbolic batch dimension. A rule that cannot apply yields a
`Diagnostic` on its node and leaves everything downstream unknown, so one
mistake gives one message, not a cascade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from netbuilder.graph.catalog import CATALOG, ShapeError, TensorShape
from netbuilder.graph.diagnostics import ERROR, WARNING, Diagnostic
from netbuilder.graph.hints import loss_hints
from netbuilder.graph.model import Graph, Node

# What a graph is for decides which missing pieces are errors.
REQUIRES = {
    "train": ("input", "loss"),  # supervised / reconstruction model graph
    "generator": ("input", "output"),
    "discriminator": ("input", "output"),
    "inference": ("input", "output"),
    "edit": ("input",),
}


@dataclass
class NodeInfo:
    """What analysis learned about one node."""

    inputs: dict[str, TensorShape] = field(default_factory=dict)
    outputs: dict[str, TensorShape] = field(default_factory=dict)
    params: int = 0
    macs: int = 0


@dataclass
class Analysis:
    """The result of `analyze`: diagnostics, a shape per edge, and counts per node."""

    diagnostics: list[Diagnostic]
    nodes: dict[str, NodeInfo]
    edge_shapes: dict[str, TensorShape]
    order: list[str]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(i.params for i in self.nodes.values())

    @property
    def total_macs(self) -> int:
        return sum(i.macs for i in self.nodes.values())

    def for_node(self, node_id: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.node_id == node_id]

    def output_shape(self, node_id: str, port: str = "out") -> TensorShape | None:
        info = self.nodes.get(node_id)
        return info.outputs.get(port) if info else None


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# Shape rules are pure, so results are memoised on (type, values, input shapes): after an edit
# only the nodes whose inputs really changed run their rule again.
_MEMO: dict[tuple, tuple[dict[str, TensorShape], int, int] | str] = {}
_MEMO_LIMIT = 50_000


def _infer_node(node: Node, values: dict[str, Any], inputs: dict[str, TensorShape]):
    key = (node.type, tuple((k, _freeze(v)) for k, v in sorted(values.items())), tuple(sorted(inputs.items())))
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    spec = CATALOG[node.type]
    try:
        outs = spec.infer(values, inputs)
        result: tuple[dict[str, TensorShape], int, int] | str = (
            outs, spec.count_params(values, inputs, outs), spec.count_macs(values, inputs, outs))
    except ShapeError as exc:
        result = str(exc)
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as exc:
        # A malformed value the parameter check already reported; never crash the editor.
        result = f"cannot work out the output shape ({exc})"
    if len(_MEMO) > _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[key] = result
    return result


def _walk(start: list[str], neighbours) -> set[str]:
    """Every node reachable from ``start`` by following ``neighbours``."""
    seen, stack = set(start), list(start)
    while stack:
        for nxt in neighbours(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _label(node: Node) -> str:
    return f"{node.type} '{node.name}'"


def analyze(graph: Graph, purpose: str = "train") -> Analysis:
    """Check ``graph`` for ``purpose`` (a key of REQUIRES) and infer all shapes.

    The result is cached on the graph until its revision changes (moving a node
    does not change it), so callers must treat it as read-only.
    """
    cached = graph.analysis_cache.get(purpose)
    if cached is not None and cached[0] == graph.revision:
        return cached[1]
    result = _analyze(graph, purpose)
    graph.analysis_cache[purpose] = (graph.revision, result)
    return result


def _analyze(graph: Graph, purpose: str) -> Analysis:
    diags: list[Diagnostic] = []
    gname = graph.name

    def report(severity: str, code: str, message: str, node_id: str | None = None,
               edge_id: str | None = None) -> None:
        diags.append(Diagnostic(severity, code, message, node_id, edge_id, gname))

    nodes = graph.nodes
    values: dict[str, dict[str, Any]] = {}
    bad_params: set[str] = set()
    for node in nodes.values():
        spec = CATALOG.get(node.type)
        if spec is None:
            report(ERROR, "unknown_type", f"'{node.name}' has an unknown layer type {node.type!r} — delete it "
                   "or replace it with a layer from the palette", node.id)
            bad_params.add(node.id)
            continue
        vals = spec.resolved(node.params)
        values[node.id] = vals
        for p in spec.params:
            problem = p.check(vals[p.name])
            if problem:
                report(ERROR, "param", f"{_label(node)}: {p.name} {problem}", node.id)
                bad_params.add(node.id)

    # Adjacency built once: networkx's views cost more than the rules themselves on big graphs.
    into: dict[str, list] = {nid: [] for nid in nodes}
    out_of: dict[str, list] = {nid: [] for nid in nodes}
    for edge in graph.edges.values():
        into[edge.target].append(edge)
        out_of[edge.source].append(edge)

    # Loops: name the nodes on each one (only searched for when there is one).
    g = graph.nx
    in_cycle: set[str] = set()
    try:
        order = list(nx.topological_sort(g))
        components = []
    except nx.NetworkXUnfeasible:
        order = None
        components = list(nx.strongly_connected_components(g))
    for component in components:
        if len(component) > 1 or any(g.has_edge(n, n) for n in component):
            cycle = nx.find_cycle(g.subgraph(component))
            names = [nodes[u].name for u, *_ in cycle] + [nodes[cycle[0][0]].name]
            for u, v, key in cycle:
                report(ERROR, "cycle", f"these layers form a loop: {' → '.join(names)} — networks here must flow "
                       "one way; remove one of these wires (recurrence belongs inside an RNN/LSTM/GRU layer)",
                       u, key)
            in_cycle |= component

    # Ports: each input port takes exactly one wire, required ones must have it.
    wires_in: dict[tuple[str, str], list[str]] = {}
    for edge in graph.edges.values():
        wires_in.setdefault((edge.target, edge.target_port), []).append(edge.id)
        src, dst = nodes[edge.source], nodes[edge.target]
        if src.type in CATALOG and CATALOG[src.type].output_port(edge.source_port) is None:
            report(ERROR, "port", f"{_label(src)} has no output port {edge.source_port!r} — delete this wire",
                   edge.source, edge.id)
        if dst.type in CATALOG and CATALOG[dst.type].input_port(edge.target_port) is None:
            report(ERROR, "port", f"{_label(dst)} has no input port {edge.target_port!r} — delete this wire",
                   edge.target, edge.id)
        # Labels exist only while training, so nothing the trained model computes may depend on them.
        if (src.type in CATALOG and CATALOG[src.type].role == "target" and dst.type in CATALOG
                and (CATALOG[dst.type].role != "loss" or edge.target_port != "target")):
            report(ERROR, "target_use", f"{_label(src)} holds the data set's labels, which only exist while "
                   f"training — wire it into the target port of a loss, not into {_label(dst)}", edge.target, edge.id)
    for (target, port), ids in wires_in.items():
        if len(ids) > 1:
            report(ERROR, "duplicate_input", f"{_label(nodes[target])} receives {len(ids)} wires on its {port!r} "
                   "port, which takes one — delete all but one, or merge them with an Add or Concatenate",
                   target, ids[1])
    for node in nodes.values():
        spec = CATALOG.get(node.type)
        if spec is None:
            continue
        for port in spec.inputs:
            if port.required and (node.id, port.name) not in wires_in:
                where = f"its {port.label or port.name} port" if len(spec.inputs) > 1 else "its input"
                report(ERROR, "unconnected", f"{_label(node)} has nothing connected to {where} — wire the "
                       "output of a layer into it, or delete it", node.id)

    # Reachability from the sources and usefulness towards an Output or a loss.
    sources = [n.id for n in nodes.values() if n.type in CATALOG and CATALOG[n.type].role in ("input", "target")]
    sinks = [n.id for n in nodes.values() if n.type in CATALOG and CATALOG[n.type].role in ("output", "loss")]
    reached = _walk(sources, lambda nid: (e.target for e in out_of[nid]))
    useful = _walk(sinks, lambda nid: (e.source for e in into[nid]))
    flagged = {d.node_id for d in diags if d.code in ("unconnected", "cycle")}
    for node in nodes.values():
        if node.id in flagged or node.type not in CATALOG:
            continue
        if node.id not in reached:
            report(WARNING, "unreachable", f"{_label(node)} is not reachable from any Input — it will not run; "
                   "connect it or delete it", node.id)
        elif node.id not in useful and sinks:
            report(WARNING, "dead_end", f"{_label(node)} leads to no Output or loss, so it does not affect "
                   "training — connect its output or delete it", node.id)

    # Missing pieces for what the graph is for.
    roles = {CATALOG[n.type].role for n in nodes.values() if n.type in CATALOG}
    need = REQUIRES.get(purpose, REQUIRES["edit"])
    if "input" not in roles:
        report(ERROR, "no_input", "the network has no Input — drag an Input from the palette and wire it to "
               "the first layer")
    if "loss" not in roles and "loss" in need:
        report(ERROR, "no_loss", "the network has no loss, so it cannot be trained — add one (CrossEntropyLoss "
               "for classes, MSELoss for numbers) and wire the prediction and a Target into it")
    if "output" not in roles:
        severity = ERROR if "output" in need else WARNING
        if purpose != "edit":
            report(severity, "no_output", "the network has no Output — wire the prediction into an Output so the "
                   "trained model returns it (and so it can be exported)")

    # Shapes, in topological order over the loop-free part.
    infos: dict[str, NodeInfo] = {}
    edge_shapes: dict[str, TensorShape] = {}
    if order is None:
        order = list(nx.topological_sort(g.subgraph([n for n in g if n not in in_cycle])))
    for nid in order:
        node = nodes[nid]
        spec = CATALOG.get(node.type)
        info = infos[nid] = NodeInfo()
        if spec is None:
            continue
        for edge in into[nid]:
            src = infos.get(edge.source)
            if src is not None and edge.source_port in src.outputs:
                info.inputs[edge.target_port] = src.outputs[edge.source_port]
        if nid in bad_params or any(p.name not in info.inputs for p in spec.inputs if p.required):
            continue
        result = _infer_node(node, values[nid], info.inputs)
        if isinstance(result, str):
            # Rules word their messages as "Linear expects ..."; name the node in them.
            message = (_label(node) + result[len(node.type):] if result.startswith(node.type)
                       else f"{_label(node)}: {result}")
            report(ERROR, "shape", message, nid)
            continue
        info.outputs, info.params, info.macs = result
        for edge in out_of[nid]:
            if edge.source_port in info.outputs:
                edge_shapes[edge.id] = info.outputs[edge.source_port]
    diags += loss_hints(graph, lambda nid, port: infos[nid].outputs.get(port) if nid in infos else None)
    return Analysis(diags, infos, edge_shapes, order)
