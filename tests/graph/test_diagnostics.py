"""Every kind of problem yields a Diagnostic on the right node with a message that says what to do."""

from __future__ import annotations

from netbuilder.graph import Edge, Graph, Project, analyze
from netbuilder.graph.settings import TrainingSettings
from tests.graph.builders import classifier


def codes(graph: Graph, purpose: str = "train") -> dict[str, list]:
    found: dict[str, list] = {}
    for d in analyze(graph, purpose).diagnostics:
        found.setdefault(d.code, []).append(d)
    return found


def test_a_correct_classifier_has_no_diagnostics_and_a_shape_on_every_edge():
    g, _ = classifier()
    a = analyze(g)
    assert a.diagnostics == []
    assert set(a.edge_shapes) == set(g.edges)
    assert str(a.output_shape(_["fc1"])) == "N×8"


def test_totals_add_up_the_per_node_counts():
    g, ids = classifier(features=4, classes=3)
    a = analyze(g)
    assert a.nodes[ids["fc1"]].params == 4 * 8 + 8
    assert a.total_params == (4 * 8 + 8) + (8 * 3 + 3)
    assert a.total_macs == 4 * 8 + 8 + 8 * 3


def test_a_loop_is_an_error_naming_every_node_on_it():
    g = Graph()
    x = g.add_node("Input", name="x")
    add, act = g.add_node("Add", name="merge"), g.add_node("ReLU", name="act")
    g.connect(x.id, "out", add.id, "a")
    g.connect(add.id, "out", act.id, "in")
    # The editor refuses this wire, but a file can hold it; validation must name the loop.
    g.insert_edge(Edge("e-loop", act.id, "out", add.id, "b"), checked=False)
    found = codes(g)["cycle"]
    assert any(n in found[0].message for n in ("merge → act → merge", "act → merge → act"))
    assert {d.node_id for d in found} == {add.id, act.id}


def test_an_unconnected_required_port_is_an_error_on_that_node():
    g, ids = classifier()
    g.disconnect(next(e.id for e in g.edges_into(ids["act"])))
    (d,) = codes(g)["unconnected"]
    assert d.node_id == ids["act"] and "nothing connected to its input" in d.message


def test_two_wires_into_one_port_is_an_error_on_the_extra_wire():
    g, ids = classifier()
    extra = g.add_node("Input", params={"kind": "tabular", "features": 4})
    g.insert_edge(Edge("e-extra", extra.id, "out", ids["fc1"], "in"), checked=False)
    (d,) = codes(g)["duplicate_input"]
    assert d.node_id == ids["fc1"] and d.edge_id is not None and "takes one" in d.message


def test_a_layer_fed_by_nothing_upstream_is_unreachable():
    g, ids = classifier()
    a, b = g.add_node("ReLU", name="orphan_a"), g.add_node("ReLU", name="orphan_b")
    g.connect(a.id, "out", b.id, "in")
    found = codes(g)
    assert ids and [d.node_id for d in found["unconnected"]] == [a.id]
    assert [d.node_id for d in found["unreachable"]] == [b.id]


def test_a_branch_that_leads_nowhere_is_a_warning():
    g, ids = classifier()
    side = g.add_node("Linear", name="side")
    g.connect(ids["act"], "out", side.id, "in")
    (d,) = codes(g)["dead_end"]
    assert d.node_id == side.id and d.severity == "warning"


def test_a_graph_without_input_loss_or_output_says_what_to_add():
    g = Graph()
    g.add_node("ReLU")
    found = codes(g)
    assert "no_input" in found and "no_loss" in found and "no_output" in found
    assert "CrossEntropyLoss" in found["no_loss"][0].message


def test_output_is_required_for_inference_but_only_advised_for_training():
    g, ids = classifier()
    g.remove_node(ids["out"])
    assert codes(g, "train")["no_output"][0].severity == "warning"
    assert codes(g, "inference")["no_output"][0].severity == "error"


def test_an_impossible_shape_is_an_error_on_the_node_with_a_fix():
    g = Graph()
    x = g.add_node("Input", params={"kind": "image", "channels": 1, "height": 28, "width": 28})
    fc = g.add_node("Linear", name="fc1")
    g.connect(x.id, "out", fc.id, "in")
    (d,) = codes(g)["shape"]
    assert d.node_id == fc.id
    assert d.message == ("Linear 'fc1' expects a flat input of 784 features but receives 1×28×28 "
                         "— insert a Flatten before it")


