"""Graphs to and from plain JSON data, with errors that say where in the file."""

from __future__ import annotations

import math
from typing import Any

from netbuilder.graph.bulk import collector_paused
from netbuilder.graph.catalog import CATALOG
from netbuilder.graph.model import INIT_CHOICES, Edge, Graph, Group, Node, new_id


class ProjectFileError(ValueError):
    """A project file that cannot be read; ``where`` is the path inside the file."""

    def __init__(self, where: str, problem: str, file: str = "") -> None:
        self.where, self.problem, self.file = where, problem, file
        super().__init__(self._text())

    def _text(self) -> str:
        prefix = f"{self.file}: " if self.file else ""
        at = f"at {self.where}: " if self.where else ""
        return f"{prefix}{at}{self.problem}"

    def in_file(self, file: str) -> ProjectFileError:
        return ProjectFileError(self.where, self.problem, file)


def node_to_dict(node: Node) -> dict[str, Any]:
    d: dict[str, Any] = {"id": node.id, "type": node.type, "name": node.name, "params": dict(node.params),
                         "position": [round(node.position[0], 2), round(node.position[1], 2)]}
    if not node.trainable:
        d["trainable"] = False
    if node.init != "default":
        d["init"] = node.init
        d["init_std"] = node.init_std
    if node.group:
        d["group"] = node.group
    return d


def edge_to_dict(edge: Edge) -> dict[str, Any]:
    return {"id": edge.id, "from": [edge.source, edge.source_port], "to": [edge.target, edge.target_port]}


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    return {
        "nodes": [node_to_dict(n) for n in graph.nodes.values()],
        "edges": [edge_to_dict(e) for e in graph.edges.values()],
        "groups": [{"id": g.id, "name": g.name, "collapsed": g.collapsed, "parent": g.parent}
                   for g in graph.groups.values()],
    }


