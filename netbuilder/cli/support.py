"""What every `netbuilder` sub-command shares (no torch here: parsing must stay fast)."""

from __future__ import annotations

import sys

from netbuilder.graph.project import Project, load_project
from netbuilder.graph.serialize import ProjectFileError

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def open_project(path: str) -> Project | None:
    """Load a project, or print why it cannot be read (file and place inside it) and return None."""
    try:
        return load_project(path)
    except ProjectFileError as exc:
        print(exc, file=sys.stderr)
        return None
