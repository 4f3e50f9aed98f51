"""A new user's first hour, part two, replayed with real widgets: File › New › Empty project, the iris MLP built
by dragging layers from the palette and wiring port to port, a short training run, Export ONNX, Save As
elsewhere, close, reopen, Export again. The second ONNX file is the trained model, not untrained weights, and
exporting over the first file asks before replacing it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from netbuilder.graph.layout import ROW
from netbuilder.graph.runs import BEST, runs_folder
from tests.ui.drive import drag, drop, port_point, show
from tests.ui.test_first_hour_open import choose_in_template_dialog, open_with_menu, select_node, type_into

RUN_TIMEOUT_MS = 120_000  # the first run imports torch; two shared cores
EXPORT_TIMEOUT_MS = 120_000
EPOCHS = 25
LAYERS = ("Linear", "ReLU", "Linear", "CrossEntropyLoss", "Output")


# ---- driving -------------------------------------------------------------------------------------------
def drop_from_palette(window, layer_type: str, scene_point: QPointF) -> str:
    """Drag ``layer_type`` from the palette onto the canvas at ``scene_point``; returns the new node's id."""
    editor = window.editor()
    editor.scene.clearSelection()  # a plain drop: nothing selected to wire it after
    editor.view.centerOn(scene_point)
    before = set(editor.graph.nodes)
    mime = window.layer_palette.tree.mimeData([window.layer_palette.item_for(layer_type)])
    assert drop(editor, mime, editor.view.mapFromScene(scene_point))
    (added,) = set(editor.graph.nodes) - before
    return added


def wire(window, source: str, target: str, target_port: str = "in") -> None:
    """Drag from ``source``'s output port to ``target``'s input port."""
    editor = window.editor()
    show(editor, source, target)
    edges = len(editor.graph.edges)
    drag(editor, port_point(editor, source, "out", True), port_point(editor, target, target_port, False))
    assert len(editor.graph.edges) == edges + 1, f"{source} -> {target}.{target_port} was not wired"


def build_iris_mlp(window) -> None:
    """Input (4 features) → Linear → ReLU → Linear (3 scores) → CrossEntropyLoss ← Target; scores → Output."""
    graph = window.editor().graph
    roles = {n.spec.role: n.id for n in graph.nodes.values()}
    x0, y0 = graph.nodes[roles["input"]].position
    hidden, relu, scores, loss, output = (drop_from_palette(window, t, QPointF(x0 + 320, y0 + i * ROW))
                                          for i, t in enumerate(LAYERS))
    wire(window, roles["input"], hidden)
    wire(window, hidden, relu)
    wire(window, relu, scores)
    wire(window, scores, loss, "pred")
    wire(window, roles["target"], loss, "target")
    wire(window, scores, output)
    select_node(window, graph.nodes[scores].name)
    type_into(window.inspector.fields["out_features"], "3")  # one score per species
    window.run_analysis()
    assert all(not a.errors for a in window.results.values())


def train(window, qtbot):
    controller = window.training
    panel = controller.panel
    panel.epochs.setFocus()
    type_into(panel.epochs, str(EPOCHS))
    with qtbot.waitSignal(controller.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(controller.train_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def export_onnx(window, qtbot, path: Path, replace: bool | None = None) -> list[Path]:
    """Export… on the run panel, ONNX, type the file name, Export; returns the files it asked to replace."""
    qtbot.mouseClick(window.training.export_button, Qt.MouseButton.LeftButton)
    dialog = window.training.export_dialog
    asked: list[Path] = []

    def ask(existing: Path) -> bool:
        asked.append(existing)
        assert replace is not None, f"asked to replace {existing}"
        return replace

    dialog.ask_overwrite = ask
    dialog.format.setCurrentIndex(dialog.format.findData("onnx"))
    dialog.path.setFocus()
    QTest.keyClick(dialog.path, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(dialog.path, str(path))
    with qtbot.waitSignal(dialog.exported, timeout=EXPORT_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0], dialog.status.text()
    assert "trained weights" in dialog.status.text()
    dialog.close()
    return asked


def onnx_weights(path: Path) -> list[np.ndarray]:
    import onnx
    from onnx import numpy_helper

    return sorted((numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer),
                  key=lambda a: (a.shape, float(np.abs(a).sum())))


def onnx_scores(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


# ---- the hour ------------------------------------------------------------------------------------------
def test_a_model_trained_exported_saved_and_reopened_exports_the_same_trained_weights(make_window, qtbot,
                                                                                      tmp_path):
    window = make_window()
    choose_in_template_dialog(window, qtbot, lambda d: QTest.keyClick(d.list, Qt.Key.Key_Return))  # Empty project
    build_iris_mlp(window)
    outcome = train(window, qtbot)
    assert outcome.ok and outcome.epochs_completed == EPOCHS, outcome.message
    assert outcome.metrics["val_accuracy"] > 0.6  # three species: chance is a third
    trained_at = outcome.best_checkpoint.parent
    assert not trained_at.is_relative_to(Path.cwd())  # an unsaved project never trains into the working folder

    onnx_file = tmp_path / "iris_mlp.onnx"
    assert export_onnx(window, qtbot, onnx_file) == []  # a new file: no question
    trained_weights = onnx_weights(onnx_file)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    trained_scores = onnx_scores(onnx_file, x)

    (tmp_path / "elsewhere").mkdir()
    project_file = tmp_path / "elsewhere" / "iris_mlp.nbproj"
    window.ask_save_path = lambda: str(project_file)
    carried: list[bool] = []
    window.ask_carry_runs = lambda source, target, move: carried.append(move) or True
    window.actions_by_name["save_as"].trigger()
    assert carried == [True]  # asked once; an unsaved project's run is moved along
    assert (runs_folder(project_file) / trained_at.name / BEST).is_file() and not trained_at.exists()
    window.close()

    reopened = make_window()
    open_with_menu(reopened, project_file)
    assert reopened.training.progress.format() == f"completed · {EPOCHS} epochs"
    assert reopened.training.curves.point_count("val_loss") == EPOCHS
    assert reopened.training.results.matrix() == outcome.confusion
    assert export_onnx(reopened, qtbot, onnx_file, replace=True) == [onnx_file]  # over the first file: asked

    again = onnx_weights(onnx_file)
    assert len(again) == len(trained_weights) >= 4  # two Linear layers: weights and biases
    assert all(np.array_equal(a, b) for a, b in zip(again, trained_weights))
    assert np.allclose(onnx_scores(onnx_file, x), trained_scores, atol=1e-6)
