"""Loading and analysing big graphs stays near-linear, and the faster topological order is networkx's own."""

from __future__ import annotations

import json
import random
import time

import networkx as nx

from netbuilder.graph.checks import CheckContext
from netbuilder.graph.model import Edge, Graph
from netbuilder.graph.project import loads
from netbuilder.graph.report import shapes_table


def _networkx_order(g: nx.MultiDiGraph) -> tuple[list[str], list[set[str]]]:
    """What analysis computed with networkx before it had its own pass."""
    try:
        return list(nx.topological_sort(g)), []
    except nx.NetworkXUnfeasible:
        pass
    loops = [c for c in nx.strongly_connected_components(g) if len(c) > 1 or any(g.has_edge(n, n) for n in c)]
    in_loop: set[str] = set().union(*loops)
    return list(nx.topological_sort(g.subgraph([n for n in g if n not in in_loop]))), loops


def test_the_analysis_order_and_loops_are_those_of_networkx_on_random_multigraphs():
    for seed in range(400):
        rng = random.Random(seed)
        graph = Graph()
        ids = [graph.add_node("ReLU", name=f"r{i}").id for i in range(rng.randint(1, 20))]
        for nid in rng.sample(ids, k=min(2, len(ids) - 1)):  # removed nodes: insertion order has holes
            graph.remove_node(nid)
            ids.remove(nid)
        for k in range(rng.randint(0, 30)):  # mostly forward wires, some doubled, some backward (loops)
            a, b = rng.choice(ids), rng.choice(ids)
            if rng.random() < 0.85 and ids.index(a) > ids.index(b):
                a, b = b, a
            graph.insert_edge(Edge(f"e{k}", a, "out", b, "in"), checked=False)
        ctx = CheckContext.of(graph, "edit")
        order, loops = _networkx_order(graph.nx)
        assert ctx.order == order
        assert sorted(map(sorted, ctx.loops)) == sorted(map(sorted, loops))


def _chain_file(count: int) -> str:
    nodes = [{"id": "in", "type": "Input", "name": "in", "params": {"kind": "tabular", "features": 4}}]
    nodes += [{"id": f"n{i}", "type": "ReLU", "name": f"relu{i}"} for i in range(count)]
    edges = [{"id": f"e{i}", "from": ["in" if i == 0 else f"n{i - 1}", "out"], "to": [f"n{i}", "in"]}
             for i in range(count)]
    return json.dumps({"format_version": 1, "graphs": {"model": {"nodes": nodes, "edges": edges}}})


def test_a_30000_node_chain_loads_analyses_and_reports_in_seconds():
    text = _chain_file(30_000)
    start = time.process_time()
    project = loads(text)
    results = project.analyze()
    table = shapes_table(project.graphs["model"], results["model"])
    seconds = time.process_time() - start
    assert len(results["model"].order) == 30_001 and table.count("\n") > 30_000
    # Near-linear: about a second of CPU; the quadratic name lookup it replaced took over 10 s here.
    assert seconds < 6, f"{seconds:.1f} s of CPU"
