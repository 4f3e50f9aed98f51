"""Plain-Python change notifications (no Qt): a view subscribes, the model emits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """A list of callbacks called in order with the emitted arguments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any]) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        for slot in list(self._slots):
            slot(*args)

    def __len__(self) -> int:
        return len(self._slots)


class GraphEvents:
    """Every kind of change a `Graph` announces.

    ``node_changed`` carries the node and what changed: ``"params"``, ``"name"``,
    ``"position"``, ``"options"`` (trainable / init) or ``"group"``.
    ``changed`` fires once after any mutation, for listeners that only need to
    know "something changed" (re-analysis, the modified mark, autosave).
    """

    def __init__(self) -> None:
        self.node_added = Signal("node_added")
        self.node_removed = Signal("node_removed")
        self.node_changed = Signal("node_changed")
        self.edge_added = Signal("edge_added")
        self.edge_removed = Signal("edge_removed")
        self.group_added = Signal("group_added")
        self.group_removed = Signal("group_removed")
        self.group_changed = Signal("group_changed")
        self.changed = Signal("changed")
