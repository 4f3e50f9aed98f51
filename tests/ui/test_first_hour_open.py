"""A new user's first hour, part one: every example opens readable, a new project starts coherent, a data set
that does not fit the network is a problem the moment it is made, and Save As names an untitled project.

Driven through the window's own widgets: File menu actions and shortcuts, tab clicks, the template chooser,
inspector fields typed into, the training settings' data-set list, undo.
"""

from __future__ import annotations

import time
from itertools import combinations
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QTabBar

from netbuilder.data.checks import CODE
from netbuilder.graph import Graph, Project
from netbuilder.graph.project import load_project, save_project
from netbuilder.ui.canvas.nodes import BODY_FONT, TYPE_FONT
from tests.qt_fixtures import EXAMPLES
from tests.ui.drive import click, node_point

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.nbproj"))
READABLE_PX = 9.0  # the smallest node text (the layer type) at least this tall on screen


# ---- driving -------------------------------------------------------------------------------------------
def open_with_menu(window, path: Path) -> None:
    """File › Open (Ctrl+O), answering the file dialog with ``path``."""
    window.ask_open_path = lambda: str(path)
    QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    wait_for_background(window)


def wait_for_background(window, seconds: float = 60.0) -> None:
    """Let the file being read (or the model being imported) in the background arrive; bounded."""
    deadline = time.monotonic() + seconds
    while window.opening is not None or window.import_job is not None:
        assert time.monotonic() < deadline, "the file took too long to open"
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()


def click_tab(window, index: int, qtbot) -> None:
    """Click a graph's tab (a one-graph project has no tab bar: its canvas is already shown)."""
    bar = window.tabs.tabBar()
    if bar.isVisible():
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
    qtbot.waitUntil(lambda: window.tabs.currentIndex() == index)
    QApplication.processEvents()


def click_dock_tab(window, title: str) -> None:
    """Click the tab of a dock tabbed with others (the Inspector and the Training settings share a place)."""
    for bar in window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title and bar.isVisible():
                QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(i).center())
                QApplication.processEvents()
                return
    raise AssertionError(f"no tab {title!r}")


def shown_title(window) -> str:
    """The title as the window manager shows it: Qt puts '*' where '[*]' is while the window is modified."""
    return window.windowTitle().replace("[*]", "*" if window.isWindowModified() else "")


def problem_rows(window) -> list[tuple[str, str]]:
    p = window.problems
    return [(p.topLevelItem(i).text(1), p.topLevelItem(i).text(2)) for i in range(p.topLevelItemCount())]


def type_into(widget, text: str) -> None:
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)


def select_node(window, name: str):
    editor = window.editor()
    node = editor.graph.node_named(name)
    editor.select_and_centre(node.id)
    click(editor, node_point(editor, node.id))
    return node


def readable_and_apart(window, qtbot) -> None:
    """Each graph's canvas, once its tab is clicked: text readable, no node on another, the Inputs in view."""
    for index in range(window.tabs.count()):
        click_tab(window, index, qtbot)
        editor = window.tabs.widget(index)
        view = editor.view
        text_px = min(QFontMetrics(TYPE_FONT).height(), QFontMetrics(BODY_FONT).height()) * view.zoom
        assert text_px >= READABLE_PX - 0.01, f"{editor.graph.name}: node text {text_px:.1f} px tall"
        boxes = {nid: item.sceneBoundingRect() for nid, item in editor.scene.node_items.items()}
        for (a, ra), (b, rb) in combinations(boxes.items(), 2):
            names = editor.graph.nodes[a].name, editor.graph.nodes[b].name
            assert not ra.intersects(rb), f"{editor.graph.name}: {names[0]} and {names[1]} overlap"
        screen = view.viewport().rect()
        for node in editor.graph.nodes.values():
            if node.spec.role == "input":
                assert screen.contains(view.mapFromScene(boxes[node.id]).boundingRect()), f"{node.name} off screen"


# ---- open readable -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_opens_with_each_graph_readable_and_no_node_on_another(make_window, path, qtbot):
    window = make_window()
    open_with_menu(window, path)
    assert window.project.path == path
    readable_and_apart(window, qtbot)


def test_a_graph_tab_hidden_at_open_is_framed_when_first_shown_not_shrunk_to_a_dash(make_window, qtbot):
    window = make_window()
    open_with_menu(window, EXAMPLES / "gan_digits.nbproj")
    hidden = window.editors["discriminator"]
    assert not hidden.isVisible()
    click_tab(window, window.tabs.indexOf(hidden), qtbot)
    assert hidden.view.zoom * QFontMetrics(TYPE_FONT).height() >= READABLE_PX - 0.01
    assert hidden.view.viewport().rect().contains(
        hidden.view.mapFromScene(hidden.scene.items_rect()).boundingRect().topLeft())


