"""Export never loses a trained model: it asks before replacing a file, suggests the project's folder, uses the
trained weights it can see, and shows that it is working while the window stays responsive."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Qt

from netbuilder.graph.project import load_project, save_project
from netbuilder.graph.runs import runs_folder
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import run_to_end
from tests.ui_training.test_export_dialog import click_export


def iris_at(path: Path):
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    save_project(project, path)
    return project


def answers(dialog, answer: bool) -> list[Path]:
    asked: list[Path] = []

    def ask(path: Path) -> bool:
        asked.append(path)
        return answer

    dialog.ask_overwrite = ask
    return asked


def test_exporting_over_an_existing_file_asks_and_no_leaves_it_untouched(qtbot, make_window, tmp_path):
    window = make_window(iris_at(tmp_path / "iris.nbproj"))
    target = tmp_path / "iris.onnx"
    target.write_bytes(b"the trained model")
    dialog = window.training.open_export()
    dialog.set_format("onnx")
    dialog.path.setText(str(target))
    asked = answers(dialog, False)
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert asked == [target]
    assert target.read_bytes() == b"the trained model"
    assert "Not exported" in dialog.status.text() and not dialog.busy


def test_answering_yes_replaces_the_file_and_the_next_export_asks_again(qtbot, make_window, tmp_path):
    window = make_window(iris_at(tmp_path / "iris.nbproj"))
    target = tmp_path / "iris.py"
    target.write_text("old")
    dialog = window.training.open_export()
    dialog.set_format("code")
    dialog.path.setText(str(target))
    asked = answers(dialog, True)
    assert click_export(qtbot, dialog)
    assert "nn.Module" in target.read_text()
    assert click_export(qtbot, dialog)
    assert asked == [target, target]


def test_a_new_file_is_written_without_a_question(qtbot, make_window, tmp_path):
    window = make_window(iris_at(tmp_path / "iris.nbproj"))
    dialog = window.training.open_export()
    dialog.set_format("code")
    dialog.path.setText(str(tmp_path / "new.py"))
    asked = answers(dialog, False)
    assert click_export(qtbot, dialog)
    assert asked == [] and (tmp_path / "new.py").is_file()


def test_the_suggested_file_is_in_the_projects_folder(make_window, tmp_path):
    window = make_window(iris_at(tmp_path / "flowers.nbproj"))
    dialog = window.training.open_export()
    dialog.set_format("onnx")
    assert Path(dialog.path.text()) == tmp_path / "flowers.onnx"


def test_an_unsaved_project_is_never_exported_to_the_working_directory_by_default(make_window):
    window = make_window()
    dialog = window.training.open_export()
    assert Path(dialog.path.text()).parent != Path.cwd()


def test_trained_weights_recorded_beside_the_project_are_used_when_the_session_has_none(qtbot, make_window,
                                                                                        tmp_path):
    from netbuilder.ui.training.export_dialog import ExportDialog

    path = tmp_path / "iris.nbproj"
    window = make_window(iris_at(path), epochs=1)
    window.set_project(window.project)  # runs beside the file (the fixture's own folder is replaced)
    outcome = run_to_end(qtbot, window)
    best = outcome.best_checkpoint
    assert best.parent.parent == runs_folder(path)  # the run's own folder in the project's runs
    dialog = ExportDialog(load_project(path), None)  # nothing from this session
    qtbot.addWidget(dialog)
    assert dialog.checkpoint == best
    assert "Trained weights" in dialog.weights_note.text()
    dialog.set_format("weights")
    dialog.path.setText(str(tmp_path / "out.safetensors"))
    assert click_export(qtbot, dialog)
    assert (tmp_path / "out.safetensors").read_bytes() == best.read_bytes()
    assert "trained weights" in dialog.status.text()


def test_while_exporting_the_dialog_shows_it_is_working_and_the_window_keeps_running(qtbot, make_window, tmp_path,
                                                                                      monkeypatch):
    import time

    import netbuilder.export as export

    real = export.export_onnx

    def slow_export(*args, **kwargs):  # as long as a big network's export takes (seconds), not a tiny one's
        time.sleep(0.6)
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "export_onnx", slow_export)
    window = make_window(iris_at(tmp_path / "iris.nbproj"))
    dialog = window.training.open_export()
    dialog.set_format("onnx")
    dialog.path.setText(str(tmp_path / "iris.onnx"))
    seen: list[tuple[bool, bool, str]] = []
    ticks = QTimer()
    ticks.setInterval(50)
    ticks.timeout.connect(lambda: seen.append((dialog.progress.isVisible(), dialog.export_button.isEnabled(),
                                               dialog.status.text())))
    ticks.start()
    assert click_export(qtbot, dialog)
    ticks.stop()
    busy = [s for s in seen if s[0]]
    assert busy, "the event loop ran while exporting, and the busy bar was shown"
    assert all(not enabled and text.startswith("Exporting") for _, enabled, text in busy)
    assert not dialog.progress.isVisible() and dialog.export_button.isEnabled()


def test_the_whole_result_line_is_shown_wrapped(qtbot, make_window, tmp_path):
    window = make_window(iris_at(tmp_path / "iris.nbproj"))
    dialog = window.training.open_export()
    dialog.set_format("onnx")
    dialog.path.setText(str(tmp_path / "iris.onnx"))
    assert click_export(qtbot, dialog)
    for label in (dialog.status, dialog.parity):
        assert label.wordWrap()
        # Nothing cut off: once laid out, each label is as tall as its wrapped text needs at its width.
        qtbot.waitUntil(lambda label=label: label.height() >= label.heightForWidth(label.width()) > 0)
        assert label.width() <= dialog.width()
    assert dialog.parity.text().endswith("✔") and "limit" in dialog.parity.text()  # the end of the line too


def test_closing_the_dialog_during_an_export_lets_the_export_finish_first(qtbot, make_window, tmp_path):
    window = make_window(iris_at(tmp_path / "iris.nbproj"))
    dialog = window.training.open_export()  # deleted when closed
    dialog.set_format("onnx")
    dialog.path.setText(str(tmp_path / "iris.onnx"))
    with qtbot.waitSignal(dialog.destroyed, timeout=120_000):
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
        assert dialog.busy
        dialog.reject()  # Close, or Escape
        assert not dialog.isVisible()
    assert (tmp_path / "iris.onnx").stat().st_size > 0
