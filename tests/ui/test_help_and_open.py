"""File › Open imports an ONNX model; the Help menu: shortcuts and gestures, the examples, About; F2 renames."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from netbuilder.graph.project import load_project
from netbuilder.ui.files import templates
from tests.qt_fixtures import EXAMPLES
from tests.ui.drive import click, node_point, show
from tests.ui.gestures import choose
from tests.ui.test_first_hour_open import wait_for_background


def open_menu(window, menu) -> None:
    """Click a menu's title in the menu bar."""
    bar = window.menuBar()
    QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier, bar.actionGeometry(menu.menuAction()).center())
    assert menu.isVisible()


def press(window, key, modifier=Qt.NoModifier) -> None:
    window.editor().view.setFocus()
    QTest.keyClick(window.editor().view, key, modifier)


def test_file_open_of_an_onnx_model_imports_it_as_a_new_project(make_window, tmp_path):
    from netbuilder.export.onnx_out import export_onnx

    model = tmp_path / "iris_mlp.onnx"
    export_onnx(load_project(EXAMPLES / "mlp_iris.nbproj"), model)
    window = make_window(load_project(EXAMPLES / "cnn_digits.nbproj"))
    window.ask_open_path = lambda: str(model)  # what the file dialog answers
    press(window, Qt.Key_O, Qt.ControlModifier)
    wait_for_background(window)
    graph = window.editor().graph
    assert sorted(n.type for n in graph.nodes.values() if n.spec.role == "layer").count("Linear") == 3
    assert window.project.path is None and window.project.description == "Imported from iris_mlp.onnx."
    said = window.statusBar().currentMessage()
    assert "Imported" in said and "save it to keep it" in said


def test_an_onnx_file_that_cannot_be_imported_is_explained(make_window, tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07\x12\x05hello\xff\xfe not a model")
    window = make_window(load_project(EXAMPLES / "cnn_digits.nbproj"))
    before = window.project
    window.ask_open_path = lambda: str(broken)
    press(window, Qt.Key_O, Qt.ControlModifier)
    wait_for_background(window)
    assert window.project is before
    assert "broken.onnx" in window.last_error and "ONNX" in window.last_error
    assert "UTF-8 text" not in window.last_error


def test_help_lists_every_shortcut_and_the_canvas_gestures(make_window):
    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    open_menu(window, window.help_menu)
    choose(window.help_menu, "Keyboard Shortcuts")
    dialog = window.help_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dict((what, keys) for keys, what in dialog.rows())
    assert rows["Save"] == "Ctrl+S" and rows["Train"] == "F5" and rows["Rename"] == "F2"
    assert any("wire go on empty canvas" in keys for keys, _ in dialog.rows())


def test_help_examples_open_each_example_as_a_new_project(make_window, qtbot):
    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    open_menu(window, window.help_menu)
    examples = next(a.menu() for a in window.help_menu.actions() if a.menu() is not None)
    choose(window.help_menu, "Examples")
    qtbot.waitUntil(examples.isVisible)
    names = [a.text() for a in examples.actions()]
    assert names == [t.name for t in templates()]
    gan = next(t for t in templates() if t.path.stem == "gan_digits")
    choose(examples, gan.name)
    assert set(window.project.graphs) == {"generator", "discriminator"} and window.project.path is None


def test_about_names_the_versions_and_the_training_device(make_window):
    import onnx
    import torch

    import netbuilder

    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    open_menu(window, window.help_menu)
    choose(window.help_menu, "About")
    text = window.help_dialog.label.text()
    for version in (netbuilder.__version__, torch.__version__, onnx.__version__):
        assert version in text
    assert "Qt" in text and "Training device" in text
    assert ("cuda" if torch.cuda.is_available() else "cpu") in window.help_dialog.versions["Training device"]


def test_f2_puts_the_selected_layers_name_in_front_ready_to_type(make_window, qtbot):
    window = make_window(load_project(EXAMPLES / "mlp_iris.nbproj"))
    editor = window.editor()
    node = editor.graph.node_named("hidden1")
    show(editor, node.id)
    click(editor, node_point(editor, node.id))
    press(window, Qt.Key_F2)
    field = window.inspector.fields["__name"]
    qtbot.waitUntil(field.hasFocus)
    QTest.keyClicks(field, "first_hidden")
    QTest.keyClick(field, Qt.Key_Return)
    assert node.name == "first_hidden"
    QApplication.processEvents()
