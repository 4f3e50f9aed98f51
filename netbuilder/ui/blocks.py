"""Saved blocks: named fragments reusable from the palette.

A block is kept both in the project (``view["blocks"]``, so the file carries
it) and in the user's settings (so other projects can use it too).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings

from netbuilder.graph.project import Project

KEY = "blocks"


class BlockLibrary:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def _user_blocks(self) -> list[dict[str, Any]]:
        stored = self.settings.value(KEY, "[]")
        try:
            data = json.loads(stored if isinstance(stored, str) and stored else "[]")
        except ValueError:
            return []
        return [b for b in data if isinstance(b, dict) and "name" in b and isinstance(b.get("fragment"), dict)]

    def blocks(self, project: Project | None) -> list[dict[str, Any]]:
        """The project's blocks, then the user's others, one per name."""
        found: dict[str, dict[str, Any]] = {}
        project_blocks = project.view.get(KEY, []) if project is not None else []
        for block in [*project_blocks, *self._user_blocks()]:
            if isinstance(block, dict) and "name" in block:
                found.setdefault(block["name"], block)
        return list(found.values())

    def save(self, project: Project, name: str, fragment: dict[str, Any]) -> None:
        block = {"name": name, "fragment": fragment}
        project.view[KEY] = [b for b in project.view.get(KEY, []) if b.get("name") != name] + [block]
        user = [b for b in self._user_blocks() if b["name"] != name] + [block]
        self.settings.setValue(KEY, json.dumps(user))
