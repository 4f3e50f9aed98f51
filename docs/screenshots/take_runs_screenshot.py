"""Take the screenshot of the Runs dock: three real runs of the iris MLP compared, their curves overlaid.

Run under a virtual X display:
    xvfb-run -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        docs/screenshots/take_runs_screenshot.py

Trains a copy of the iris example three times in a temporary folder (the example as it is, a higher learning
rate, a narrow first layer; under a minute on a CPU), names the runs, opens the project in the window with
the three selected, and writes runs_overlay.png here.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from shots import ROOT, grab, settle, start

EPOCHS = 40


def trained_project() -> Path:
    """A copy of the iris example with three named runs beside it."""
    from netbuilder.graph import load_project
    from netbuilder.graph.project import save_project
    from netbuilder.graph.runs import rename_run, set_run_note
    from netbuilder.train import Trainer

    path = Path(tempfile.mkdtemp()) / "iris.nbproj"
    shutil.copy(ROOT / "resources/examples/mlp_iris.nbproj", path)
    variants = [("baseline", None, None, ""), ("learning rate 0.1", 0.1, None, "faster, noisier"),
                ("narrow first layer", None, 4, "4 units instead of 32")]
    for name, rate, width, note in variants:
        project = load_project(path)
        if rate is not None:
            project.training.learning_rate = rate
        if width is not None:
            hidden = project.main_graph.node_named("hidden1")
            project.main_graph.set_param(hidden.id, "out_features", width)
        project.path = path
        result = Trainer(project, epochs=EPOCHS, layer_stats=False).run()
        folder = result.last_checkpoint.parent
        rename_run(folder, name)
        set_run_note(folder, note)
    save_project(load_project(path), path)  # the file holds the baseline
    return path


def main() -> None:
    from PySide6.QtCore import Qt

    path = trained_project()
    app, window = start(path)
    settle()
    controller = window.training
    controller.runs_dock.raise_()
    controller.run_dock.hide()  # the Runs dock gets the whole width under the canvas
    window.resizeDocks([controller.runs_dock], [430], Qt.Orientation.Vertical)
    panel = controller.runs_panel
    panel.select_runs(panel.records)
    settle(300)
    width = sum(panel.splitter.sizes())
    panel.splitter.setSizes([width // 2, width - width // 2])  # every column of the table in view
    settle(600)
    grab(window, "runs_overlay.png")
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
