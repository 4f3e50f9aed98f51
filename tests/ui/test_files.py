"""Files: save and reopen, bad files, the modified mark, recent files, autosave and recovery."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from netbuilder.graph.project import load_project
from netbuilder.ui.files import RecentFiles
from tests.ui.test_editing import canonical


def test_saving_and_reopening_gives_back_the_same_project(make_window, cnn, tmp_path, qtbot):
    window = make_window(cnn)
    editor = window.editor()
    editor.add_layer("GELU")
    editor.view.set_zoom(0.75)
    path = tmp_path / "mine.nbproj"
    assert window.save_as(path)
    saved = {name: canonical(g) for name, g in window.project.graphs.items()}
    other = make_window()
    assert other.open_project(path)
    assert {name: canonical(g) for name, g in other.project.graphs.items()} == saved
    assert other.project.training == cnn.training
    qtbot.waitUntil(lambda: abs(other.editor().view.zoom - 0.75) < 0.01)  # the view is stored in the file


def test_the_title_shows_the_file_and_a_modified_mark_until_saved(make_window, cnn, tmp_path):
    window = make_window(cnn)
    assert "cnn_digits.nbproj" in window.windowTitle() and not window.isWindowModified()
    window.editor().add_layer("ReLU")
    assert window.isWindowModified()
    window.save_as(tmp_path / "copy.nbproj")
    assert "copy.nbproj" in window.windowTitle() and not window.isWindowModified()
    assert RecentFiles(window.settings).paths()[0].endswith("copy.nbproj")


def test_opening_a_bad_file_shows_the_loaders_message_and_keeps_the_project(make_window, cnn, tmp_path):
    window = make_window(cnn)
    window.editor().add_layer("ReLU")
    before = canonical(window.editor().graph)
    bad = tmp_path / "broken.nbproj"
    bad.write_text('{"format_version": 1, "graphs": {"model": {"nodes": [{"id": "a", "type": "Conv9d"}]}}}')
    assert not window.open_project(bad)
    assert "broken.nbproj" in window.last_error and "Conv9d" in window.last_error
    assert canonical(window.editor().graph) == before and window.isWindowModified()
    box = window.findChild(QMessageBox)
    assert box is not None and "Conv9d" in box.text()


def test_new_from_a_template_starts_an_unsaved_copy(make_window, cnn):
    from tests.qt_fixtures import EXAMPLES

    window = make_window(cnn)
    window.ask_template = lambda: (True, EXAMPLES / "mlp_iris.nbproj")
    QTest.keyClick(window, Qt.Key_N, Qt.ControlModifier)
    assert window.project.name == "MLP on iris" and window.project.path is None
    assert "not saved yet" in window.windowTitle()


def test_the_template_chooser_offers_every_example_project(qtbot):
    from netbuilder.ui.dialogs import TemplateChooser
    from tests.qt_fixtures import EXAMPLES

    chooser = TemplateChooser()
    qtbot.addWidget(chooser)
    names = [chooser.list.item(i).text().split("\n")[0] for i in range(chooser.list.count())]
    examples = len(list(EXAMPLES.glob("*.nbproj")))
    assert names[0] == "Empty project" and "CNN on digits" in names and len(names) == 1 + examples


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(make_window, cnn):
    window = make_window(cnn)
    window.editor().add_layer("ReLU")
    asked = []
    window.ask_save_changes = lambda: asked.append(1) or QMessageBox.Cancel
    assert not window.close()
    assert asked and window.isVisible()


def test_autosave_writes_unsaved_work_and_a_new_window_offers_to_recover_it(make_window, cnn):
    window = make_window(cnn, autosave_ms=50)
    node_id = window.editor().add_layer("Tanh")
    QTest.qWait(150)  # the autosave timer fires
    assert window.recovery.pending()
    # A crash: the window never closes cleanly. The next start finds the recovery file.
    fresh = make_window()
    fresh.ask_recover = lambda when: True
    assert fresh.offer_recovery()
    assert node_id in fresh.editor().graph.nodes
    assert fresh.project.path == cnn.path and fresh.isWindowModified()
    assert fresh.project.view.get("recovered_from") is None


def test_declining_recovery_deletes_the_recovery_file(make_window, cnn):
    window = make_window(cnn)
    window.editor().add_layer("Tanh")
    window.autosave()
    fresh = make_window()
    fresh.ask_recover = lambda when: False
    assert not fresh.offer_recovery()
    assert not fresh.recovery.pending()


def test_a_clean_close_leaves_no_recovery_file(make_window, cnn, tmp_path):
    window = make_window(cnn)
    window.editor().add_layer("Tanh")
    window.autosave()
    window.save_as(tmp_path / "done.nbproj")
    assert window.close()
    assert not window.recovery.pending()
    assert load_project(tmp_path / "done.nbproj").graphs["model"].node_named("tanh_1") is not None


def test_dock_layout_is_remembered_between_windows(make_window, cnn):
    from PySide6.QtWidgets import QDockWidget

    window = make_window(cnn)
    window.findChild(QDockWidget, "dock_problems").hide()
    window.close()
    again = make_window(cnn)
    assert again.findChild(QDockWidget, "dock_problems").isHidden()


def test_the_recent_files_menu_reopens_a_saved_project(make_window, cnn, tmp_path, qtbot):
    window = make_window(cnn)
    window.save_as(tmp_path / "again.nbproj")
    other = make_window()
    other.fill_recent_menu()
    (action,) = [a for a in other.recent_menu.actions() if a.text() == "again.nbproj"]
    action.trigger()
    qtbot.waitUntil(lambda: other.opening is None, timeout=10_000)  # read in the background
    assert other.project.path == tmp_path / "again.nbproj" and other.project.name == "CNN on digits"
