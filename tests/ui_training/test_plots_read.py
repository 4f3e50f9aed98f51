"""Plots that read: a learning-rate axis labelled in whole powers of ten with room for its labels, legends
under the plots (never over a curve), confusion-matrix headers whole, reconstructions on the originals' grey
scale, and one curve per loss for a graph with two."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetrics

from netbuilder.graph.project import load_project
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import run_to_end


def _trained(qtbot, make_window, example: str, epochs: int = 1):
    project = load_project(EXAMPLES / f"{example}.nbproj")
    project.training.device = "cpu"
    window = make_window(project, epochs=epochs)
    outcome = run_to_end(qtbot, window)
    assert outcome.ok, outcome.message
    return window


def test_a_constant_learning_rate_reads_as_whole_powers_of_ten_with_room_for_every_digit(make_window, qtbot):
    window = _trained(qtbot, make_window, "mlp_iris")  # a constant rate: 0.001
    curves = window.training.curves
    lo, hi = curves.lr_plot.viewRange()[1]  # log10 of the rate
    assert hi - lo >= 2 and lo < -3 < hi  # a labelled decade below and above, the rate in between
    axis = curves.lr_plot.getAxis("left")
    levels = axis.tickValues(lo, hi, curves.lr_plot.vb.height())
    ticks = [v for _, values in levels for v in values]
    labels = axis.logTickStrings(ticks, 1.0, 1.0)
    assert "0.001" in labels and len(labels) == len(set(labels)) <= 4  # whole decades, not a smudge
    widest = max(QFontMetrics(axis.style["tickFont"] or axis.font()).horizontalAdvance(t) for t in labels)
    assert axis.width() >= widest + axis.style["tickTextOffset"][0]  # no leading digit cut off


def test_legends_sit_under_their_plots_and_never_cover_a_curve(make_window, qtbot):
    window = _trained(qtbot, make_window, "mlp_iris")
    curves = window.training.curves
    qtbot.wait(50)  # the plots' layout settles on the next pass of the event loop, as on screen
    for plot, legend in curves.legends.items():
        area: QRectF = plot.vb.sceneBoundingRect()
        assert not legend.sceneBoundingRect().intersects(area)
        assert legend.sceneBoundingRect().top() >= area.bottom()


def test_the_confusion_matrix_shows_whole_class_names(make_window, qtbot):
    window = _trained(qtbot, make_window, "mlp_iris")
    table = window.training.results.confusion
    header = table.horizontalHeader()
    metrics = QFontMetrics(header.font())
    for column in range(table.columnCount()):
        text = table.horizontalHeaderItem(column).text()
        assert "setosa" in text or "versicolor" in text or "virginica" in text
        assert header.sectionSize(column) >= metrics.horizontalAdvance(text), text


def test_reconstructions_share_the_originals_grey_scale_in_the_datas_own_values(make_window, qtbot):
    window = _trained(qtbot, make_window, "autoencoder_digits")
    samples = window.training.results.samples
    assert "black 0 to white 16" in samples.title  # digits' pixels run from 0 to 16
    assert len(samples.tiles) == 16  # eight originals above their eight reconstructions


def test_two_networks_in_one_graph_get_a_loss_curve_each(make_window, qtbot):
    window = _trained(qtbot, make_window, "rnn_vs_lstm")
    curves = window.training.curves
    for key in ("train_rnn_loss", "val_rnn_loss", "train_lstm_loss", "val_lstm_loss"):
        assert curves.point_count(key) > 0, key
        assert curves.curves[key].plot is curves.loss_plot  # beside the loss, where they can be compared
    names = [label.text for _, label in curves.legends[curves.loss_plot].items]
    assert "rnn loss (val)" in names and "lstm loss (val)" in names
