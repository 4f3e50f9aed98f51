"""A file command that fails shows, in its dialog, the very line `netbuilder` prints for the same error.

The window's dialogs and the command line share one mapping (`netbuilder.graph.error_text`); these tests
drive the real window into each failure and compare the dialog's text with `netbuilder.cli.errors.explain`
of the same exception.
"""

from __future__ import annotations

import errno
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from netbuilder.cli.errors import explain
from netbuilder.graph.project import load_project, save_project
from tests.ui.test_first_hour_open import open_with_menu


def shown_text(window) -> str:
    box = window.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    return box.text()


def cli_message(exc: BaseException) -> str:
    known = explain(exc)
    assert known is not None, f"the CLI has no message for {exc!r}"
    return known[1]


def error_of(call) -> BaseException:
    try:
        call()
    except Exception as exc:  # the error the command line would meet for the same input
        return exc
    raise AssertionError("no error")


def test_saving_into_a_read_only_folder_shows_the_clis_message(make_window, cnn, tmp_path, monkeypatch):
    from netbuilder.graph import files

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() == 0:  # root writes anywhere: the OS's refusal is played by the temporary-file call
        def refuse(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))

        monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    target = folder / "mine.nbproj"
    expected = cli_message(error_of(lambda: save_project(load_project(cnn.path), target)))
    window = make_window(cnn)
    window.ask_save_path = lambda: str(target)  # what the Save As dialog answers
    QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert shown_text(window) == expected == window.last_error
    assert "permission denied" in expected and str(target) in expected
    assert not target.exists() and window.project.path == cnn.path


@pytest.mark.parametrize("kind", ["folder", "fifo", "garbage"])
def test_opening_what_is_not_a_project_shows_the_clis_message(make_window, cnn, tmp_path, kind):
    path = tmp_path / f"{kind}.nbproj"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("needs POSIX FIFOs")
        os.mkfifo(path)
    else:
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    expected = cli_message(error_of(lambda: load_project(path)))
    window = make_window(cnn)
    before = window.project
    open_with_menu(window, path)  # File › Open, read in the background; a FIFO must not hang it
    assert shown_text(window) == expected
    assert str(path) in expected and "Traceback" not in expected
    assert window.project is before


def test_exporting_onto_a_folder_shows_the_clis_message(make_window, cnn, tmp_path, capsys):
    from netbuilder.cli import main

    project_file = save_project(cnn, tmp_path / "digits.nbproj")
    folder = tmp_path / "out.onnx"
    folder.mkdir()
    assert main(["export", str(project_file), "--onnx", str(folder)]) != 0
    printed = capsys.readouterr().err.strip().removeprefix("netbuilder export: ")
    window = make_window(load_project(project_file))
    dialog = window.training.open_export()
    dialog.set_format("onnx")
    dialog.path.setText(str(folder))
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == dialog.error == printed
    assert str(folder) in printed and "folder" in printed


def test_a_bug_is_not_dressed_up_as_a_message(make_window, cnn, tmp_path, monkeypatch):
    from netbuilder.ui import project_files

    def broken(*args, **kwargs):
        raise KeyError("an internal mistake")

    monkeypatch.setattr(project_files, "write_project", broken)
    window = make_window(cnn)
    with pytest.raises(KeyError):  # it reaches the excepthook with its traceback, as a bug should
        window.save_as(tmp_path / "x.nbproj")
    assert window.findChild(QMessageBox) is None
