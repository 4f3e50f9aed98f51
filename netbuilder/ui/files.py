"""Files around the window: settings, recent files, templates, autosave and crash recovery.

The recovery file lives beside the settings file, so a test that points
QSettings at a temporary folder also keeps its recovery file there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from netbuilder.graph.project import SUFFIX, Project, atomic_write_text, load_project

MAX_RECENT = 8
# The example projects ship as package data (resources/ installs as netbuilder.resources). An installed
# netbuilder lies on the file system (torch and Qt cannot load from a zip), so this is a real folder
# whose projects File › New opens by path.
EXAMPLES = Path(str(files("netbuilder.resources") / "examples"))
ORIGIN_KEY = "recovered_from"


def app_settings() -> QSettings:
    """The window's settings: always an INI file, so `QSettings.setPath` can redirect it (tests)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "netbuilder", "netbuilder")


class RecentFiles:
    """The last few projects opened or saved, newest first."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def paths(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):  # QSettings returns a lone entry as a plain string
            value = [value]
        if not isinstance(value, list):
            return []
        return [p for p in value if isinstance(p, str) and Path(p).exists()]

    def add(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.paths() if p != path]
        self.settings.setValue("recent_files", items[:MAX_RECENT])


@dataclass(frozen=True)
class Template:
    """An example project offered by File › New."""

    path: Path
    name: str
    description: str


def templates(folder: Path = EXAMPLES) -> list[Template]:
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append(Template(path, data.get("name", path.stem), data.get("description", "")))
    return found


class Recovery:
    """Autosave target. It exists only while a session has unsaved work: a clean close removes it,
    so finding it at start-up means the last session ended without saving (a crash)."""

    def __init__(self, settings: QSettings) -> None:
        self.path = Path(settings.fileName()).parent / "recovery" / f"autosave{SUFFIX}"

    def write(self, project: Project) -> None:
        data: dict[str, Any] = project.to_dict()
        data["view"] = {**data.get("view", {}), ORIGIN_KEY: str(project.path) if project.path else ""}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(data, indent=1, ensure_ascii=False))

    def pending(self) -> bool:
        return self.path.exists()

    def load(self) -> Project:
        """The autosaved project, pointing at the file it was a copy of (if it had one)."""
        project = load_project(self.path)
        origin = project.view.pop(ORIGIN_KEY, "")
        project.path = Path(origin) if origin else None
        return project

    def clear(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
