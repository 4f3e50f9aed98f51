"""Training from the window: Train reaches a good network, the curves fill while it runs, results appear."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui_training.conftest import RUN_TIMEOUT_MS, run_to_end


@pytest.mark.slow
def test_training_the_digits_cnn_from_the_window_reaches_90_percent_validation_accuracy(qtbot, make_window, cnn):
    window = make_window(cnn, epochs=3)
    outcome = run_to_end(qtbot, window)
    assert outcome.reason == "completed", outcome.message
    assert outcome.metrics["val_accuracy"] >= 0.9
    assert "val accuracy" in window.training.status.text()
    assert outcome.best_checkpoint is not None and outcome.best_checkpoint.is_file()


def test_curve_items_receive_points_while_the_run_is_going(qtbot, make_window, cnn):
    window = make_window(cnn, epochs=50)
    controller = window.training
    qtbot.mouseClick(controller.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: controller.curves.point_count("train_loss") >= 3, timeout=RUN_TIMEOUT_MS)
    assert controller.running
    assert controller.curves.point_count("lr") >= 3
    assert controller.curves.point_count("train_accuracy") >= 3
    qtbot.waitUntil(lambda: controller.curves.point_count("val_loss") >= 1, timeout=RUN_TIMEOUT_MS)
    assert controller.running
    assert "samples/s" in controller.progress.format() and "left" in controller.progress.format()
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=RUN_TIMEOUT_MS)


def test_after_a_classification_run_the_results_show_the_confusion_matrix_and_labelled_samples(qtbot, make_window,
                                                                                                  cnn):
    window = make_window(cnn, epochs=1)
    run_to_end(qtbot, window)
    results = window.training.results
    matrix = results.matrix()
    assert len(matrix) == 10 and sum(map(sum, matrix)) == 360  # every validation digit counted once
    assert len(results.predictions.tiles) == 16
    assert "right" in results.confusion_note.text()


def test_the_overlay_tints_layers_by_gradient_and_shows_dead_units_on_activations(qtbot, make_window, cnn):
    window = make_window(cnn, epochs=1)
    run_to_end(qtbot, window)
    items = {window.project.graphs["model"].nodes[nid].name: item
             for nid, item in window.editor().scene.node_items.items()}
    assert items["conv1"].overlay_colour is not None
    assert "mean |gradient|" in items["conv1"].toolTip()
    assert items["relu1"].overlay_badge.startswith("dead ")
    assert any(legend.isVisible() for legend in window.training.legends.values())


def test_a_run_that_diverges_to_nan_ends_with_its_reason_shown_in_the_window(qtbot, make_window, cnn):
    cnn.training.learning_rate = 10.0
    cnn.training.optimizer = "sgd"
    # Pinned: on a GPU (an H200) the same settings did not diverge. What is tested is how the
    # window shows a NaN end, not whether one device's arithmetic diverges.
    cnn.training.device = "cpu"
    window = make_window(cnn, epochs=3)
    outcome = run_to_end(qtbot, window)
    assert outcome.reason == "nan"
    assert outcome.last_checkpoint is not None and outcome.last_checkpoint.is_file()  # the last good weights
    assert "NaN" in window.training.status.text() and "lower the learning rate" in window.training.status.text()
    assert "NaN" in window.last_error
    assert not window.training.running and window.training.train_button.isEnabled()


def test_a_project_that_cannot_train_shows_why(qtbot, make_window, cnn):
    cnn.dataset.name = "iris"  # 4 features cannot feed a 1×8×8 image Input
    window = make_window(cnn, epochs=1)
    outcome = run_to_end(qtbot, window)
    assert not outcome.ok
    assert outcome.message.split(":")[0] in window.training.status.text()
