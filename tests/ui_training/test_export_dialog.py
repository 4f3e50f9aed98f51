"""The export dialog: ONNX with its parity figure, weights, PyTorch code; failures are shown in the dialog."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.ui_training.conftest import run_to_end

EXPORT_TIMEOUT_MS = 120_000  # an ONNX export with its checks takes 5-15 s on two shared cores


def open_dialog(window, kind: str, path):
    dialog = window.training.open_export()
    dialog.set_format(kind)
    dialog.path.setText(str(path))
    return dialog


def click_export(qtbot, dialog) -> bool:
    """Click Export and wait until the export (in its own thread) is done; True when it wrote the file."""
    with qtbot.waitSignal(dialog.exported, timeout=EXPORT_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    return blocker.args[0]


def test_exporting_onnx_from_the_dialog_shows_the_parity_figure_and_the_file_runs(qtbot, make_window, cnn, tmp_path):
    import onnx
    import onnxruntime

    window = make_window(cnn)
    target = tmp_path / "digits.onnx"
    dialog = open_dialog(window, "onnx", target)
    assert click_export(qtbot, dialog)
    assert dialog.error == "", dialog.error
    assert "Parity" in dialog.parity.text() and "limit" in dialog.parity.text()
    assert str(target) in dialog.status.text()
    onnx.checker.check_model(onnx.load(str(target)))
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    (scores,) = session.run(None, {name: np.zeros((3, 1, 8, 8), np.float32)})
    assert scores.shape == (3, 10)


def test_after_training_the_dialog_exports_the_trained_weights(qtbot, make_window, cnn, tmp_path):
    window = make_window(cnn, epochs=1)
    outcome = run_to_end(qtbot, window)
    dialog = open_dialog(window, "weights", tmp_path / "digits.safetensors")
    assert str(outcome.best_checkpoint) in dialog.weights_note.text()
    assert click_export(qtbot, dialog)
    assert (tmp_path / "digits.safetensors").read_bytes() == outcome.best_checkpoint.read_bytes()


def test_exporting_pytorch_code_writes_a_module_that_compiles(qtbot, make_window, cnn, tmp_path):
    window = make_window(cnn)
    dialog = open_dialog(window, "code", tmp_path / "digits.py")
    assert click_export(qtbot, dialog)
    source = (tmp_path / "digits.py").read_text()
    compile(source, "digits.py", "exec")
    assert "nn.Module" in source and "Wrote" in dialog.status.text()


def test_an_export_that_fails_says_why_in_the_dialog(qtbot, make_window, cnn, tmp_path):
    window = make_window(cnn)
    dialog = open_dialog(window, "onnx", tmp_path / "no such folder" / "digits.onnx")
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert "does not exist" in dialog.status.text() and dialog.error


def test_an_export_refused_by_the_exporter_shows_its_message(qtbot, make_window, cnn, tmp_path):
    graph = cnn.graphs["model"]
    graph.remove_node(graph.node_named("flatten").id)  # the first Linear now receives an image: a graph error
    window = make_window(cnn)
    dialog = open_dialog(window, "onnx", tmp_path / "broken.onnx")
    assert not click_export(qtbot, dialog)
    # the words `netbuilder export` prints for the same refusal, naming the layer
    assert dialog.status.text().startswith("export refused:") and "'dropout'" in dialog.status.text()
    assert not (tmp_path / "broken.onnx").exists()
