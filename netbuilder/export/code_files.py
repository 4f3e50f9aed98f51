"""`netbuilder code PROJECT --train-script`: the model module, ``train.py`` and ``data.npz`` in one folder.

The three files are written as a unit (`netbuilder.graph.files.replace_together`):
a failure at any point leaves the folder as it was. None of them may be the
project's own files (its data set may well be called ``data.npz``), and files
that exist are replaced only when the caller says so.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from netbuilder.compile.project_code import project_code
from netbuilder.compile.trainscript import DATA_NAME, SCRIPT_NAME, SCRIPT_IMPORTS, generate_train_script
from netbuilder.export.errors import ExportError
from netbuilder.graph.files import protected_files, refuse_overwrite, replace_together
from netbuilder.graph.names import identifier
from netbuilder.graph.project import Project


def check_module_name(model_path: Path) -> str:
    """The name ``train.py`` imports the model by; ExportError when Python could not import it as written."""
    module = model_path.stem
    clash = module in SCRIPT_IMPORTS or module in sys.stdlib_module_names or module == Path(SCRIPT_NAME).stem
    if model_path.suffix != ".py" or identifier(module) != module or clash:
        why = (f"'{module}' is a module train.py itself imports" if clash and identifier(module) == module
               else "it must be a .py file whose name is a plain Python name")
        raise ExportError(f"{model_path}: the training script imports the model module by name, so {why} — "
                          "choose a name such as model.py")
    return module


def write_training_files(project: Project, model_path: str | Path, model_source: str | None = None, *,
                         overwrite: bool = False) -> list[Path]:
    """Write the model module (at ``model_path``), ``train.py`` and ``data.npz`` beside it; returns the paths.

    The data are the project's own split, loaded and normalised exactly as the
    Trainer sees them. Existing files are replaced only with ``overwrite``; the
    project, its data and its weights never (`OverwriteRefused`).
    """
    import numpy as np

    from netbuilder.data import load_for

    model_path = Path(model_path)
    folder = model_path.parent
    module = check_module_name(model_path)
    script, data = folder / SCRIPT_NAME, folder / DATA_NAME
    protected = protected_files(project)
    for path in (model_path, script, data):
        refuse_overwrite(path, overwrite, protected)
    source = model_source if model_source is not None else project_code(project)
    script_source = generate_train_script(project, module=module)
    ds = load_for(project, streaming="memory")  # data.npz holds the whole split, never a streamed preview
    arrays: dict[str, Any] = {"x_train": ds.x_train.numpy(), "x_val": ds.x_val.numpy()}
    spec = project.scheme_spec
    if spec is not None and spec.uses_labels and ds.y_train is not None and ds.y_val is not None:
        arrays |= {"y_train": ds.y_train.numpy(), "y_val": ds.y_val.numpy()}

    def save_data(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)

    folder.mkdir(parents=True, exist_ok=True)
    return replace_together([(model_path, lambda tmp: tmp.write_text(source, encoding="utf-8")),
                             (script, lambda tmp: tmp.write_text(script_source, encoding="utf-8")),
                             (data, save_data)])
