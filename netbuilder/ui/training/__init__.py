"""Train and export from the window: settings panel, background worker, live curves, results, overlay.

Importing this package is light (Qt only). torch and pyqtgraph are imported
on the first Train or Export click, so the window still opens fast.
"""

from netbuilder.ui.training.controller import TrainingController, install_training

__all__ = ["TrainingController", "install_training"]
