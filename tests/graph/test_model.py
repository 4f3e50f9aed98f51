"""The graph model: ids, mutations, notifications, refusals, blocks, copy/paste."""

import pytest

from netbuilder.graph import ConnectionRefused, Graph, paste_fragment
from tests.graph.builders import classifier


def test_node_ids_are_unique_strings_not_python_object_ids():
    g = Graph()
    nodes = [g.add_node("ReLU") for _ in range(50)]
    ids = {n.id for n in nodes}
    assert len(ids) == 50
    assert all(isinstance(i, str) and i.startswith("n-") and str(id(n)) not in i for i, n in zip(ids, nodes))


def test_new_nodes_get_unique_readable_names():
    g = Graph()
    names = [g.add_node("Conv2d").name for _ in range(3)]
    assert names == ["conv2d_1", "conv2d_2", "conv2d_3"]


def test_new_node_starts_with_the_catalog_defaults():
    node = Graph().add_node("Conv2d")
    assert node.params["kernel_size"] == 3 and node.params["out_channels"] == 16


def test_every_mutation_is_announced_to_subscribers():
    g = Graph()
    seen = []
    for name in ("node_added", "node_removed", "node_changed", "edge_added", "edge_removed"):
        getattr(g.events, name).connect(lambda *args, name=name: seen.append(name))
    a, b = g.add_node("Input"), g.add_node("Linear")
    edge = g.connect(a.id, "out", b.id, "in")
    g.set_param(b.id, "out_features", 3)
    g.move(b.id, (10, 20))
    g.rename(b.id, "head")
    g.disconnect(edge.id)
    g.remove_node(a.id)
    assert seen == ["node_added", "node_added", "edge_added", "node_changed", "node_changed", "node_changed",
                    "edge_removed", "node_removed"]


def test_the_networkx_mirror_follows_the_edges():
    g, ids = classifier()
    assert g.nx.number_of_nodes() == 7 and g.nx.number_of_edges() == 6
    g.remove_node(ids["act"])
    assert g.nx.number_of_edges() == 4 and ids["act"] not in g.nx


def test_removing_a_node_returns_its_wires_so_they_can_be_restored():
    g, ids = classifier()
    node, edges = g.remove_node(ids["act"])
    g.insert_node(node)
    for e in edges:
        g.insert_edge(e)
    assert len(g.edges) == 6


def test_a_cycle_message_lists_the_nodes_on_it():
    g = Graph()
    a, b, c = (g.add_node("ReLU", name=n) for n in "abc")
    g.connect(a.id, "out", b.id, "in")
    g.connect(b.id, "out", c.id, "in")
    with pytest.raises(ConnectionRefused) as exc:
        g.connect(c.id, "out", a.id, "in")
    assert "a → b → c → a" in str(exc.value)


def test_a_second_wire_into_a_single_input_port_is_refused():
    g, ids = classifier()
    extra = g.add_node("Input")
    with pytest.raises(ConnectionRefused, match="already has a wire"):
        g.connect(extra.id, "out", ids["fc1"], "in")


def test_a_node_cannot_feed_itself():
    g = Graph()
    a = g.add_node("ReLU")
    assert not g.can_connect(a.id, "out", a.id, "in")


def test_unknown_ports_are_refused():
    g, ids = classifier()
    with pytest.raises(ConnectionRefused, match="no input port 'b'"):
        g.connect(ids["x"], "out", ids["act"], "b")


def test_rename_rejects_duplicates_and_non_identifiers():
    g, ids = classifier()
    with pytest.raises(ValueError, match="already called"):
        g.rename(ids["fc1"], "fc2")
    with pytest.raises(ValueError, match="not a valid name"):
        g.rename(ids["fc1"], "2 layers")


def test_unknown_parameter_is_a_key_error():
    g, ids = classifier()
    with pytest.raises(KeyError):
        g.set_param(ids["fc1"], "kernel_size", 3)


def test_moving_a_node_does_not_change_the_revision_used_by_analysis_caches():
    g, ids = classifier()
    before = g.revision
    g.move(ids["fc1"], (100, 100))
    assert g.revision == before
    g.set_param(ids["fc1"], "out_features", 9)
    assert g.revision > before


def test_grouping_nests_inside_the_enclosing_block_and_ungrouping_restores_it():
    g, ids = classifier()
    outer = g.add_group("body", [ids["fc1"], ids["act"], ids["fc2"]])
    inner = g.add_group("hidden", [ids["fc1"], ids["act"]])
    assert inner.parent == outer.id
    assert set(g.group_members(outer.id)) == {ids["fc1"], ids["act"], ids["fc2"]}
    g.remove_group(inner.id)
    assert g.nodes[ids["fc1"]].group == outer.id


def test_paste_gives_fresh_ids_and_names_and_keeps_inner_wires():
    g, ids = classifier()
    fragment = g.fragment([ids["fc1"], ids["act"]])
    new = paste_fragment(g, fragment)
    assert len(new) == 2 and not set(new) & set(ids.values())
    assert {g.nodes[i].name for i in new} == {"fc1_1", "act_1"}
    assert len(g.edges) == 7


def test_paste_into_another_project_works():
    g, ids = classifier()
    other = Graph()
    new = paste_fragment(other, g.fragment(ids.values()))
    assert len(new) == 7 and len(other.edges) == 6


def test_clone_is_independent():
    g, ids = classifier()
    copy = g.clone()
    copy.set_param(ids["fc1"], "out_features", 99)
    assert g.nodes[ids["fc1"]].params["out_features"] == 8


def test_a_node_wired_to_itself_in_a_damaged_file_can_still_be_deleted():
    from netbuilder.graph.model import Edge

    graph = Graph("model")
    node = graph.add_node("Add")
    graph.insert_edge(Edge("e1", node.id, "out", node.id, "a"), checked=False)  # as a damaged file holds it
    assert len(graph.edges_of(node.id)) == 1
    graph.remove_node(node.id)
    assert not graph.nodes and not graph.edges