def test_a_shape_error_does_not_cascade_downstream():
    g = Graph()
    x = g.add_node("Input", params={"kind": "image"})
    fc, act = g.add_node("Linear"), g.add_node("ReLU")
    g.connect(x.id, "out", fc.id, "in")
    g.connect(fc.id, "out", act.id, "in")
    assert len(codes(g)["shape"]) == 1


def test_a_parameter_out_of_range_is_an_error_naming_the_parameter():
    g, ids = classifier()
    g.set_param(ids["fc1"], "out_features", 0)
    (d,) = codes(g)["param"]
    assert d.node_id == ids["fc1"] and "out_features must be between 1 and" in d.message


def test_a_wire_to_a_port_the_layer_does_not_have_is_an_error():
    g, ids = classifier()
    g.disconnect(next(e.id for e in g.edges_into(ids["act"])))
    g.insert_edge(Edge("e-bad", ids["fc1"], "out", ids["act"], "b"), checked=False)
    assert codes(g)["port"][0].edge_id == "e-bad"


def test_an_autoencoder_loss_must_compare_with_the_input():
    g, ids = classifier()
    project = Project(graphs={"model": g}, training=TrainingSettings(scheme="reconstruction"))
    diags = project.analyze()["model"].diagnostics
    assert any(d.code == "scheme" and "wire the Input into the loss" in d.message for d in diags)


def test_a_gan_checks_that_generator_and_discriminator_fit_together():
    gen, disc = Graph("generator"), Graph("discriminator")
    z = gen.add_node("Input", params={"kind": "tabular", "features": 16})
    fake = gen.add_node("Linear", params={"out_features": 32})
    out = gen.add_node("Output")
    gen.connect(z.id, "out", fake.id, "in")
    gen.connect(fake.id, "out", out.id, "in")
    x = disc.add_node("Input", params={"kind": "tabular", "features": 64})
    score = disc.add_node("Linear", params={"out_features": 2})
    dout = disc.add_node("Output")
    disc.connect(x.id, "out", score.id, "in")
    disc.connect(score.id, "out", dout.id, "in")
    project = Project(graphs={"generator": gen, "discriminator": disc},
                      training=TrainingSettings(scheme="adversarial", latent_dim=16))
    messages = [d.message for d in project.analyze()["discriminator"].diagnostics if d.code == "scheme"]
    assert any("generator makes 32 samples" in m for m in messages)
    assert any("one score per sample" in m for m in messages)


def test_a_scheme_without_its_graphs_says_which_is_missing():
    project = Project(graphs={"model": classifier()[0]}, training=TrainingSettings(scheme="adversarial"))
    diags = project.analyze()["model"].diagnostics
    assert {d.message.split("'")[1] for d in diags if d.code == "missing_graph"} == {"generator", "discriminator"}


def test_softmax_before_cross_entropy_is_flagged_as_double_squashing():
    g, ids = classifier()
    soft = g.add_node("Softmax", name="probs")
    g.disconnect(g.edge_into(ids["loss"], "pred").id)
    g.connect(ids["fc2"], "out", soft.id, "in")
    g.connect(soft.id, "out", ids["loss"], "pred")
    (d,) = codes(g)["hint"]
    assert d.severity == "warning" and "applies softmax itself" in d.message


def test_fewer_scores_than_classes_is_an_error_with_the_fix():
    g, ids = classifier(classes=3)
    g.set_param(ids["y"], "classes", 10)
    (d,) = codes(g)["classes"]
    assert d.is_error and "give the last layer 10 outputs" in d.message


def test_bce_without_sigmoid_is_flagged():
    g = Graph()
    x = g.add_node("Input", params={"kind": "tabular", "features": 4})
    fc = g.add_node("Linear", params={"out_features": 1})
    t = g.add_node("Target", params={"kind": "values", "shape": [1]})
    loss = g.add_node("BCELoss")
    g.connect(x.id, "out", fc.id, "in")
    g.connect(fc.id, "out", loss.id, "pred")
    g.connect(t.id, "out", loss.id, "target")
    assert "put a Sigmoid before it" in codes(g)["hint"][0].message
