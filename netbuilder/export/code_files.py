"""`netbuilder code PROJECT --train-script`: the model module, ``train.py`` and ``data.npz`` in one folder."""

from __future__ import annotations

from pathlib import Path

from netbuilder.compile.project_code import project_code
from netbuilder.compile.trainscript import DATA_NAME, SCRIPT_NAME, generate_train_script
from netbuilder.graph.project import Project


def write_training_files(project: Project, model_path: str | Path, model_source: str | None = None) -> list[Path]:
    """Write the model module (at ``model_path``), ``train.py`` and ``data.npz`` beside it; returns the paths.

    The data are the project's own split, loaded and normalised exactly as the
    Trainer sees them.
    """
    import numpy as np

    from netbuilder.data import load_for

    model_path = Path(model_path)
    folder = model_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    module = model_path.stem
    if model_path.suffix != ".py" or not module.isidentifier() or module == Path(SCRIPT_NAME).stem:
        raise ValueError(f"{model_path}: the training script imports the model module by name, so it must be a .py "
                         "file with a Python name other than train.py (e.g. model.py)")
    model_path.write_text(model_source if model_source is not None else project_code(project), encoding="utf-8")
    script = folder / SCRIPT_NAME
    script.write_text(generate_train_script(project, module=module), encoding="utf-8")
    ds = load_for(project)
    arrays = {"x_train": ds.x_train.numpy(), "x_val": ds.x_val.numpy()}
    spec = project.scheme_spec
    if spec is not None and spec.uses_labels and ds.y_train is not None and ds.y_val is not None:
        arrays |= {"y_train": ds.y_train.numpy(), "y_val": ds.y_val.numpy()}
    data = folder / DATA_NAME
    np.savez_compressed(data, **arrays)
    return [model_path, script, data]
