"""The exported ``train.py``'s start: the project's ``start_from`` weights loaded before training.

The script holds the file's path as netbuilder resolved it when the script was written (absolute, so the
script finds it from any folder; ``--start-from`` overrides it, ``--start-from ""`` starts from random
weights). Tensors load by parameter name and shape, the rest is left as it is (``strict=False``): the names
netbuilder's own loading matches on whenever the layers keep their names. Only a script that starts from a
file imports safetensors.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from netbuilder.graph.start_from import StartFromError, resolve

if TYPE_CHECKING:
    from netbuilder.graph.project import Project

# The command line of every script; a format template (``{data}``: the data file's literal).
ARGUMENTS = '''

def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--data", default=str(HERE / {data}))
    parser.add_argument("--out", default=str(HERE / "weights.pt"))
    parser.add_argument("--start-from", default=START_FROM, help="weights file (safetensors) to start from")
    return parser.parse_args()
'''

# Defined in every script (a no-op without a file), so the names a model class may not take stay fixed.
LOADER = '''

def start_from(path: str, nets: dict[str, nn.Module]) -> None:
    """Load the tensors of the weights file at ``path`` whose name and shape match (strict=False by name);
    a key "<graph>/<name>" goes to that graph's network. Nothing happens when ``path`` is empty."""
    if not path:
        return
    from safetensors.torch import load_file

    file = Path(path) if Path(path).is_absolute() else HERE / path
    if not file.is_file():
        raise SystemExit(f"{file}: no such weights file (the project's Start from setting; "
                         "give another with --start-from PATH, or --start-from '' for random weights)")
    tensors = load_file(str(file))
    for graph, net in nets.items():
        own = net.state_dict()
        prefix = f"{graph}/" if any("/" in k for k in tensors) else ""
        matching = {k[len(prefix):]: t for k, t in tensors.items() if k.startswith(prefix)
                    and k[len(prefix):] in own and own[k[len(prefix):]].shape == t.shape}
        net.load_state_dict(matching, strict=False)
        print(f"started from {file.name}: {len(matching)} of {len(own)} tensors loaded"
              + (f" into {graph}" if len(nets) > 1 else ""), flush=True)
'''


def start_from_literal(project: Project) -> str:
    """The path the script starts from, as a Python literal: absolute when netbuilder can resolve it now."""
    value = project.training.start_from
    try:
        path = resolve(value, project.path.parent if project.path else None)
    except StartFromError:  # an unsaved project's relative path: read beside train.py, where it may be copied
        return repr(value)
    return repr(str(Path(path).resolve()) if path is not None else "")


def start_from_note(project: Project) -> str:
    """The docstring's line about the start (empty when the setting is off)."""
    if not project.training.start_from:
        return ""
    return ("It starts from the weights of the project's Start from setting (START_FROM below; --start-from "
            "PATH for another file, --start-from '' for random weights); loading them needs safetensors.")
