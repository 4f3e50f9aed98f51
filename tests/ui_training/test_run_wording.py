"""What the run bar, the status line and the canvas badges say agrees with itself: epochs completed after a Stop,
one figure for a recurrent layer's memory, and no dead units on activations that cannot die."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt

from netbuilder.graph.project import load_project
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import RUN_TIMEOUT_MS, run_to_end


@dataclass
class Stats:  # the fields of netbuilder.train.LayerStats the overlay reads
    graph: str
    grad_mean_abs: dict
    dead_fraction: dict
    memory: dict = field(default_factory=dict)
    epoch: int = 1
    step: int = 1


def items_by_name(window) -> dict:
    graph = window.project.main_graph
    return {graph.nodes[nid].name: item for nid, item in window.editor().scene.node_items.items()}


def test_after_stop_the_bar_and_the_message_both_count_completed_epochs(qtbot, make_window, cnn):
    window = make_window(cnn, epochs=500)
    controller = window.training
    qtbot.mouseClick(controller.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: controller._last_batch is not None and controller._last_batch.epoch >= 2,
                    timeout=RUN_TIMEOUT_MS)  # stopped during epoch 2 (or later): the case that read "1 epoch(s)"
    with qtbot.waitSignal(controller.run_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(controller.stop_button, Qt.LeftButton)
    done = blocker.args[0].epochs_completed
    assert done >= 1
    epochs = "1 epoch" if done == 1 else f"{done} epochs"
    assert controller.progress.format() == f"stopped · {done} of 500 epochs completed"
    assert f"{epochs} completed" in controller.status.text()
    assert "epoch(s)" not in controller.progress.format()


def test_a_recurrent_layers_badge_and_tooltip_show_the_same_memory_figure(make_window):
    window = make_window(load_project(EXAMPLES / "rnn_vs_lstm.nbproj"))
    window.training.overlay.apply(Stats("model", {"lstm": 1e-3}, {}, {"lstm": 34.2}))
    item = items_by_name(window)["lstm"]
    assert item.overlay_badge == "step 1 ~3e1"
    assert "gradient reaching step 1: ~3e1 of the last step" in item.toolTip()


def test_leaky_activations_get_no_dead_unit_badge_and_relu_still_does(qtbot, make_window):
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    graph = project.main_graph
    relu2 = graph.node_named("relu2")
    into = next(e for e in graph.edges.values() if e.target == relu2.id)
    out_of = next(e for e in graph.edges.values() if e.source == relu2.id)
    graph.remove_node(relu2.id)
    leaky = graph.add_node("LeakyReLU", relu2.position, name="leaky")  # passes a signal below zero too
    graph.connect(into.source, into.source_port, leaky.id, "in")
    graph.connect(leaky.id, "out", out_of.target, out_of.target_port)
    project.training.report_every = 1
    window = make_window(project, epochs=2)
    outcome = run_to_end(qtbot, window)
    assert outcome.ok, outcome.message
    items = items_by_name(window)
    assert items["relu1"].overlay_badge.startswith("dead ")
    assert not items["leaky"].overlay_badge.startswith("dead")