def test_a_graph_too_big_to_fit_readably_opens_at_its_input_and_pans_instead_of_shrinking(make_window, tmp_path,
                                                                                         qtbot):
    g = Graph("model")
    prev = g.add_node("Input", (0.0, 0.0), name="x", params={"kind": "tabular", "features": 4})
    for i in range(40):  # one long row, as a file written by another tool might hold it
        node = g.add_node("Linear", (230.0 * (i + 1), 0.0), name=f"fc{i}", params={"out_features": 4})
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    path = tmp_path / "long.nbproj"
    save_project(Project("long", {"model": g}), path)
    window = make_window()
    open_with_menu(window, path)
    readable_and_apart(window, qtbot)
    view = window.editor().view
    x_on_screen = view.mapFromScene(window.editor().scene.node_items[g.node_named("x").id].scenePos())
    assert x_on_screen.x() < view.viewport().width() / 4  # the start of the network, at the left
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))  # the user takes over
    before = view.zoom
    window.resize(window.width() + 200, window.height())
    QApplication.processEvents()
    assert view.zoom == before  # a view the user has touched is not reframed behind their back


def test_opening_every_example_leaves_it_unmodified_without_a_star_in_the_title(make_window, qtbot):
    window = make_window()
    for path in EXAMPLE_FILES:
        open_with_menu(window, path)
        for index in range(window.tabs.count()):
            click_tab(window, index, qtbot)
        click_dock_tab(window, "Training settings")  # a look at the training settings changes nothing
        assert not window.modified, path.stem
        assert "*" not in shown_title(window), shown_title(window)
        assert shown_title(window).startswith(f"{window.project.name} — {path.name}")


def test_a_stored_view_is_restored_on_its_tab_when_first_shown(make_window, tmp_path, qtbot):
    window = make_window()
    open_with_menu(window, EXAMPLES / "gan_digits.nbproj")
    click_tab(window, 1, qtbot)
    window.editors["discriminator"].view.set_zoom(1.25)
    path = tmp_path / "gan.nbproj"
    assert window.save_as(path)
    assert load_project(path).view["canvas"]["discriminator"]["zoom"] == 1.25
    other = make_window()
    open_with_menu(other, path)
    click_tab(other, 1, qtbot)
    assert abs(other.editors["discriminator"].view.zoom - 1.25) < 0.01


def test_a_file_saved_with_a_tab_shrunk_to_a_dash_opens_readable(make_window, tmp_path, qtbot):
    gan = load_project(EXAMPLES / "gan_digits.nbproj")
    gan.view["canvas"] = {"discriminator": {"zoom": 0.052, "centre": [460.0, 70.0]}}  # what older versions saved
    save_project(gan, tmp_path / "gan.nbproj")
    window = make_window()
    open_with_menu(window, tmp_path / "gan.nbproj")
    readable_and_apart(window, qtbot)


# ---- start coherent ------------------------------------------------------------------------------------
def choose_in_template_dialog(window, qtbot, answer) -> list[str]:
    """File › New; ``answer(dialog)`` runs on the chooser while it is open. Returns its current item."""
    seen: list[str] = []

    def on_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, on_dialog)
            return
        seen.append(dialog.list.currentItem().text())
        answer(dialog)

    QTimer.singleShot(0, on_dialog)
    window.actions_by_name["new"].trigger()
    qtbot.waitUntil(lambda: bool(seen) and QApplication.activeModalWidget() is None)
    return seen


def test_every_template_starts_unmodified_readable_and_not_saved_yet(make_window, qtbot):
    window = make_window()
    for row in range(1, len(EXAMPLE_FILES) + 1):
        def answer(dialog, row=row) -> None:
            dialog.list.setCurrentRow(row)
            QTest.keyClick(dialog.list, Qt.Key.Key_Return)

        choose_in_template_dialog(window, qtbot, answer)
        readable_and_apart(window, qtbot)
        assert not window.modified and "*" not in shown_title(window)
        assert shown_title(window).startswith(f"{window.project.name} — not saved yet")


def test_file_new_offers_the_empty_project_first_and_enter_takes_it(make_window, cnn, qtbot):
    window = make_window(cnn)
    seen = choose_in_template_dialog(window, qtbot, lambda d: QTest.keyClick(d.list, Qt.Key.Key_Return))
    assert seen[0].startswith("Empty project")
    assert window.project.path is None and window.project.name == "untitled"
    assert sorted(n.spec.role for n in window.editor().graph.nodes.values()) == ["input", "target"]


