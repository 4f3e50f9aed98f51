"""The problems panel: every diagnostic of every graph; clicking one selects and centres its node."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from netbuilder.graph.analysis import Analysis
from netbuilder.graph.model import Graph

GRAPH, NODE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


class ProblemsPanel(QTreeWidget):
    """Errors first, then warnings; one row per diagnostic."""

    activated = Signal(str, str)  # graph name, node id

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
        self.problem_count = 0
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def set_results(self, results: dict[str, Analysis], graphs: dict[str, Graph]) -> None:
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
