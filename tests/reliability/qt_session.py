"""The window's undo steps (`EditCommand` around each edit) on a QUndoStack, behind `EditSession`'s interface.

`graph_fuzz.grow` and `graph_fuzz.mutate` drive either session, so the same
random edit sequences run through a plain history of edits and through Qt's
undo stack as the window uses it (merging, macros aside). Like the window, this
checks an edit before it pushes it (the inspector offers only real parameters,
a wire is checked with `Graph.check_connect`, a name with a trial rename): an
edit must never fail inside redo().
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QUndoStack

from netbuilder.graph import ConnectionRefused, Edge, Graph, Node, paste_fragment
from netbuilder.graph import edits as ed
from netbuilder.graph.model import INIT_CHOICES
from netbuilder.ui.commands import EditCommand


@dataclass
class QtSession:
    """A graph edited only through QUndoCommands pushed on a QUndoStack."""

    graph: Graph
    stack: QUndoStack = field(default_factory=QUndoStack)
    applied: int = 0
    refused: int = 0

    @property
    def done(self) -> list[int]:
        """Steps that undo would take back (their indexes on the stack)."""
        return list(range(self.stack.index()))

    def _push(self, edit: ed.GraphEdit) -> None:
        self.stack.push(EditCommand(edit, self.graph))
        self.applied += 1

    def undo(self) -> bool:
        if not self.stack.canUndo():
            return False
        self.stack.undo()
        return True

    def redo(self) -> bool:
        if not self.stack.canRedo():
            return False
        self.stack.redo()
        return True

    def undo_all(self) -> None:
        while self.undo():
            pass

    def redo_all(self) -> None:
        while self.redo():
            pass

    # ---- edits, checked first as the window checks them -----------------------------------------
    def add_node(self, layer_type: str, params: dict[str, Any] | None = None, name: str | None = None,
                 position: tuple[float, float] = (0.0, 0.0)) -> Node:
        add = ed.AddNode(layer_type, position, name)
        self._push(add)
        for key, value in (params or {}).items():  # the inspector sets them one by one
            self.set_param(add.node_id, key, value)
        return self.graph.nodes[add.node_id]

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> Edge | None:
        try:
            self.graph.check_connect(source, source_port, target, target_port)
        except ConnectionRefused:
            self.refused += 1
            return None
        wire = ed.Connect(source, source_port, target, target_port)
        self._push(wire)
        return wire.edge

    def disconnect(self, edge_id: str) -> None:
        self._push(ed.Disconnect(edge_id))

    def remove_node(self, node_id: str) -> None:
        self._push(ed.RemoveNodes([node_id]))

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        try:
            self.graph.nodes[node_id].spec.param(name)
        except KeyError:
            self.refused += 1
            return
        self._push(ed.SetParam(node_id, name, value))

    def rename(self, node_id: str, name: str) -> None:
        try:
            old = self.graph.rename(node_id, name)  # the trial: ValueError for a bad or taken name
        except ValueError:
            self.refused += 1
            return
        new = self.graph.nodes[node_id].name
        self.graph.rename(node_id, old)
        self._push(ed.Rename(node_id, new))

    def move(self, node_id: str, position: tuple[float, float]) -> None:
        old = self.graph.nodes[node_id].position
        self._push(ed.MoveNodes({node_id: (old, (float(position[0]), float(position[1])))}))

    def set_options(self, node_id: str, **options: Any) -> None:
        if options.get("init") is not None and options["init"] not in INIT_CHOICES:
            self.refused += 1  # the inspector offers only the known initialisations
            return
        self._push(ed.SetOptions(node_id, options))

    def add_group(self, name: str, node_ids: Iterable[str]) -> None:
        ids = list(node_ids)
        if not ids:
            self.refused += 1  # the window asks for a selection first
            return
        self._push(ed.GroupNodes(name, ids))

    def remove_group(self, group_id: str) -> None:
        self._push(ed.Ungroup(group_id))

    def paste(self, node_ids: Iterable[str], offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Copy and paste as the editor does: a trial on a scratch graph, then the Paste command."""
        fragment = self.graph.fragment(node_ids)
        try:
            paste_fragment(Graph("scratch"), fragment, offset)
        except ConnectionRefused:
            self.refused += 1
            return []
        paste = ed.Paste(fragment, offset)
        self._push(paste)
        return paste.node_ids

    def collapse_group(self, group_id: str, collapsed: bool) -> None:
        self._push(ed.UpdateGroup(group_id, collapsed=collapsed))
