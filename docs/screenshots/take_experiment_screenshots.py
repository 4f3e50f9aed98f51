"""Take the screenshots of the search window and the look-inside dock (the real window, a real search).

Run under a virtual X display:
    xvfb-run -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        docs/screenshots/take_experiment_screenshots.py [PROJECT]

PROJECT is a saved project whose runs folder already holds a search (``netbuilder search PROJECT --trials N``)
and a run; without it, a copy of the CNN template is trained for 3 epochs and searched for 8 trials of 3
epochs (a few minutes on a CPU). Writes search_tradeoff.png, feature_maps.png and try_it.png here.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from shots import ROOT, grab, settle, start


def prepared_project() -> Path:
    """A copy of the CNN template with a 3-epoch run and an 8-trial search beside it."""
    from netbuilder.graph import load_project
    from netbuilder.graph.runs import runs_folder
    from netbuilder.graph.search_space import default_space
    from netbuilder.train import Trainer
    from netbuilder.train.search import Search, SearchConfig

    path = Path(shutil.copy(ROOT / "resources/examples/cnn_digits.nbproj", Path(tempfile.mkdtemp()) / "cnn.nbproj"))
    project = load_project(path)
    Trainer(project, out_dir=runs_folder(path), epochs=3, layer_stats=False).run()
    space = default_space(project)
    space.epochs = 3
    Search(project, space, SearchConfig(runs_folder(path), trials=8)).run()
    return path


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else prepared_project()  # trained before the window: no Qt needed
    app, window = start(path)
    settle()

    # 1. The search window: its trials, the best-so-far curve, the trade-off scatter with its Pareto front.
    dialog = window.experiments.open_search()
    dialog.resize(1500, 950)
    best = dialog.best_trial()
    if best is not None:
        dialog.table.select_trial(best.number)
    settle(800)
    grab(dialog, "search_tradeoff.png")
    dialog.close()

    # 2. Look inside: the feature maps of the second convolution for one validation digit.
    panel = window.experiments.open_inside()
    editor = window.editor()
    editor.auto_layout()
    editor.scene.select_nodes([editor.graph.node_named("conv2").id])
    panel.show_node("conv2")
    panel.layers.sample_box.setValue(5)
    settle(800)
    grab(window, "feature_maps.png")

    # 3. Try it: the same digit's prediction, probabilities and Grad-CAM.
    window.experiments.open_inside(try_it=True)
    panel.try_it.use_sample(5)
    settle(800)
    grab(window, "try_it.png")
    print("wrote search_tradeoff.png, feature_maps.png, try_it.png")
    window.close()
    app.quit()


if __name__ == "__main__":
    main(sys.argv[1:])