# ---- reading -----------------------------------------------------------------------------
def expect(value: Any, kind: type | tuple[type, ...], where: str, what: str) -> Any:
    if type(value) is kind and kind is not float:  # the common case, checked first: files hold 100,000s of values
        return value
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float, (int, float)))
    if not ok:
        raise ProjectFileError(where, f"{what} should be {_kind_name(kind)}, not {_describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProjectFileError(where, f"{what} should be a finite number, not {value}")
    return value


MAX_DEPTH = 32  # free-form values (data-set options, the canvas view): deeper is damage, not data


def limit_depth(value: Any, where: str, what: str, limit: int = MAX_DEPTH) -> Any:
    """Refuse a free-form value nested more than ``limit`` levels deep (saving it again would overflow)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                raise ProjectFileError(where, f"{what} is nested more than {limit} levels deep — the file is damaged")
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object {…}", list: "a list […]", str: "text", int: "a whole number", float: "a number",
             bool: "true or false"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int too long for Python to print
        text = f"a {type(value).__name__} too long to show"
    return text if len(text) <= 40 else text[:37] + "..."


def _node_from_dict(d: Any, where: str) -> Node:
    expect(d, dict, where, "a node")
    for key in ("id", "type"):
        if key not in d:
            raise ProjectFileError(where, f"the node has no {key!r}")
    nid = expect(d["id"], str, f"{where}.id", "the node id")
    layer_type = expect(d["type"], str, f"{where}.type", "the layer type")
    if layer_type not in CATALOG:
        raise ProjectFileError(f"{where}.type", f"unknown layer type {layer_type!r} — this file may come from a "
                               "newer netbuilder, or the type is misspelt")
    name = expect(d.get("name", layer_type.lower()), str, f"{where}.name", "the node name")
    params = expect(d.get("params", {}), dict, f"{where}.params", "the parameters")
    spec = CATALOG[layer_type]
    clean: dict[str, Any] = spec.defaults()
    for key, value in params.items():
        if key not in clean:
            raise ProjectFileError(f"{where}.params.{key}", f"{layer_type} has no parameter {key!r}")
        _check_param_json(value, f"{where}.params.{key}")
        clean[key] = value
    pos = expect(d.get("position", [0, 0]), list, f"{where}.position", "the position")
    if len(pos) != 2:
        raise ProjectFileError(f"{where}.position", "the position should be two numbers [x, y]")
    x = expect(pos[0], (int, float), f"{where}.position[0]", "x")
    y = expect(pos[1], (int, float), f"{where}.position[1]", "y")
    if max(abs(x), abs(y)) > 1e7:
        raise ProjectFileError(f"{where}.position", "the position is too far away from the canvas (over 10^7)")
    init = expect(d.get("init", "default"), str, f"{where}.init", "the initialisation")
    if init not in INIT_CHOICES:
        raise ProjectFileError(f"{where}.init", f"the initialisation should be one of {', '.join(INIT_CHOICES)}")
    init_std = expect(d.get("init_std", 0.02), (int, float), f"{where}.init_std", "init_std")
    if abs(init_std) > 1e6:  # also keeps float() below from overflowing on a huge integer
        raise ProjectFileError(f"{where}.init_std", "init_std is far too large (over 10^6)")
    return Node(id=nid, type=layer_type, name=name, params=clean, position=(float(x), float(y)),
                trainable=expect(d.get("trainable", True), bool, f"{where}.trainable", "trainable"),
                init=init, init_std=float(init_std),
                group=expect(d.get("group"), (str, type(None)), f"{where}.group", "the group"))


def _check_param_json(value: Any, where: str, depth: int = 0) -> None:
    # Parameter values are scalars or short lists of them; anything else is damage.
    if isinstance(value, (str, bool)) or value is None:
        return
    if isinstance(value, (int, float)):
        # Any number is kept, however large and even NaN/Infinity (which json writes for them): the
        # parameter check of analysis reports it on the node, whereas refusing it here would make a
        # project saved with a bad value impossible to open again to fix it.
        return
    if isinstance(value, list) and depth == 0 and len(value) <= 16:
        for i, v in enumerate(value):
            _check_param_json(v, f"{where}[{i}]", 1)
        return
    raise ProjectFileError(where, f"a parameter should be a number, text, true/false or a short list, "
                           f"not {_describe(value)}")


def _edge_from_dict(d: Any, where: str) -> Edge:
    expect(d, dict, where, "a wire")
    ends = []
    for key in ("from", "to"):
        if key not in d:
            raise ProjectFileError(where, f"the wire has no {key!r}")
        end = expect(d[key], list, f"{where}.{key}", f"'{key}'")
        if len(end) != 2 or not (isinstance(end[0], str) and isinstance(end[1], str)):
            raise ProjectFileError(f"{where}.{key}", f"'{key}' should be [node id, port name]")
        ends.append(end)
    eid = expect(d.get("id") or new_id("e"), str, f"{where}.id", "the wire id")
    return Edge(eid, ends[0][0], ends[0][1], ends[1][0], ends[1][1])


def graph_from_dict(d: Any, name: str, where: str) -> Graph:
    """Build a graph; broken wiring (loops, doubled ports) is kept for validation to report."""
    with collector_paused():  # a file may hold 100,000 nodes: see `netbuilder.graph.bulk`
        return _graph_from_dict(d, name, where)


def _graph_from_dict(d: Any, name: str, where: str) -> Graph:
    expect(d, dict, where, "a graph")
    graph = Graph(name)
    for i, g in enumerate(expect(d.get("groups", []), list, f"{where}.groups", "the groups")):
        gw = f"{where}.groups[{i}]"
        expect(g, dict, gw, "a group")
        gid = expect(g.get("id"), str, f"{gw}.id", "the group id")
        graph.groups[gid] = Group(gid, expect(g.get("name", "block"), str, f"{gw}.name", "the group name"),
                                  expect(g.get("collapsed", False), bool, f"{gw}.collapsed", "collapsed"),
                                  expect(g.get("parent"), (str, type(None)), f"{gw}.parent", "the parent group"))
    names: set[str] = set()
    if "nodes" not in d:
        raise ProjectFileError(where, "the graph has no 'nodes' list")
    for i, nd in enumerate(expect(d["nodes"], list, f"{where}.nodes", "the nodes")):
        node = _node_from_dict(nd, f"{where}.nodes[{i}]")
        if node.id in graph.nodes:
            raise ProjectFileError(f"{where}.nodes[{i}].id", f"two nodes share the id {node.id!r}")
        if node.name in names:
            raise ProjectFileError(f"{where}.nodes[{i}].name", f"two nodes share the name {node.name!r}")
        names.add(node.name)
        graph.insert_node(node)
    for i, ed in enumerate(expect(d.get("edges", []), list, f"{where}.edges", "the wires")):
        edge = _edge_from_dict(ed, f"{where}.edges[{i}]")
        for end, nid in (("from", edge.source), ("to", edge.target)):
            if nid not in graph.nodes:
                raise ProjectFileError(f"{where}.edges[{i}].{end}", f"the wire refers to a node {nid!r} "
                                       "that is not in the graph")
        if edge.id in graph.edges:
            raise ProjectFileError(f"{where}.edges[{i}].id", f"two wires share the id {edge.id!r}")
        graph.insert_edge(edge, checked=False)
    return graph


def paste_fragment(graph: Graph, fragment: dict[str, Any], offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
    """Insert copied nodes with fresh ids and names; returns the new node ids.

    All or nothing: if a node is damaged or a wire is refused (a loop or a doubled input copied from a
    broken graph), the nodes already inserted are taken out again before the error propagates.
    """
    mapping: dict[str, str] = {}
    new_ids: list[str] = []
    try:
        for i, nd in enumerate(fragment.get("nodes", [])):
            node = _node_from_dict(nd, f"nodes[{i}]")
            mapping[node.id] = node.id = new_id("n")
            node.position = (node.position[0] + offset[0], node.position[1] + offset[1])
            node.group = None
            node.name = graph.unique_name(node.name)
            graph.insert_node(node)
            new_ids.append(node.id)
        for i, ed in enumerate(fragment.get("edges", [])):
            edge = _edge_from_dict(ed, f"edges[{i}]")
            if edge.source in mapping and edge.target in mapping:
                graph.connect(mapping[edge.source], edge.source_port, mapping[edge.target], edge.target_port)
    except BaseException:
        for nid in reversed(new_ids):  # their wires go with them
            graph.remove_node(nid)
        raise
    return new_ids
