"""The problems panel: every diagnostic of every graph; clicking one selects and centres its node.

Messages wrap onto as many lines as they need (a message cut at the panel's edge had to be hovered to be
read), and `new_errors` tells the window when an analysis brings an error the last one did not have, so
the panel can come to the front.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTreeWidget, QTreeWidgetItem

from netbuilder.graph.analysis import Analysis
from netbuilder.graph.model import Graph

GRAPH, NODE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1
MESSAGE = 2  # the column of the message
PAD = 6


class WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their message needs at the message column's current width."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        if index.column() != MESSAGE:
            return size
        width = max(40, self.tree.header().sectionSize(MESSAGE) - 2 * PAD)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        box = option.fontMetrics.boundingRect(QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, text)
        return QSize(size.width(), max(size.height(), box.height() + PAD))


class ProblemsPanel(QTreeWidget):
    """Errors first, then warnings; one row per diagnostic, its message on as many lines as it needs."""

    activated = Signal(str, str)  # graph name, node id
    new_errors = Signal(int)  # an analysis found errors the previous one did not have: how many

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["", "Where", "Problem"])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setColumnWidth(1, 170)
        self.setItemDelegate(WrappingDelegate(self))
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setVerticalScrollMode(QTreeWidget.ScrollMode.ScrollPerPixel)
        header.sectionResized.connect(lambda index, *_: self.doItemsLayout() if index == MESSAGE else None)
        self.problem_count = 0
        self._errors: set[tuple[str, str | None, str]] = set()  # (graph, node, message) of the last analysis
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.doItemsLayout()  # the message column stretches: its rows wrap anew

    def set_results(self, results: dict[str, Analysis], graphs: dict[str, Graph]) -> None:
        errors = {(name, d.node_id, d.message) for name, a in results.items() for d in a.diagnostics if d.is_error}
        fresh = errors - self._errors
        self._errors = errors
        self._fill(results, graphs)
        if fresh:
            self.new_errors.emit(len(fresh))

    def _fill(self, results: dict[str, Analysis], graphs: dict[str, Graph]) -> None:
        self.clear()
        self.problem_count = 0
        many = len(graphs) > 1
        rows = [(name, d) for name, a in results.items() for d in a.diagnostics]
        rows.sort(key=lambda r: (not r[1].is_error,))
        self.problem_count = len(rows)
        for name, d in rows:
            graph = graphs[name]
            node_id = d.node_id
            if node_id is None and d.edge_id in graph.edges:
                node_id = graph.edges[d.edge_id].target
            where = graph.nodes[node_id].name if node_id in graph.nodes else "network"
            if many:
                where = f"{name} › {where}"
            item = QTreeWidgetItem(self, ["●", where, d.message])
            colour = QColor("#e5534b" if d.is_error else "#d9962b")
            item.setForeground(0, QBrush(colour))
            item.setToolTip(0, d.severity)
            item.setToolTip(2, d.message)
            item.setData(0, GRAPH, name)
            item.setData(0, NODE, node_id or "")
        if not rows:
            item = QTreeWidgetItem(self, ["✓", "", "No problems: every shape fits and the network can be trained."])
            item.setForeground(0, QBrush(QColor("#3fa86b")))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)

    def _clicked(self, item: QTreeWidgetItem, column: int = 0) -> None:
        if item.data(0, NODE):
            self.activated.emit(item.data(0, GRAPH), item.data(0, NODE))
