"""The settings panel, the curves widget, the overlay and the overfitting hint, without a training run."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF

from netbuilder.ui.training.hints import OVERFIT_PATIENCE, overfitting_epochs
from netbuilder.ui.training.overlay import EXPLODING, VANISHING, gradient_colour, gradient_verdict


@dataclass
class Batch:  # the fields of netbuilder.train.BatchProgress the curves read
    epoch: int
    batch: int
    loss: float
    batches_per_epoch: int = 10
    epochs: int = 5
    learning_rate: float = 1e-3
    samples_per_s: float = 1000.0
    metrics: dict = field(default_factory=dict)


@dataclass
class Epoch:  # the fields of netbuilder.train.EpochEnd the curves read
    epoch: int
    train: dict
    val: dict


@dataclass
class Stats:  # netbuilder.train.LayerStats
    graph: str
    grad_mean_abs: dict
    dead_fraction: dict
    epoch: int = 1
    step: int = 1


def test_changing_a_setting_in_the_panel_changes_the_project_and_marks_it_modified(make_window, cnn):
    window = make_window(cnn)
    assert not window.isWindowModified()
    window.training.panel.learning_rate.setValue(0.01)
    window.training.panel.batch_size.setValue(64)
    assert window.project.training.learning_rate == 0.01 and window.project.training.batch_size == 64
    assert window.isWindowModified()


def test_a_settings_change_can_be_undone_and_redone(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    panel.epochs.setValue(16)
    panel.epochs.setValue(17)  # consecutive edits of one setting are one undo step
    panel.optimizer.setCurrentText("sgd")
    window.undo_stack.undo()
    assert window.project.training.optimizer == "adam" and panel.optimizer.currentText() == "adam"
    window.undo_stack.undo()
    assert window.project.training.epochs == 15 and panel.epochs.value() == 15
    assert not window.isWindowModified()
    window.undo_stack.redo()
    assert window.project.training.epochs == 17 and panel.epochs.value() == 17


def test_every_training_field_offers_exactly_the_range_the_settings_model_accepts(qapp):
    from netbuilder.graph.settings import TrainingSettings, range_for
    from netbuilder.ui.training.settings_panel import TrainingSettingsPanel

    panel = TrainingSettingsPanel()
    for key in ("learning_rate", "batch_size", "epochs", "weight_decay", "grad_clip", "early_stopping"):
        box = getattr(panel, key)
        assert (box.minimum(), box.maximum()) == range_for(TrainingSettings, key), key


def test_every_choice_list_is_the_settings_models_and_schemes_show_their_titles(qapp):
    from netbuilder.graph.schemes import SCHEMES, scheme_names
    from netbuilder.graph.settings import TrainingSettings, choices_for
    from netbuilder.ui.training.settings_panel import TrainingSettingsPanel

    panel = TrainingSettingsPanel()

    def keys(combo):
        return tuple(combo.itemData(i) for i in range(combo.count()))

    for key in ("optimizer", "schedule", "device"):
        assert keys(getattr(panel, key)) == choices_for(TrainingSettings, key), key
    assert keys(panel.scheme) == scheme_names()
    assert [panel.scheme.itemText(i) for i in range(panel.scheme.count())] == [SCHEMES[n].title
                                                                                for n in scheme_names()]


def test_choosing_a_scheme_by_its_title_stores_its_name(make_window, cnn):
    from netbuilder.graph.schemes import SCHEMES

    window = make_window(cnn)
    panel = window.training.panel
    name = next(n for n in SCHEMES if n != window.project.training.scheme)
    panel.scheme.setCurrentText(SCHEMES[name].title)
    assert window.project.training.scheme == name


def test_the_device_list_shows_what_this_machine_has_once_opened(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    panel.load_choices()
    texts = [panel.device.itemText(i) for i in range(panel.device.count())]
    assert any(t.startswith("CPU (") for t in texts) and any(t.startswith("auto →") for t in texts)
    assert panel.dataset.findData("iris") >= 0 and panel.dataset.findData("csv") >= 0


def test_the_file_field_is_enabled_only_for_user_data_sources(make_window, cnn):
    window = make_window(cnn)
    panel = window.training.panel
    panel.load_choices()
    assert not panel.path.isEnabled()
    panel.dataset.setCurrentIndex(panel.dataset.findData("csv"))
    assert panel.path.isEnabled() and window.project.dataset.name == "csv"


def test_data_set_options_are_typed_as_key_value_pairs_and_unknown_keys_are_refused(make_window, cnn):
    cnn.dataset.name = "moons"
    window = make_window(cnn)
    panel = window.training.panel
    panel.load_choices()
    panel.options.setText("samples=200; noise=0.1")
    panel.options.editingFinished.emit()
    assert window.project.dataset.options == {"samples": 200, "noise": 0.1}
    panel.options.setText("colour=red")
    panel.options.editingFinished.emit()
    assert "moons has no option colour" in panel.options_error and "samples" in panel.options.toolTip()
    assert window.project.dataset.options == {"samples": 200, "noise": 0.1}


def make_curves(qtbot):
    from netbuilder.ui.training.curves import CurvesWidget

    curves = CurvesWidget()
    qtbot.addWidget(curves)
    curves.resize(900, 300)
    curves.show()
    return curves


def test_curves_plot_batches_at_fractional_epochs_and_export_csv_and_png(qtbot, tmp_path):
    curves = make_curves(qtbot)
    curves.add_batches([Batch(1, 5, 2.0, metrics={"accuracy": 0.5}), Batch(1, 10, 1.0, metrics={"accuracy": 0.7})])
    curves.add_epochs([Epoch(1, {"loss": 1.5}, {"loss": 1.2, "accuracy": 0.8})])
    curves.refresh()
    assert list(curves.curves["train_loss"].item.xData) == [0.5, 1.0]
    assert curves.point_count("val_accuracy") == 1
    rows = (curves.export_csv(tmp_path / "c.csv")).read_text().splitlines()
    assert rows[0] == "series,epoch,value" and "val_loss,1,1.2" in rows
    assert curves.export_png(tmp_path / "c.png").stat().st_size > 1000


def test_the_log_scale_toggle_switches_the_loss_axis(qtbot):
    curves = make_curves(qtbot)
    curves.log_box.setChecked(True)
    assert curves.loss_plot.ctrl.logYCheck.isChecked()
    curves.log_box.setChecked(False)
    assert not curves.loss_plot.ctrl.logYCheck.isChecked()


def test_hovering_a_plot_reads_out_the_nearest_point(qtbot):
    curves = make_curves(qtbot)
    curves.add_batches([Batch(1, 5, 2.0), Batch(1, 10, 1.0)])
    curves.refresh()
    qtbot.wait(50)
    point = curves.loss_plot.vb.mapViewToScene(QPointF(0.98, 1.0))  # near the second point
    assert "training loss (batches) 1 @ epoch 1.00" in curves.read_at(point)


def test_rising_validation_loss_with_falling_training_loss_is_called_overfitting(qtbot):
    assert overfitting_epochs([1.0, 0.8, 0.6, 0.4, 0.3], [1.0, 0.9, 0.95, 1.0, 1.1]) == 3
    assert overfitting_epochs([1.0, 0.8, 0.6], [1.0, 0.9, 0.8]) == 0
    curves = make_curves(qtbot)
    train = [1.0, 0.8, 0.6, 0.4, 0.3]
    val = [1.0, 0.9, 0.95, 1.0, 1.1]
    curves.add_epochs([Epoch(i + 1, {"loss": t}, {"loss": v}) for i, (t, v) in enumerate(zip(train, val))])
    assert curves.overfitting and OVERFIT_PATIENCE == 3
    assert "Dropout" in curves.hint.text() and "weight decay" in curves.hint.text()
    assert curves.overfit_text.toPlainText()


def test_gradient_thresholds_mark_vanishing_and_exploding_layers():
    assert gradient_verdict(VANISHING / 10) == "vanishing"
    assert gradient_verdict(EXPLODING * 10) == "exploding"
    assert gradient_verdict(float("nan")) == "exploding"
    assert gradient_verdict(1e-3) == ""
    assert gradient_colour(1e-9) != gradient_colour(1e-3) != gradient_colour(1e4)


def test_the_overlay_badges_vanishing_layers_and_dead_activations(make_window, cnn):
    window = make_window(cnn)
    window.training.overlay.apply(Stats("model", {"conv1": 1e-9, "fc1": 1e-3}, {"relu3": 0.75}))
    items = {window.project.graphs["model"].nodes[nid].name: item
             for nid, item in window.editor().scene.node_items.items()}
    assert items["conv1"].overlay_badge == "vanishing" and items["conv1"].overlay_warning
    assert "vanishing" in items["conv1"].toolTip()
    assert items["fc1"].overlay_colour is not None and not items["fc1"].overlay_warning
    assert items["relu3"].overlay_badge == "dead 75%" and items["relu3"].overlay_warning
    window.training.overlay.clear()
    assert items["conv1"].overlay_colour is None and items["conv1"].overlay_badge == ""


def test_options_text_reads_json_values_and_plain_words_and_says_what_is_malformed():
    import pytest

    from netbuilder.ui.training.settings_panel import format_options, parse_options

    assert parse_options("target=species; features=[0, 1]; header=true") == {
        "target": "species", "features": [0, 1], "header": True}
    assert parse_options(format_options({"target": "species", "samples": 3})) == {"target": "species", "samples": 3}
    with pytest.raises(ValueError, match="not key=value"):
        parse_options("samples 200")
