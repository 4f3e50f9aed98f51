"""What every `netbuilder` sub-command shares (no torch here: parsing must stay fast).

The exit codes are defined here and nowhere else:

- ``EXIT_OK`` (0): done.
- ``EXIT_ERRORS`` (1): the inputs were read, but the work is refused or failed: a graph with
  errors, an export that failed its checks, a training run that failed, a file that would
  have been overwritten.
- ``EXIT_UNREADABLE`` (2): an input cannot be read or used (project, data, checkpoint,
  model, arguments), or an output cannot be written (permissions, full disk, bad name).
- ``EXIT_STOPPED`` (130): stopped by the user (Ctrl-C).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netbuilder.graph.project import Project

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE, EXIT_STOPPED = 0, 1, 2, 130


class UsageError(ValueError):
    """A command-line argument that cannot be used; the message names the option and what to give."""


def open_project(path: str) -> Project | None:
    """Load a project, or print why it cannot be read (file and place inside it) and return None."""
    from netbuilder.graph.project import load_project
    from netbuilder.graph.serialize import ProjectFileError

    try:
        return load_project(path)
    except ProjectFileError as exc:
        print(exc, file=sys.stderr)
        return None


def project_errors(project: Project, graph_names: list[str], file: str) -> list[str]:
    """Every error of the chosen graphs (project-level checks included), worded for the terminal."""
    from netbuilder.graph.report import describe

    results = project.analyze()
    return [describe(d, project.graphs[name], file) for name in graph_names
            for d in results[name].diagnostics if d.is_error]


def output_path(text: str, option: str) -> Path:
    """The file an option such as ``-o`` names; `UsageError` for a name that cannot be a file."""
    if not text.strip():
        raise UsageError(f"{option}: the file name is empty — give the name of the file to write")
    path = Path(text)
    if text.endswith(("/", "\\")) or path.name in ("", ".", ".."):
        raise UsageError(f"{option} {text}: names a folder — give the name of a file to write")
    return path
