"""File › Import: an ONNX model or a PyTorch module becomes a new, editable project with its weights.

The menus are clicked; the file dialog's answer is given by replacing QFileDialog.getOpenFileName; the
PyTorch module's class and input shape are chosen in the real dialog's widgets.
"""

from __future__ import annotations

import textwrap

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.graph.project import load_project
from netbuilder.graph.runs import trained_weights
from tests.qt_fixtures import EXAMPLES
from tests.ui.gestures import choose
from tests.ui.test_help_and_open import open_menu

IMPORT_TIMEOUT_MS = 180_000  # a PyTorch import starts a process that imports torch and exports to ONNX


def file_menu(window):
    return next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")


def choose_import(window, qtbot, entry: str, answer) -> None:
    """File › Import › ``entry``, the file dialog answering ``answer``."""
    menu = file_menu(window)
    open_menu(window, menu)
    choose(menu, "Import")
    qtbot.waitUntil(window.import_menu.isVisible)
    choose(window.import_menu, entry)


@pytest.fixture
def answer_file_dialog(monkeypatch):
    def answer(path) -> None:
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    return answer


def test_file_import_onnx_makes_a_project_whose_weights_are_saved_beside_it(make_window, qtbot, tmp_path,
                                                                             answer_file_dialog):
    import torch
    from safetensors.torch import load_file

    from netbuilder.export.onnx_in import import_onnx
    from netbuilder.export.onnx_out import export_onnx

    model = tmp_path / "iris_mlp.onnx"
    export_onnx(load_project(EXAMPLES / "mlp_iris.nbproj"), model)
    window = make_window(load_project(EXAMPLES / "cnn_digits.nbproj"))
    answer_file_dialog(model)
    choose_import(window, qtbot, "ONNX Model", model)
    qtbot.waitUntil(lambda: window.import_job is None, timeout=IMPORT_TIMEOUT_MS)
    layers = [n.type for n in window.project.main_graph.nodes.values() if n.spec.role == "layer"]
    assert layers.count("Linear") == 3 and window.project.path is None and window.isWindowModified()
    assert "with their weights" in window.statusBar().currentMessage()
    target = tmp_path / "imported.nbproj"
    assert window.save_as(target)
    assert trained_weights(target) == target.with_suffix(".safetensors")  # where Export and training look
    saved, expected = load_file(str(target.with_suffix(".safetensors"))), import_onnx(model).state
    assert saved.keys() == expected.keys()
    assert all(torch.equal(saved[k], expected[k]) for k in expected)


def test_saving_another_project_after_an_import_writes_no_weights(make_window, qtbot, tmp_path,
                                                                  answer_file_dialog):
    from netbuilder.export.onnx_out import export_onnx

    model = tmp_path / "iris_mlp.onnx"
    export_onnx(load_project(EXAMPLES / "mlp_iris.nbproj"), model)
    window = make_window()
    window.import_onnx(model)
    qtbot.waitUntil(lambda: window.import_job is None, timeout=IMPORT_TIMEOUT_MS)
    window.new_project(None)
    assert window.save_as(tmp_path / "fresh.nbproj")
    assert not (tmp_path / "fresh.safetensors").exists()


def test_an_onnx_file_that_cannot_be_imported_shows_the_clis_message(make_window, qtbot, tmp_path,
                                                                     answer_file_dialog):
    from netbuilder.cli.errors import explain
    from netbuilder.export.onnx_in import import_onnx

    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07\x12\x05hello\xff\xfe not a model")
    try:
        import_onnx(broken)
    except Exception as exc:  # what `netbuilder import-onnx` meets for the same file
        expected = explain(exc)[1]
    window = make_window()
    before = window.project
    answer_file_dialog(broken)
    choose_import(window, qtbot, "ONNX Model", broken)
    qtbot.waitUntil(lambda: window.import_job is None, timeout=IMPORT_TIMEOUT_MS)
    assert window.findChild(QMessageBox).text() == expected and window.project is before


MODULE = textwrap.dedent("""
    import torch
    from torch import nn


    class Helper:
        pass


    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 8)

        def forward(self, x):
            return torch.relu(self.fc(x))


    class Net(Block):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            return self.head(super().forward(x))
""")


def test_file_import_pytorch_module_offers_the_files_modules_and_imports_the_chosen_one(make_window, qtbot,
                                                                                       tmp_path,
                                                                                       answer_file_dialog):
    source = tmp_path / "model.py"
    source.write_text(MODULE)
    window = make_window()
    answer_file_dialog(source)
    choose_import(window, qtbot, "PyTorch Module", source)
    qtbot.waitUntil(lambda: window.torch_dialog is not None and window.torch_dialog.isVisible())
    dialog = window.torch_dialog
    assert [dialog.classes.itemText(i) for i in range(dialog.classes.count())] == ["Block", "Net"]
    assert not dialog.ok_button.isEnabled()  # no shape typed yet
    dialog.classes.setCurrentIndex(1)
    QTest.keyClicks(dialog.shapes, "4")
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.busy.active()
    qtbot.waitUntil(lambda: window.import_job is None, timeout=IMPORT_TIMEOUT_MS)
    assert window.findChild(QMessageBox) is None, window.last_error
    layers = [n.type for n in window.project.main_graph.nodes.values() if n.spec.role == "layer"]
    assert layers.count("Linear") == 2 and window.project.name == "Net"
    assert window.imported_weights and window.project.path is None


def test_a_module_that_cannot_be_built_shows_the_import_commands_message(make_window, qtbot, tmp_path,
                                                                         answer_file_dialog):
    source = tmp_path / "needs_args.py"
    source.write_text("from torch import nn\n\nclass Wide(nn.Module):\n    def __init__(self, width):\n"
                      "        super().__init__()\n")
    window = make_window()
    answer_file_dialog(source)
    choose_import(window, qtbot, "PyTorch Module", source)
    qtbot.waitUntil(lambda: window.torch_dialog is not None and window.torch_dialog.isVisible())
    QTest.keyClicks(window.torch_dialog.shapes, "4")
    QTest.mouseClick(window.torch_dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.import_job is None, timeout=IMPORT_TIMEOUT_MS)
    text = window.findChild(QMessageBox).text()
    assert text.startswith("import refused:") and "Wide() cannot be built without arguments" in text
    assert "Traceback" not in text


def test_a_python_file_without_modules_is_explained_at_once(make_window, qtbot, tmp_path, answer_file_dialog):
    source = tmp_path / "plain.py"
    source.write_text("class Plain:\n    pass\n")
    window = make_window()
    answer_file_dialog(source)
    choose_import(window, qtbot, "PyTorch Module", source)
    assert window.torch_dialog is None and "no class deriving from nn.Module" in window.last_error
