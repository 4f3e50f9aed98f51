"""Take the README screenshots of the real window.

Run under a virtual X display:
    xvfb-run -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python docs/screenshots/take_screenshots.py

With the argument ``training`` only the training screenshot is taken (a real run, so it takes ~20 s).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from shots import ROOT, grab, open_at, settle, start


def main() -> None:
    _app, window = start(ROOT / "resources/examples/cnn_digits.nbproj")
    settle(300)
    editor = window.editor()
    graph = editor.graph

    # 1. The CNN template after View › Auto-layout (wrapped to fit the window), a layer selected.
    editor.auto_layout()
    window.undo_stack.setClean()
    conv2 = graph.node_named("conv2")
    editor.scene.select_nodes([conv2.id])
    settle(300)
    grab(window, "cnn_template.png")

    # 2. A diagnostic: the Flatten removed, so the first Linear receives an image.
    flatten = graph.node_named("flatten")
    editor.scene.select_nodes([flatten.id])
    editor.delete_selection()
    editor.connect_ports(graph.node_named("pool").id, "out", graph.node_named("dropout").id, "in")
    editor.auto_layout()
    window.run_analysis()
    fc1 = graph.node_named("fc1")
    editor.scene.select_nodes([fc1.id])
    settle(300)
    grab(window, "diagnostic.png")
    window.undo_stack.setClean()
    window.close()


def training() -> None:
    """A real training run of the CNN template, grabbed mid-run: curves, progress, overlay, confusion matrix."""
    import time

    from PySide6.QtCore import Qt

    _app, window = start(ROOT / "resources/examples/cnn_digits.nbproj")
    settle(300)
    window.editor().auto_layout()
    window.undo_stack.setClean()
    controller = window.training
    controller.out_dir = Path(tempfile.mkdtemp())
    controller.panel.epochs.setValue(40)
    controller.settings_dock.raise_()
    window.resizeDocks([controller.settings_dock], [370], Qt.Horizontal)
    window.resizeDocks([controller.run_dock], [380], Qt.Vertical)
    window.resizeDocks([controller.results_dock, controller.run_dock], [430, 1170], Qt.Horizontal)
    controller.train_button.click()
    controller.curves.set_log_scale(True)  # the loss on a log axis shows the late epochs too
    started = time.perf_counter()
    # Wait for several epochs so the curves have a shape and the confusion matrix is filled.
    while time.perf_counter() - started < 120:
        settle(200)
        done = controller.curves.point_count("val_loss") if controller.curves else 0
        if done >= 14 or not controller.running:
            break
    controller.results_dock.raise_()
    settle(400)
    window.editor().view.fit_all()
    settle(300)
    grab(window, "training.png")
    controller.stop_and_wait()
    window.undo_stack.setClean()
    window._dirty = False
    window.close()


def reopened() -> None:
    """Examples open readable (the GAN's discriminator tab too), and a trained project reopens trained."""
    import shutil

    from netbuilder.graph import load_project
    from netbuilder.train import Trainer

    # 1. The GAN example as it opens (no auto-layout), on its discriminator tab.
    _app, window = start(ROOT / "resources/examples/gan_digits.nbproj")
    settle(500)
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    settle(500)
    grab(window, "gan_opened.png")
    window.close()

    # 2. A project trained from the command line's Trainer, saved, then opened in a fresh window: the run
    #    panel shows its last run (curves, figures, the checkpoint Export will use).
    folder = Path(tempfile.mkdtemp()) / "iris"
    folder.mkdir()
    project_file = folder / "iris_mlp.nbproj"
    shutil.copy(ROOT / "resources/examples/mlp_iris.nbproj", project_file)
    project = load_project(project_file)
    result = Trainer(project, epochs=60, layer_stats=False).run()
    assert result.ok, result.message
    window = open_at(project_file)
    settle(800)
    window.training.results_dock.raise_()
    settle(400)
    grab(window, "reopened_trained.png")
    window.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["training"]:
        training()
    elif sys.argv[1:] == ["reopened"]:
        reopened()
    else:
        main()
