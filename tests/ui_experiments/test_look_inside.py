"""Look inside a trained CNN: the selected layer's output for a chosen validation sample, its weight and gradient
histograms, and "Try it" with a validation sample, an image file and a drawing (prediction, probabilities,
Grad-CAM and saliency overlays)."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from netbuilder.graph.project import load_project
from netbuilder.graph.runs import runs_folder
from tests.qt_fixtures import EXAMPLES
from tests.ui_experiments.conftest import RUN_TIMEOUT_MS


@pytest.fixture(scope="module")
def trained_cnn(tmp_path_factory):
    """A saved copy of the CNN template with a recorded one-epoch run beside it (opened, the window finds it)."""
    from netbuilder.train import Trainer

    folder = tmp_path_factory.mktemp("cnn")
    path = shutil.copy(EXAMPLES / "cnn_digits.nbproj", folder / "cnn.nbproj")
    project = load_project(path)
    result = Trainer(project, out_dir=runs_folder(path), epochs=1, device="cpu", layer_stats=False).run()
    assert result.ok, result.message
    return path


@pytest.fixture
def inside(open_window, trained_cnn, tmp_path):
    path = shutil.copy(trained_cnn, tmp_path / "cnn.nbproj")
    shutil.copytree(runs_folder(trained_cnn), runs_folder(path))
    window = open_window(path)
    window.actions_by_name["look_inside"].trigger()
    return window, window.experiments.inside


def select(window, name: str) -> None:
    editor = window.editor()
    editor.select_and_centre(editor.graph.node_named(name).id)


def test_a_convolution_shows_one_feature_map_per_channel_for_the_chosen_sample(qtbot, inside):
    window, panel = inside
    select(window, "conv1")
    view = panel.layers.output
    assert view.mode == "maps" and view.tiles == 16 and view.values.shape == (16, 8, 8)
    first = view.values.copy()
    panel.layers.sample_box.setValue(7)
    assert not np.array_equal(view.values, first)  # another digit, other maps
    assert "16 feature maps of 8×8" in view.caption.text()


def test_a_dense_layer_shows_bars_and_its_weight_and_gradient_histograms(qtbot, inside):
    window, panel = inside
    select(window, "fc1")
    assert panel.layers.output.mode == "bars" and panel.layers.output.values.shape == (64,)
    counts = panel.layers.histograms.counts
    assert sum(counts["weights"]) == 512 * 64 + 64  # every weight and bias of fc1
    assert sum(counts["gradients"]) == 512 * 64 + 64


def test_a_layer_without_weights_has_an_output_and_no_histograms(qtbot, inside):
    window, panel = inside
    select(window, "flatten")
    assert panel.layers.output.mode == "bars" and panel.layers.output.values.shape == (512,)
    assert panel.layers.histograms.counts["weights"] == []
    assert "has no weights" in panel.layers.title.text()


def test_try_it_on_a_validation_sample_predicts_with_probabilities_and_grad_cam(qtbot, inside):
    window, panel = inside
    window.actions_by_name["try_it"].trigger()
    tab = panel.try_it
    tab.sample_box.setValue(4)
    probabilities = tab.probabilities.probabilities
    assert len(probabilities) == 10 and math.isclose(sum(probabilities), 1.0, rel_tol=1e-4)
    assert "Prediction for validation sample 4" in tab.answer.text() and "true class" in tab.answer.text()
    heat = tab.image.heat_map
    assert heat is not None and heat.shape == (8, 8) and heat.min() >= 0.0 and heat.max() == pytest.approx(1.0)
    tab.method_box.setCurrentIndex(tab.method_box.findText("Saliency"))
    assert tab.image.heat_map is not None and not np.array_equal(tab.image.heat_map, heat)
    tab.method_box.setCurrentIndex(tab.method_box.findText("No overlay"))
    assert tab.image.heat_map is None


def test_a_drawing_on_the_pad_is_what_the_network_predicts(qtbot, inside):
    window, panel = inside
    panel.tabs.setCurrentWidget(panel.try_it)
    tab = panel.try_it
    pad = tab.pad
    qtbot.mousePress(pad, Qt.LeftButton, pos=QPoint(70, 20))
    for y in range(25, 125, 5):
        qtbot.mouseMove(pad, QPoint(70, y))
    qtbot.mouseRelease(pad, Qt.LeftButton, pos=QPoint(70, 120))
    assert tab.source == "drawing" and not pad.empty
    assert "your drawing" in tab.answer.text() and tab.prediction is not None
    assert math.isclose(sum(tab.probabilities.probabilities), 1.0, rel_tol=1e-4)


def test_an_image_file_of_dark_ink_on_paper_is_inverted_and_predicted(qtbot, inside, tmp_path):
    window, panel = inside
    panel.tabs.setCurrentWidget(panel.try_it)
    image = QImage(64, 64, QImage.Format.Format_RGB888)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(QPen(QColor("black"), 7))
    painter.drawLine(32, 6, 32, 58)
    painter.end()
    file = tmp_path / "one.png"
    assert image.save(str(file))
    tab = panel.try_it
    assert tab.load_image(file)
    assert tab.source == "file" and tab.invert_box.isChecked()
    assert "the image file" in tab.answer.text()
    assert not tab.load_image(tmp_path / "nothing.png") and "not an image" in tab.answer.text()


def test_after_the_network_changes_the_panel_says_the_weights_no_longer_fit(qtbot, inside):
    window, panel = inside
    graph = window.project.main_graph
    graph.set_param(graph.node_named("conv1").id, "out_channels", 8)
    select(window, "conv1")
    assert "no longer fit" in panel.status.text()
    assert panel.layers.output.mode == "none"


def test_a_project_without_a_run_says_to_train_first(qtbot, open_window, tmp_path):
    window = open_window(shutil.copy(EXAMPLES / "cnn_digits.nbproj", tmp_path / "fresh.nbproj"))
    panel = window.experiments.open_inside()
    assert "Train the network" in panel.status.text()


def test_a_run_in_the_window_is_what_the_panel_then_shows(qtbot, open_window, tmp_path):
    window = open_window(shutil.copy(EXAMPLES / "cnn_digits.nbproj", tmp_path / "fresh.nbproj"))
    panel = window.experiments.open_inside()
    window.training.epochs = 1
    with qtbot.waitSignal(window.training.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.training.train_button, Qt.LeftButton)
    select(window, "conv2")
    assert panel.layers.output.mode == "maps" and panel.layers.output.tiles == 32
    assert str(window.training.best_checkpoint) in panel.status.text()
