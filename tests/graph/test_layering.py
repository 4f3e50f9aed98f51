"""The layered layout: wires flow forward, boxes never overlap, crossings are reduced, blocks are boxes."""

from __future__ import annotations

import time

from netbuilder.graph import Graph
from netbuilder.graph.grouping import group_imported
from netbuilder.graph.layering import NODE_WIDTH, box_height, crossings, layered_layout
from netbuilder.graph.layering import _layers, _order, _units
from tests.graph.nets import residual_net


def _boxes(g: Graph, pos: dict[str, tuple[float, float]]) -> list[tuple[float, float, float, float]]:
    return [(x, y, x + NODE_WIDTH, y + box_height(len(g.nodes[n].spec.inputs), len(g.nodes[n].spec.outputs)))
            for n, (x, y) in pos.items()]


def _overlaps(boxes: list[tuple[float, float, float, float]]) -> int:
    return sum(1 for i, a in enumerate(boxes) for b in boxes[i + 1:]
               if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_boxes_never_overlap_left_to_right_or_top_down():
    g, _ = residual_net(4)
    for direction in ("right", "down"):
        assert _overlaps(_boxes(g, layered_layout(g, direction=direction))) == 0


def test_every_wire_goes_forward_without_bands():
    g, _ = residual_net(4)
    pos = layered_layout(g, bands=False)
    assert all(pos[e.source][0] < pos[e.target][0] for e in g.edges.values())
    down = layered_layout(g, direction="down", bands=False)
    assert all(down[e.source][1] < down[e.target][1] for e in g.edges.values())


def test_a_chain_lies_on_one_straight_line():
    g, _ = residual_net(0)
    pos = layered_layout(g, bands=False)
    assert len({y for _, y in pos.values()}) == 1


def _crossed_graph() -> Graph:
    """Two inputs each feeding a chain, added so that insertion order crosses every pair of wires."""
    g = Graph()
    tops = [g.add_node("Input", params={"kind": "tabular", "features": 4}).id for _ in range(4)]
    mids = [g.add_node("ReLU").id for _ in range(4)]
    for i, t in enumerate(tops):
        g.connect(t, "out", mids[3 - i], "in")  # reversed: the naive order crosses all 6 pairs
    return g


def test_barycentre_sweeps_remove_the_crossings_of_the_naive_order():
    g = _crossed_graph()
    units = _units(g, g.nodes, True)
    layer = _layers(g, units)
    naive: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for u in units:
        naive[layer[u]].append(u)
    assert crossings(naive, units) == 6
    assert crossings(_order(units, layer), units) == 0


def test_collapsed_blocks_are_laid_out_as_single_boxes():
    g, paths = residual_net(14, paths=True)
    group_imported(g, paths)
    pos = layered_layout(g, bands=False)
    tops = {}
    for gid in g.groups:
        members = g.group_members(gid)
        tops[gid] = (min(pos[n][0] for n in members), min(pos[n][1] for n in members))
    columns = sorted(x for x, _ in tops.values())
    assert all(b - a >= NODE_WIDTH for a, b in zip(columns, columns[1:]))  # one column per block


def test_a_thousand_nodes_lay_out_in_well_under_a_second():
    g, _ = residual_net(200)
    assert len(g.nodes) > 1000
    start = time.process_time()  # CPU time: the bound guards against a quadratic step, not the machine's load
    layered_layout(g)
    assert time.process_time() - start < 3.0
