"""The training settings fields, typed into as a user does: small learning rates kept, precision and compile
offered from the settings model, and a value out of range never changed silently."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from netbuilder.graph.settings import TrainingSettings, choices_for, range_for


def type_into(field, text: str) -> None:
    """Select what the field holds, type ``text`` and press Enter."""
    field.setFocus()
    editor = field.lineEdit()
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)


def keys(combo) -> tuple[str, ...]:
    return tuple(combo.itemData(i) for i in range(combo.count()))


def test_a_learning_rate_of_1e_7_is_shown_as_typed_and_kept_when_another_field_is_edited(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    type_into(panel.learning_rate, "1e-7")
    assert window.project.training.learning_rate == 1e-7
    assert panel.learning_rate.text() == "1e-7"
    type_into(panel.batch_size, "64")
    assert window.project.training.batch_size == 64
    assert window.project.training.learning_rate == 1e-7 and panel.learning_rate.text() == "1e-7"


def test_the_learning_rate_field_reads_plain_decimals_and_its_arrows_step_1_2_5(make_window, cnn):
    window = make_window(cnn)
    field = window.training.panel.learning_rate
    type_into(field, "0.001")
    assert window.project.training.learning_rate == 0.001 and field.text() == "0.001"
    QTest.keyClick(field.lineEdit(), Qt.Key.Key_Up)
    assert window.project.training.learning_rate == 0.002
    QTest.keyClick(field.lineEdit(), Qt.Key.Key_Down)
    QTest.keyClick(field.lineEdit(), Qt.Key.Key_Down)
    assert abs(window.project.training.learning_rate - 5e-4) < 1e-15 and field.text() == "0.0005"


def test_the_learning_rate_range_starts_above_zero_and_the_field_offers_exactly_it(qapp):
    from netbuilder.ui.training.settings_panel import TrainingSettingsPanel

    low, high = range_for(TrainingSettings, "learning_rate")
    assert 0.0 < low <= 1e-8
    field = TrainingSettingsPanel().learning_rate
    assert (field.minimum(), field.maximum()) == (low, high)


def test_precision_and_compile_are_offered_from_the_settings_model_and_explained(qapp):
    from netbuilder.ui.training.settings_panel import TrainingSettingsPanel

    panel = TrainingSettingsPanel()
    assert keys(panel.precision) == choices_for(TrainingSettings, "precision")
    assert keys(panel.compile) == choices_for(TrainingSettings, "compile")
    assert "bf16" in panel.precision.itemText(panel.precision.findData("auto"))
    assert "fp32" in panel.precision.itemText(panel.precision.findData("auto"))  # ... on the CPU
    assert "bfloat16" in panel.precision.toolTip() and "CPU" in panel.precision.toolTip()
    assert "torch.compile" in panel.compile.toolTip()


def test_choosing_precision_and_compile_stores_them_and_undo_takes_them_back(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    panel.precision.setCurrentIndex(panel.precision.findData("fp32"))
    panel.compile.setCurrentIndex(panel.compile.findData("max-autotune"))
    assert (window.project.training.precision, window.project.training.compile) == ("fp32", "max-autotune")
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert (window.project.training.precision, window.project.training.compile) == ("auto", "off")
    assert (panel.precision.currentData(), panel.compile.currentData()) == ("auto", "off")


def test_a_batch_size_above_the_limit_is_not_used_and_the_panel_says_the_limit(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    before = window.project.training.batch_size
    type_into(panel.batch_size, "1000000000")
    assert window.project.training.batch_size == before and panel.batch_size.value() == before
    assert panel.limit_note.isVisible()
    assert "at most 1000000" in panel.limit_note.text() and "1000000000 was not used" in panel.limit_note.text()


def test_a_negative_number_of_epochs_is_not_turned_positive_and_the_panel_says_the_limit(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    before = window.project.training.epochs
    type_into(panel.epochs, "-5")
    assert window.project.training.epochs == before
    assert "Epochs is at least 1" in panel.limit_note.text() and panel.limit_note.isVisible()
    type_into(panel.epochs, "7")  # a value in range is used, and the note goes
    assert window.project.training.epochs == 7 and not panel.limit_note.isVisible()


def test_a_learning_rate_out_of_range_is_not_used_and_the_limit_is_said(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    before = window.project.training.learning_rate
    type_into(panel.learning_rate, "20")
    assert window.project.training.learning_rate == before
    assert "Learning rate is at most 10" in panel.limit_note.text()
    type_into(panel.learning_rate, "1e-9")
    assert window.project.training.learning_rate == before
    assert "Learning rate is at least 1e-8" in panel.limit_note.text()
