"""Parts of a graph to export on their own: an autoencoder's encoder."""

from __future__ import annotations

import networkx as nx

from netbuilder.export.errors import ExportError
from netbuilder.graph.analysis import analyze
from netbuilder.graph.model import Graph


def narrowest_layer(graph: Graph) -> str:
    """The name of the first layer (in flow order) with the fewest values per sample: an autoencoder's code."""
    analysis = analyze(graph, "edit")
    best: tuple[int, str] | None = None
    for nid in analysis.order:
        node = graph.nodes[nid]
        if node.spec.role != "layer" or nid not in analysis.nodes:
            continue
        out = analysis.nodes[nid].outputs.get("out")
        if out is None:
            continue
        if best is None or out.size < best[0]:
            best = (out.size, node.name)
    if best is None:
        raise ExportError(f"the graph '{graph.name}' has no layer to end an encoder at")
    return best[1]


def encoder_graph(graph: Graph, until: str | None = None) -> Graph:
    """A copy of ``graph`` from its Input(s) to node ``until``, which feeds a new Output called ``encoding``.

    Everything that is not upstream of ``until`` (the decoder, losses,
    targets, other outputs) is removed from the copy; the original is untouched.
    """
    name = until or narrowest_layer(graph)
    node = graph.node_named(name)
    if node is None:
        layers = ", ".join(n.name for n in graph.nodes.values() if n.spec.role == "layer")
        raise ExportError(f"--until: the graph '{graph.name}' has no node called '{name}'; its layers are {layers}")
    if node.spec.role != "layer" or not node.spec.outputs:
        raise ExportError(f"--until: '{name}' is a {node.type}, not a layer an encoder can end at")
    part = graph.clone()
    keep = nx.ancestors(part.nx, node.id) | {node.id}
    for nid in [n for n in part.nodes if n not in keep]:
        part.remove_node(nid)
    out = part.add_node("Output", name="encoding")
    part.connect(node.id, "out", out.id, "in")
    return part
