"""What a collapsed block shows: the ports wired across its edge, and the free ones a new wire can reach."""

from __future__ import annotations

from netbuilder.graph import Graph
from netbuilder.graph.block_ports import boundary_ports, collapsed_block_of, slot_of


def _block() -> tuple[Graph, dict[str, str]]:
    """x → [fc → sum(a: fc, b: x) → act] with act's output and a second Linear 'spare' inside, unwired."""
    g = Graph()
    ids = {name: g.add_node(kind, name=name, params=params).id for name, kind, params in [
        ("x", "Input", {"kind": "tabular", "features": 4}), ("fc", "Linear", {"out_features": 4}),
        ("sum", "Sum", {}), ("act", "ReLU", {}), ("spare", "Linear", {"out_features": 2})]}
    for a, b, port in [("x", "fc", "in"), ("fc", "sum", "a"), ("x", "sum", "b"), ("sum", "act", "in")]:
        g.connect(ids[a], "out", ids[b], port)
    g.add_group("block", [ids[n] for n in ("fc", "sum", "act", "spare")])
    return g, ids


def test_a_block_shows_its_crossing_wires_and_free_ports_but_not_spare_optional_inputs():
    g, ids = _block()
    ins, outs = boundary_ports(g, g.group_members(next(iter(g.groups))))
    assert [(p.node_id, p.port) for p in ins] == [(ids["fc"], "in"), (ids["spare"], "in")]
    assert [(p.node_id, p.port) for p in outs] == [(ids["act"], "out"), (ids["spare"], "out")]


def test_inputs_fed_by_one_outside_wire_source_share_one_port():
    g, ids = _block()  # x feeds both fc (the branch) and the Sum's b (the skip)
    ins, _ = boundary_ports(g, g.group_members(next(iter(g.groups))))
    assert slot_of(ins, ids["fc"], "in") == slot_of(ins, ids["sum"], "b") == 0
    assert slot_of(ins, ids["sum"], "a") is None  # wired inside the block


def test_the_outermost_collapsed_block_is_the_one_that_hides_a_layer():
    g, ids = _block()
    outer = next(iter(g.groups))
    inner = g.add_group("inner", [ids["fc"], ids["sum"]]).id
    assert collapsed_block_of(g, ids["fc"]) is None
    g.update_group(inner, collapsed=True)
    assert collapsed_block_of(g, ids["fc"]) == inner
    g.update_group(outer, collapsed=True)
    assert collapsed_block_of(g, ids["fc"]) == outer
