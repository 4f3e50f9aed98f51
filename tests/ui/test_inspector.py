"""The inspector: a form from the catalog's parameter specs; edits are undoable and checked as typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox

from tests.ui.drive import click, node_point


def _select(window, name: str):
    editor = window.editor()
    node = editor.graph.node_named(name)
    editor.select_and_centre(node.id)
    click(editor, node_point(editor, node.id))
    return node


def _type_into(widget, text: str) -> None:
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(widget, text)


def test_selecting_a_node_builds_a_form_from_its_parameter_specs(make_window, cnn):
    window = make_window(cnn)
    _select(window, "conv1")
    fields = window.inspector.fields
    channels = fields["out_channels"]
    assert isinstance(channels, QSpinBox) and channels.value() == 16
    assert (channels.minimum(), channels.maximum()) == (1, 100_000)
    assert "filters" in channels.toolTip()
    kernel = fields["kernel_size"]  # one number for every axis, or one per axis
    assert isinstance(kernel, QLineEdit) and kernel.text() == "3"
    assert "filter" in kernel.toolTip()


def test_a_kernel_size_per_axis_is_typed_as_a_list_and_shown_compactly_on_the_node(make_window, cnn):
    window = make_window(cnn)
    conv1 = _select(window, "conv1")
    kernel = window.inspector.fields["kernel_size"]
    _type_into(kernel, "3,2")
    window.run_analysis()
    assert conv1.params["kernel_size"] == [3, 2]
    look = window.editor().scene.node_items[conv1.id].look
    assert "k 3×2" in look.params and not look.errors
    _type_into(kernel, "5")
    assert conv1.params["kernel_size"] == 5  # one number stays a number
    _type_into(kernel, "3,0")
    assert window.inspector.notes["kernel_size"].isVisibleTo(window.inspector)
    assert conv1.params["kernel_size"] == 3  # the last valid text typed: "3", before ",0"


def test_choice_parameters_get_a_combo_box_and_hidden_rows_follow_it(make_window, cnn):
    window = make_window(cnn)
    _select(window, "image")
    kind = window.inspector.fields["kind"]
    assert isinstance(kind, QComboBox) and kind.currentText() == "image"
    assert not window.inspector.fields["channels"].isHidden()
    kind.setCurrentText("tabular")
    assert window.inspector.fields["channels"].isHidden()
    assert not window.inspector.fields["features"].isHidden()


def test_typing_a_kernel_too_big_shows_the_error_and_typing_a_good_one_fixes_it(make_window, cnn):
    window = make_window(cnn)
    conv1 = _select(window, "conv1")
    editor = window.editor()
    spin = window.inspector.fields["kernel_size"]
    _type_into(spin, "13")
    window.run_analysis()
    assert conv1.params["kernel_size"] == 13
    assert editor.scene.node_items[conv1.id].look.errors
    assert "kernel" in window.inspector.problems.text()
    assert any(window.problems.topLevelItem(i).text(1) == "conv1"
               for i in range(window.problems.topLevelItemCount()))
    _type_into(spin, "5")
    window.run_analysis()
    assert conv1.params["kernel_size"] == 5
    assert not editor.scene.node_items[conv1.id].look.errors
    assert window.problems.problem_count == 0


def test_typing_into_a_field_is_one_undo_step_and_undo_updates_the_form(make_window, cnn):
    window = make_window(cnn)
    conv1 = _select(window, "conv1")
    spin = window.inspector.fields["out_channels"]
    _type_into(spin, "48")
    assert conv1.params["out_channels"] == 48
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert conv1.params["out_channels"] == 16
    assert spin.value() == 16


def test_an_invalid_name_is_reported_while_typing_and_not_applied(make_window, cnn):
    window = make_window(cnn)
    conv1 = _select(window, "conv1")
    name = window.inspector.fields["__name"]
    _type_into(name, "bn1")
    assert "already called" in window.inspector.notes["__name"].text()
    QTest.keyClick(name, Qt.Key_Return)
    assert conv1.name == "conv1"
    _type_into(name, "features")
    QTest.keyClick(name, Qt.Key_Return)
    assert conv1.name == "features"
    assert window.editor().scene.node_items[conv1.id].look.name == "features"


def test_a_shape_list_field_checks_the_text_as_it_is_typed(make_window, cnn):
    window = make_window(cnn)
    labels = _select(window, "labels")
    window.inspector.fields["kind"].setCurrentText("values")
    shape = window.inspector.fields["shape"]
    _type_into(shape, "4,a")
    assert window.inspector.notes["shape"].isVisibleTo(window.inspector)
    assert labels.params["shape"] == [4]  # the last valid text typed; "4,a" is not applied
    _type_into(shape, "4,2")
    assert labels.params["shape"] == [4, 2]
    assert not window.inspector.notes["shape"].isVisibleTo(window.inspector)


def test_freezing_a_layer_and_choosing_its_initialisation_are_undoable(make_window, cnn):
    window = make_window(cnn)
    conv1 = _select(window, "conv1")
    fields = window.inspector.fields
    assert fields["__init_std"].isHidden()
    fields["__trainable"].setChecked(False)
    fields["__init"].setCurrentText("normal")
    assert not fields["__init_std"].isHidden()
    assert (conv1.trainable, conv1.init) == (False, "normal")
    window.run_analysis()
    assert window.editor().scene.node_items[conv1.id].look.frozen
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert (conv1.trainable, conv1.init) == (True, "default")
    assert fields["__trainable"].isChecked() and fields["__init"].currentText() == "default"


def test_selecting_a_block_lets_you_rename_it_and_save_it_to_the_palette(make_window, cnn):
    from PySide6.QtWidgets import QPushButton

    window = make_window(cnn)
    editor = window.editor()
    ids = [editor.graph.node_named(n).id for n in ("conv1", "bn1")]
    editor.scene.select_nodes(ids)
    gid = editor.group_selection("pair")  # leaves the new block selected
    assert window.inspector.group_id == gid
    name = window.inspector.fields["__group_name"]
    _type_into(name, "conv_block")
    QTest.keyClick(name, Qt.Key_Return)
    assert editor.graph.groups[gid].name == "conv_block"
    (save,) = [b for b in window.inspector.findChildren(QPushButton) if "palette" in b.text()]
    QTest.mouseClick(save, Qt.LeftButton)
    assert window.layer_palette.item_for("conv_block") is not None