def test_the_empty_project_agrees_with_its_data_set_and_trains_once_built(make_window, qtbot, tmp_path):
    from netbuilder.train import Trainer

    window = make_window(load_project(EXAMPLES / "cnn_digits.nbproj"))
    choose_in_template_dialog(window, qtbot, lambda d: QTest.keyClick(d.list, Qt.Key.Key_Return))
    assert all(d.code != CODE for a in window.results.values() for d in a.diagnostics), problem_rows(window)
    editor = window.editor()
    graph = editor.graph
    ids = {n.spec.role: n.id for n in graph.nodes.values()}
    hidden, act, scores = (editor.add_layer(t) for t in ("Linear", "ReLU", "Linear"))
    loss, output = editor.add_layer("CrossEntropyLoss"), editor.add_layer("Output")
    for a, b in ((ids["input"], hidden), (hidden, act), (act, scores), (scores, output)):
        assert editor.connect_ports(a, "out", b, "in")
    assert editor.connect_ports(scores, "out", loss, "pred")
    assert editor.connect_ports(ids["target"], "out", loss, "target")
    select_node(window, graph.nodes[scores].name)
    type_into(window.inspector.fields["out_features"], "3")  # one score per species
    window.run_analysis()
    assert all(not a.errors for a in window.results.values()), problem_rows(window)
    result = Trainer(window.project, epochs=20, out_dir=tmp_path, layer_stats=False, save=False).run()
    assert result.reason.value == "completed", result.message
    assert result.metrics["val_accuracy"] > 0.6  # three species: chance is a third


# ---- data problems as soon as they exist ---------------------------------------------------------------
def test_an_input_the_data_set_cannot_feed_is_a_problem_as_soon_as_it_is_typed(make_window, qtbot):
    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    features = select_node(window, "features")
    type_into(window.inspector.fields["features"], "5")
    message = "iris gives rows of 4 features (4 values) but the Input 'features' takes 5 (5 values)"
    qtbot.waitUntil(lambda: any(message in text for _, text in problem_rows(window)))
    assert ("features", next(t for _, t in problem_rows(window) if message in t)) in problem_rows(window)
    assert any(message in e for e in window.editor().scene.node_items[features.id].look.errors)
    window.actions_by_name["undo"].trigger()  # Edit › Undo
    qtbot.waitUntil(lambda: not any(message in text for _, text in problem_rows(window)))


def test_a_target_with_the_wrong_number_of_classes_is_a_problem_as_soon_as_it_is_typed(make_window, qtbot):
    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    labels = select_node(window, "labels")
    type_into(window.inspector.fields["classes"], "10")
    message = "iris has 3 classes but the Target 'labels' says 10"
    qtbot.waitUntil(lambda: any(message in text for _, text in problem_rows(window)))
    assert any(message in e for e in window.editor().scene.node_items[labels.id].look.errors)


def test_choosing_a_data_set_that_does_not_fit_is_a_problem_at_once_and_undo_clears_it(make_window, qtbot):
    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    combo: QComboBox = window.training.panel.dataset
    combo.showPopup()  # opening the list loads the data-set choices
    qtbot.waitUntil(lambda: combo.findData("digits") >= 0)
    view = combo.view()
    row = combo.findData("digits")
    where = view.visualRect(view.model().index(row, 0)).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: window.project.dataset.name == "digits")
    message = "digits gives 1×8×8 images (64 values) but the Input 'features' takes 4 (4 values)"
    qtbot.waitUntil(lambda: any(message in text for _, text in problem_rows(window)))
    assert any("digits has 10 classes but the Target 'labels' says 3" in t for _, t in problem_rows(window))
    window.actions_by_name["undo"].trigger()  # Edit › Undo
    qtbot.waitUntil(lambda: window.project.dataset.name == "iris")
    qtbot.waitUntil(lambda: not any("digits" in text for _, text in problem_rows(window)))


# ---- Save As names the project -------------------------------------------------------------------------
def save_as_with_menu(window, path: Path) -> None:
    window.ask_save_path = lambda: str(path)
    window.actions_by_name["save_as"].trigger()


def test_save_as_names_an_untitled_project_after_its_file(make_window, qtbot, tmp_path):
    window = make_window()
    choose_in_template_dialog(window, qtbot, lambda d: QTest.keyClick(d.list, Qt.Key.Key_Return))
    save_as_with_menu(window, tmp_path / "iris_mlp.nbproj")
    assert shown_title(window).startswith("iris_mlp — iris_mlp.nbproj")
    assert load_project(tmp_path / "iris_mlp.nbproj").name == "iris_mlp"


def test_save_as_renames_a_project_still_named_after_its_old_file(make_window, tmp_path):
    window = make_window()
    save_as_with_menu(window, tmp_path / "first.nbproj")
    save_as_with_menu(window, tmp_path / "second.nbproj")
    assert window.project.name == "second" and shown_title(window).startswith("second — second.nbproj")


def test_save_as_keeps_a_name_the_user_gave(make_window, tmp_path):
    window = make_window()
    open_with_menu(window, EXAMPLES / "mlp_iris.nbproj")
    save_as_with_menu(window, tmp_path / "mine.nbproj")
    assert window.project.name == "MLP on iris" and shown_title(window).startswith("MLP on iris — mine.nbproj")
