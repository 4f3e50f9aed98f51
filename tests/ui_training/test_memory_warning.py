"""Before a run: a network too big for the training device's memory is named with what it needs and what
the device has; the user trains anyway or cancels."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project, load_project
from netbuilder.graph.settings import DatasetSettings
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import RUN_TIMEOUT_MS


def huge_mlp() -> Project:
    """100,000 features into 100,000 units: ten billion weights, far beyond this machine."""
    g = Graph("model")
    x = g.add_node("Input", name="x", params={"kind": "tabular", "features": 100_000}).id
    h = g.add_node("Linear", name="h", params={"out_features": 100_000}).id
    out = g.add_node("Linear", name="out", params={"out_features": 3}).id
    y = g.add_node("Target", name="y", params={"kind": "classes", "classes": 3}).id
    loss = g.add_node("CrossEntropyLoss", name="loss").id
    for a, ap, b, bp in ((x, "out", h, "in"), (h, "out", out, "in"), (out, "out", loss, "pred"),
                         (y, "out", loss, "target")):
        g.connect(a, ap, b, bp)
    project = Project("huge", {"model": g}, DatasetSettings("iris"))
    project.training.device = "cpu"
    return project


def answer_memory_warning(qtbot, button: str, seen: list[str]) -> None:
    """Click ``button`` in the warning once it is shown (it is modal: answered from the event loop)."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        qtbot.mouseClick(next(b for b in box.buttons() if b.text().replace("&", "") == button), Qt.LeftButton)

    QTimer.singleShot(0, answer)


def test_a_network_too_big_for_memory_is_not_trained_when_the_user_cancels(make_window, qtbot):
    window = make_window(huge_mlp(), epochs=1)
    seen: list[str] = []
    answer_memory_warning(qtbot, "Cancel", seen)
    qtbot.mouseClick(window.training.train_button, Qt.LeftButton)
    assert len(seen) == 1
    assert "needs about" in seen[0] and "GiB" in seen[0] and "this computer's memory has" in seen[0]
    assert "optimiser state (adam)" in seen[0] and "batch size 32" in seen[0]
    assert not window.training.running
    assert window.training.train_button.isEnabled()


def test_train_anyway_starts_the_run(make_window, qtbot, monkeypatch):
    from netbuilder.ui.training import memory_check

    monkeypatch.setattr(memory_check, "available_memory_bytes", lambda: 1024)  # a machine with 1 KiB free
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    project.training.device = "cpu"
    window = make_window(project, epochs=1)
    seen: list[str] = []
    answer_memory_warning(qtbot, "Train anyway", seen)
    with qtbot.waitSignal(window.training.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.training.train_button, Qt.LeftButton)
    assert "has 1.0 KiB free" in seen[0]
    assert blocker.args[0].reason.value == "completed"


def test_a_network_that_fits_trains_without_a_question(make_window, qtbot):
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    project.training.device = "cpu"
    window = make_window(project, epochs=1)
    with qtbot.waitSignal(window.training.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.training.train_button, Qt.LeftButton)
    assert QApplication.activeModalWidget() is None
