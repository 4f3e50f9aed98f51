"""A value typed out of a parameter's range is never changed silently: it is not used, the field keeps the
layer's value, and the note under the field says the limit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.drive import click, node_point, show


def _select(window, name: str):
    editor = window.editor()
    node = editor.graph.node_named(name)
    show(editor, node.id)
    click(editor, node_point(editor, node.id))
    return node


def _type(field, text: str) -> None:
    field.setFocus()
    QTest.keyClick(field, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key_Return)


@pytest.mark.parametrize("typed, limit", [("1000000000", "at most 100000"), ("-5", "at least 1"),
                                          ("0", "at least 1")])
def test_a_whole_number_out_of_range_is_not_used_and_the_limit_is_said_under_the_field(make_window, cnn, typed,
                                                                                        limit):
    window = make_window(cnn)
    conv = _select(window, "conv1")
    field, note = window.inspector.fields["out_channels"], window.inspector.notes["out_channels"]
    _type(field, typed)
    assert conv.params["out_channels"] == 16
    assert note.isVisible() and limit in note.text() and f"{typed} was not used (kept 16)" in note.text()
    field.clearFocus()  # leaving the field shows the layer's value again
    assert field.value() == 16 and field.text() == "16"
    below = note.mapTo(window.inspector, note.rect().topLeft()).y() - field.mapTo(window.inspector,
                                                                                  field.rect().bottomLeft()).y()
    assert 0 <= below < 30  # right under the field, where the user is looking


def test_a_value_in_range_is_used_and_takes_the_note_away(make_window, cnn):
    window = make_window(cnn)
    conv = _select(window, "conv1")
    field, note = window.inspector.fields["out_channels"], window.inspector.notes["out_channels"]
    _type(field, "1000000000")
    assert note.isVisible()
    _type(field, "24")
    assert conv.params["out_channels"] == 24 and not note.isVisible()


def test_a_decimal_out_of_range_is_not_used_and_the_limit_is_said(make_window, cnn):
    window = make_window(cnn)
    dropout = _select(window, "dropout")
    before = dropout.params["p"]
    field, note = window.inspector.fields["p"], window.inspector.notes["p"]
    _type(field, "1.5")
    assert dropout.params["p"] == before
    assert note.isVisible() and "at most 0.99" in note.text()
