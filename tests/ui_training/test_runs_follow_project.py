"""A project's runs belong to it: every run is kept in a folder of its own, an unsaved project trains into the
per-user data folder, Save As carries every run along (asked once), reopening shows the newest run (status,
curves, confusion matrix, the checkpoint Export uses), and New or Open never shows the previous project's run,
error or checkpoint."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

from netbuilder.graph.project import Project, load_project, save_project
from netbuilder.graph.runs import BEST, HISTORY, runs_folder
from netbuilder.ui.training.run_page import NOT_TRAINED, WELCOME
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import run_to_end

EPOCHS = 3


def iris(path: Path | None = None, name: str = "iris") -> Project:
    """The iris MLP example as a new project (no file), or saved at ``path``."""
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    project.path, project.name = None, name
    if path is not None:
        save_project(project, path)
    return project


def shown(make_window, project: Project):
    """A window showing ``project`` with the runs where the window puts them (the fixture's own folder for
    runs is replaced: showing the project again picks the project's folder)."""
    window = make_window(project, epochs=EPOCHS)
    window.set_project(project)
    return window


def answer_carry(window, answer: bool) -> list[tuple[Path, Path, bool]]:
    asked: list[tuple[Path, Path, bool]] = []

    def ask(source: Path, target: Path, move: bool) -> bool:
        asked.append((source, target, move))
        return answer

    window.ask_carry_runs = ask
    return asked


def user_data() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


# ---- where runs go -----------------------------------------------------------------------------------------
def test_an_unsaved_project_trains_into_the_per_user_data_folder_never_the_working_directory(
        qtbot, make_window):
    window = shown(make_window, iris())
    outcome = run_to_end(qtbot, window)
    assert outcome.ok, outcome.message
    folder = outcome.best_checkpoint.parent
    assert folder.is_relative_to(user_data() / "runs")
    assert not folder.is_relative_to(Path.cwd())
    assert (folder / HISTORY).is_file()


def test_two_unsaved_projects_never_share_a_runs_folder(make_window):
    window = shown(make_window, iris())
    first = window.training.out_dir
    window.new_project(None)
    assert window.training.out_dir != first and window.training.out_dir.is_relative_to(user_data())


def test_a_saved_project_trains_beside_its_file(qtbot, make_window, tmp_path):
    window = shown(make_window, iris(tmp_path / "flowers.nbproj"))
    outcome = run_to_end(qtbot, window)
    assert outcome.best_checkpoint.parent.parent == runs_folder(tmp_path / "flowers.nbproj")


def test_every_run_is_kept_in_a_folder_of_its_own(qtbot, make_window, tmp_path):
    window = shown(make_window, iris(tmp_path / "flowers.nbproj"))
    first, second = run_to_end(qtbot, window), run_to_end(qtbot, window)
    assert first.best_checkpoint.parent != second.best_checkpoint.parent
    assert first.best_checkpoint.is_file() and second.best_checkpoint.is_file()  # the first is not overwritten
    assert window.training.best_checkpoint == second.best_checkpoint  # Export uses the newest


# ---- Save As carries the run -------------------------------------------------------------------------------
def test_saving_a_trained_unsaved_project_asks_once_and_moves_its_run_beside_the_file(qtbot, make_window, tmp_path):
    window = shown(make_window, iris())
    outcome = run_to_end(qtbot, window)
    source = outcome.best_checkpoint.parent
    asked = answer_carry(window, True)
    window.ask_save_path = lambda: str(tmp_path / "iris.nbproj")
    window.actions_by_name["save"].trigger()  # File › Save of an unsaved project asks where, then saves
    assert window.project.path == tmp_path / "iris.nbproj"
    assert len(asked) == 1 and asked[0][2] is True  # moved
    target = runs_folder(window.project.path) / source.name
    assert (target / BEST).read_bytes() and not source.exists()
    assert window.training.best_checkpoint == target / BEST
    assert window.training.out_dir == runs_folder(window.project.path)  # the next run goes there too
    assert run_to_end(qtbot, window).best_checkpoint.parent.parent == window.training.out_dir


def test_declining_leaves_the_run_where_it_was_and_the_file_opens_untrained(qtbot, make_window, tmp_path):
    window = shown(make_window, iris())
    outcome = run_to_end(qtbot, window)
    answer_carry(window, False)
    assert window.save_as(tmp_path / "iris.nbproj")
    assert outcome.best_checkpoint.is_file()  # not lost: still in the per-user folder
    assert not runs_folder(tmp_path / "iris.nbproj").exists()
    other = shown(make_window, load_project(tmp_path / "iris.nbproj"))
    assert other.training.progress.format() == NOT_TRAINED


def test_save_as_of_a_saved_trained_project_copies_its_run(qtbot, make_window, tmp_path):
    window = shown(make_window, iris(tmp_path / "first.nbproj"))
    run_to_end(qtbot, window)
    (tmp_path / "elsewhere").mkdir()
    asked = answer_carry(window, True)
    assert window.save_as(tmp_path / "elsewhere" / "second.nbproj")
    assert len(asked) == 1 and asked[0][2] is False  # copied
    first, second = runs_folder(tmp_path / "first.nbproj"), runs_folder(tmp_path / "elsewhere" / "second.nbproj")
    run = window.training.run_dir.name
    assert (first / run / BEST).read_bytes() == (second / run / BEST).read_bytes()
    assert window.training.best_checkpoint == second / run / BEST


def test_an_untrained_project_is_saved_without_a_question(make_window, tmp_path):
    window = shown(make_window, iris())
    asked = answer_carry(window, True)
    assert window.save_as(tmp_path / "iris.nbproj")
    assert asked == []


# ---- reopening shows the last run --------------------------------------------------------------------------
def test_reopening_a_trained_project_shows_its_run_curves_confusion_matrix_and_checkpoint(
        qtbot, make_window, tmp_path):
    path = tmp_path / "iris.nbproj"
    window = shown(make_window, iris(path))
    run_to_end(qtbot, window)  # an older run: the newest is shown
    outcome = run_to_end(qtbot, window)
    best = outcome.best_checkpoint
    window.close()
    reopened = shown(make_window, load_project(path))
    controller = reopened.training
    assert controller.progress.format() == f"completed · {EPOCHS} epochs"
    assert controller.progress.value() == controller.progress.maximum()
    accuracy = f"val accuracy {outcome.metrics['val_accuracy']:.4g}"
    assert accuracy in controller.status.text() and str(best) in controller.status.text()
    assert controller.curves.point_count("val_loss") == EPOCHS
    assert controller.curves.point_count("val_accuracy") == EPOCHS
    assert controller.curves.point_count("lr") == EPOCHS
    assert controller.results.matrix() == outcome.confusion
    headers = [controller.results.confusion.verticalHeaderItem(i).text() for i in range(3)]
    assert headers == ["setosa", "versicolor", "virginica"]
    assert controller.best_checkpoint == best
    dialog = controller.open_export()
    assert str(best) in dialog.weights_note.text()
    assert controller.runs_panel.table.rowCount() == 2  # both runs listed


def test_new_and_open_never_show_the_previous_projects_run(qtbot, make_window, tmp_path):
    trained = tmp_path / "trained.nbproj"
    window = shown(make_window, iris(trained))
    best = run_to_end(qtbot, window).best_checkpoint
    controller = window.training
    window.new_project(None)  # File › New › Empty project
    assert controller.progress.format() == NOT_TRAINED and controller.status.text() == WELCOME
    assert controller.curves.point_count("val_loss") == 0 and controller.results.matrix() == []
    assert controller.best_checkpoint is None and controller.open_export().checkpoint is None
    untrained = tmp_path / "untrained.nbproj"
    iris(untrained)
    window.open_project(untrained)
    assert controller.progress.format() == NOT_TRAINED and controller.best_checkpoint is None
    window.open_project(trained)  # and back: its own run again
    assert controller.progress.format().startswith("completed")
    assert controller.best_checkpoint == best


def test_a_failure_message_goes_when_another_project_is_opened(qtbot, make_window, tmp_path):
    broken = iris()
    graph = broken.main_graph
    graph.disconnect(next(e.id for e in graph.edges.values() if graph.nodes[e.target].name == "hidden1"))
    window = shown(make_window, broken)
    outcome = run_to_end(qtbot, window)
    assert not outcome.ok and "hidden1" in window.training.status.text()
    window.open_project(iris(tmp_path / "fine.nbproj").path)
    assert "hidden1" not in window.training.status.text()
    assert window.training.status.text() == WELCOME


def test_a_failure_message_is_marked_out_of_date_once_the_network_is_fixed(qtbot, make_window):
    broken = iris()
    graph = broken.main_graph
    edge = next(e for e in graph.edges.values() if graph.nodes[e.target].name == "hidden1")
    graph.disconnect(edge.id)
    window = shown(make_window, broken)
    outcome = run_to_end(qtbot, window)
    assert not outcome.ok and "hidden1" in window.training.status.text()
    assert window.editor().connect_ports(edge.source, edge.source_port, edge.target, edge.target_port)
    status = window.training.status
    assert "hidden1" not in status.text() and "changed since the last run failed" in status.text()
    assert outcome.message in status.toolTip()  # what it was stays one hover away


def test_saving_under_a_new_name_during_a_run_carries_the_run_once_it_ends(qtbot, make_window, tmp_path):
    from PySide6.QtCore import Qt

    from tests.ui_training.conftest import RUN_TIMEOUT_MS

    window = shown(make_window, iris())
    window.training.epochs = 10_000  # outlives the test unless stopped
    controller = window.training
    qtbot.mouseClick(controller.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: controller.worker is not None and controller.worker.step > 0, timeout=RUN_TIMEOUT_MS)
    answer_carry(window, True)
    assert window.save_as(tmp_path / "iris.nbproj")
    run = controller.run_dir.name
    target = runs_folder(tmp_path / "iris.nbproj") / run
    assert not (target / BEST).exists()  # the run is still writing where it started
    with qtbot.waitSignal(controller.run_finished, timeout=30_000):
        qtbot.mouseClick(controller.stop_button, Qt.LeftButton)
    assert (target / BEST).is_file() and (target / HISTORY).is_file()
    assert controller.best_checkpoint == target / BEST and str(target / BEST) in controller.status.text()
