"""Panels that read: inspector diagnostics wrap in full below the form, the problems panel comes to the front
with its messages whole, and the training settings are not cut at a 1600-pixel-wide window."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTabBar

from netbuilder.graph.project import load_project
from netbuilder.ui.project_files import empty_project
from tests.qt_fixtures import EXAMPLES
from tests.ui.drive import click, node_point, show
from tests.ui.gestures import click_dock_tab, double_click_palette


def _settle(qtbot, window, width: int = 1600, height: int = 900) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width)
    QApplication.processEvents()


def in_front(window, dock) -> bool:
    """A dock tabbed away is moved out of the window rather than hidden (offscreen), so look where it is."""
    return dock.isVisible() and dock.geometry().intersects(window.rect())


def _wrapped_height(widget, text: str, width: int) -> int:
    return widget.fontMetrics().boundingRect(QRect(0, 0, width, 100_000), Qt.TextWordWrap, text).height()


def test_a_fresh_loss_shows_its_diagnostics_in_full_below_the_form(make_window, qtbot):
    window = make_window(empty_project())
    _settle(qtbot, window)
    editor = window.editor()
    editor.scene.clearSelection()
    double_click_palette(window, "CrossEntropyLoss")
    loss = next(n for n in editor.graph.nodes.values() if n.type == "CrossEntropyLoss")
    show(editor, loss.id)
    click(editor, node_point(editor, loss.id))
    window.run_analysis()
    QApplication.processEvents()
    problems = window.inspector.problems
    text = problems.text()
    assert text.count("⚠") == 2  # nothing wired into its prediction, nor into its target
    assert problems.isVisible()
    assert problems.height() >= _wrapped_height(problems, text, problems.width())  # nothing cut off
    _label, smoothing = window.inspector.rows["label_smoothing"]
    inspector = window.inspector.widget()
    assert problems.mapTo(inspector, problems.rect().topLeft()).y() >= \
        smoothing.mapTo(inspector, smoothing.rect().bottomLeft()).y()  # below the last row, not under it


def test_the_problems_panel_comes_to_the_front_when_errors_appear(make_window, qtbot):
    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    assert not any(d.is_error for a in window.results.values() for d in a.diagnostics)
    click_dock_tab(window, "Results")
    assert not in_front(window, window.problems_dock)
    editor = window.editor()
    hidden = editor.graph.node_named("hidden1")
    show(editor, hidden.id)
    click(editor, node_point(editor, hidden.id))
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key_Delete)  # the layers after it lose their input: errors
    qtbot.waitUntil(lambda: in_front(window, window.problems_dock))


def test_problem_messages_are_read_whole_without_hovering(make_window, qtbot):
    window = make_window(empty_project())
    _settle(qtbot, window)
    editor = window.editor()
    editor.scene.clearSelection()
    double_click_palette(window, "CrossEntropyLoss")
    window.run_analysis()
    QApplication.processEvents()
    panel = window.problems
    assert panel.columnWidth(2) >= 300  # the messages' column has room at 1600 pixels
    for i in range(panel.topLevelItemCount()):
        item = panel.topLevelItem(i)
        need = _wrapped_height(panel, item.text(2), panel.columnWidth(2) - 12)
        assert panel.visualItemRect(item).height() >= need, item.text(2)


def test_the_training_settings_are_not_cut_at_1600_pixels(make_window, qtbot):
    window = make_window(empty_project())
    _settle(qtbot, window)
    click_dock_tab(window, "Training settings")
    scroll = window.training.settings_dock.widget()
    assert scroll.isVisible()
    assert scroll.horizontalScrollBar().maximum() == 0
    assert scroll.viewport().width() >= window.training.panel.minimumSizeHint().width()


def test_no_stray_tab_bar_is_left_over_the_window(make_window, qtbot):
    window = make_window(empty_project())
    _settle(qtbot, window)
    bars = [b for b in window.findChildren(QTabBar) if b.parentWidget() is window and b.isVisible()]
    titles = [tuple(b.tabText(i) for i in range(b.count())) for b in bars]
    assert len(titles) == len(set(titles)), titles
    canvas = window.centralWidget().geometry()
    assert not any(b.geometry().intersects(canvas) for b in bars)
