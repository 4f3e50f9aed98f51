"""Property-based tests of the graph core: random networks and random edits never break the model.

The large run is bench/fuzz_graphs.py (10,000 graphs); this is the quick,
reproducible one (derandomized hypothesis).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.graph import Graph, analyze
from netbuilder.graph.project import Project, dumps, loads
from tests.reliability.edits import EditSession, snapshot
from tests.reliability.graph_fuzz import run_case

QUICK = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(rng=st.randoms(use_true_random=False))
def test_random_networks_and_edit_sequences_keep_every_property(rng: random.Random) -> None:
    # run_case raises PropertyViolation naming the broken property (see graph_fuzz.check_case).
    run_case(rng)


def test_the_quick_run_meets_valid_graphs_often_enough() -> None:
    results = [run_case(random.Random(seed), seed) for seed in range(40)]
    compiled = sum(r.compiled for r in results)
    assert compiled >= 10, "the generator should make plenty of valid graphs, or the compile property tests little"


# ---- regressions found by the fuzzer -------------------------------------------------------------
def _linear_graph() -> tuple[Graph, str]:
    g = Graph()
    x = g.add_node("Input", params={"kind": "tabular", "features": 3})
    fc = g.add_node("Linear", params={"out_features": 2})
    g.connect(x.id, "out", fc.id, "in")
    return g, fc.id


def test_an_astronomically_large_parameter_is_a_diagnostic_not_a_crash() -> None:
    g, fc = _linear_graph()
    g.set_param(fc, "out_features", 10**400)
    diags = [d for d in analyze(g, "edit").diagnostics if d.code == "param"]
    assert diags and diags[0].node_id == fc
    assert "about 10^400" in diags[0].message


@pytest.mark.parametrize("value", [10**20, 1e308, float("nan"), float("inf"), -1])
def test_a_project_saved_with_a_bad_parameter_value_opens_again_to_fix_it(value) -> None:
    g, fc = _linear_graph()
    g.set_param(fc, "out_features", value)
    loaded = loads(dumps(Project(graphs={"model": g})), "p.nbproj")
    assert any(d.code == "param" and d.node_id == fc for d in analyze(loaded.graphs["model"], "edit").diagnostics)


def test_a_target_wired_into_a_layer_is_an_error_on_that_wire() -> None:
    g = Graph()
    y = g.add_node("Target", params={"kind": "values", "shape": [2]})
    out = g.add_node("Output")
    wire = g.connect(y.id, "out", out.id, "in")
    diags = [d for d in analyze(g, "inference").errors if d.code == "target_use"]
    assert [d.edge_id for d in diags] == [wire.id]


def test_a_malformed_class_count_on_a_target_is_reported_not_a_crash() -> None:
    g = Graph()
    x = g.add_node("Input", params={"kind": "tabular", "features": 3})
    y = g.add_node("Target", params={"kind": "classes", "classes": 3})
    loss = g.add_node("CrossEntropyLoss")
    g.connect(x.id, "out", loss.id, "pred")
    g.connect(y.id, "out", loss.id, "target")
    g.set_param(y.id, "classes", ["x"])
    assert any(d.code == "param" and d.node_id == y.id for d in analyze(g, "train").errors)


def test_a_name_made_by_add_node_is_one_rename_accepts() -> None:
    g = Graph()
    node = g.add_node("ReLU", name="名前 layer")
    g.rename(node.id, "other")
    g.rename(node.id, node.name if node.name != "other" else "layer")  # must not raise
    assert node.name.isascii()


def test_undoing_a_grouping_puts_members_back_in_their_former_block() -> None:
    g = Graph()
    a, b = g.add_node("ReLU"), g.add_node("Tanh")
    s = EditSession(g)
    s.add_group("outer", [a.id])
    before = snapshot(g)
    s.add_group("inner", [a.id, b.id])
    s.undo()
    assert snapshot(g) == before


def test_a_refused_paste_leaves_the_graph_as_it_was() -> None:
    from netbuilder.graph import ConnectionRefused, Edge, paste_fragment

    g = Graph()
    a, b = g.add_node("ReLU"), g.add_node("Tanh")
    g.connect(a.id, "out", b.id, "in")
    g.insert_edge(Edge("e-loop", b.id, "out", a.id, "in"), checked=False)  # a loop, as a damaged file has
    with pytest.raises(ConnectionRefused):
        paste_fragment(g, g.fragment([a.id, b.id]))
    assert set(g.nodes) == {a.id, b.id} and len(g.edges) == 2


def test_parameters_given_as_tuples_are_stored_as_lists_so_copies_paste() -> None:
    from netbuilder.graph import paste_fragment

    g = Graph()
    node = g.add_node("Reshape", params={"shape": (2, 2)})
    assert node.params["shape"] == [2, 2]
    assert len(paste_fragment(g, g.fragment([node.id]))) == 1


def test_an_absurd_target_size_is_a_parameter_error_not_a_crash_when_run() -> None:
    g = Graph()
    y = g.add_node("Target", params={"kind": "values", "shape": [10**20]})
    diags = [d for d in analyze(g, "edit").errors if d.node_id == y.id and d.code == "param"]
    assert diags and "at most 1000000" in diags[0].message
