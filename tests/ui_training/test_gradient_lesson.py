"""The overlay teaches vanishing gradients: in a deep sigmoid network the first layers are marked, the last not;
over time, a plain RNN is marked and an LSTM is not."""

from __future__ import annotations

from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project
from netbuilder.graph.project import load_project
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import run_to_end

DEPTH = 12  # sigmoid's slope is at most 1/4: twelve of them shrink gradients by ~1e-7 or more


def deep_sigmoid_network() -> Project:
    g = Graph("model")
    prev = g.add_node("Input", (0, 0), name="x", params={"kind": "tabular", "features": 4}).id
    for i in range(DEPTH):
        linear = g.add_node("Linear", (260 * i, 0), name=f"fc{i}", params={"out_features": 16}).id
        g.connect(prev, "out", linear, "in")
        prev = g.add_node("Sigmoid", (260 * i, 120), name=f"sigmoid{i}").id
        g.connect(linear, "out", prev, "in")
    head = g.add_node("Linear", (260 * DEPTH, 0), name="head", params={"out_features": 3}).id
    g.connect(prev, "out", head, "in")
    target = g.add_node("Target", (260 * DEPTH, 240), name="y", params={"kind": "classes", "classes": 3}).id
    loss = g.add_node("CrossEntropyLoss", (260 * DEPTH + 260, 120), name="loss").id
    g.connect(head, "out", loss, "pred")
    g.connect(target, "out", loss, "target")
    g.connect(head, "out", g.add_node("Output", (260 * DEPTH + 260, 0), name="out").id, "in")
    project = Project("deep sigmoid", {"model": g})
    project.dataset.name = "iris"
    project.training.optimizer = "sgd"
    project.training.report_every = 1
    return project


def test_a_deep_sigmoid_network_shows_vanishing_gradients_in_its_first_layers(qtbot, make_window):
    window = make_window(deep_sigmoid_network(), epochs=1)
    outcome = run_to_end(qtbot, window)
    assert outcome.ok, outcome.message
    items = {window.project.graphs["model"].nodes[nid].name: item
             for nid, item in window.editor().scene.node_items.items()}
    assert items["fc0"].overlay_badge == "vanishing" and items["fc0"].overlay_warning
    assert "almost stopped learning" in items["fc0"].toolTip()
    assert items["head"].overlay_badge != "vanishing" and not items["head"].overlay_warning


def test_a_plain_rnn_is_marked_vanishing_in_time_and_an_lstm_beside_it_is_not(qtbot, make_window):
    project = load_project(EXAMPLES / "rnn_vs_lstm.nbproj")
    project.dataset.options["samples"] = 300  # a short run: the lesson shows from the first report
    window = make_window(project, epochs=1)
    outcome = run_to_end(qtbot, window)
    assert outcome.ok, outcome.message
    items = {window.project.graphs["model"].nodes[nid].name: item
             for nid, item in window.editor().scene.node_items.items()}
    assert items["rnn"].overlay_badge == "vanishing in time" and items["rnn"].overlay_warning
    assert "vanishing over time; an LSTM or GRU keeps it" in items["rnn"].toolTip()
    assert items["lstm"].overlay_badge.startswith("step 1 ~") and not items["lstm"].overlay_warning
