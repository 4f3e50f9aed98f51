"""`DockLayout`: the window's docks — adding them (later panels too), remembering where they were, and
settling them once the window has its size (wide enough for what they show, no stray tab bars)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QScrollArea, QStyle, QTabBar, QWidget

from netbuilder.ui.training.host import DockSpot


class DockLayout(QMainWindow):
    """The dock half of `MainWindow`; the attributes it reads are set by `MainWindow.__init__`."""

    settings: QSettings
    view_menu: QMenu | None
    palette_dock: QDockWidget
    inspector_dock: QDockWidget
    problems_dock: QDockWidget
    _docks: list[QDockWidget]
    _room_for: list[tuple[QDockWidget, QWidget]]  # docks to widen, once shown, to fit a panel
    _beside_problems: QDockWidget | None  # shares the bottom with the problems (see settle_docks)
    _layout_restored: bool
    _settled: bool

    def add_dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
                 name: str | None = None, tab_with: QDockWidget | None = None) -> QDockWidget:
        """Add a resizable, closable dock whose place is remembered with the window layout; ``tab_with``
        makes it a tab beside that dock."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name or title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        if tab_with is not None:
            # Tabbed before it is shown: a dock shown first and tabbed after left a second, stray tab bar
            # in the middle of the window (Qt 6).
            self.tabifyDockWidget(tab_with, dock)
        dock.show()
        if self._layout_restored:
            # A dock added after the layout was restored (a later panel) gets its remembered place back.
            self.restoreDockWidget(dock)
        self._docks.append(dock)
        if self.view_menu is not None:  # docks added before the menus exist are listed by __init__
            self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _restore_layout(self) -> None:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self._layout_restored = self.restoreState(state)
        else:
            self.resizeDocks([self.palette_dock, self.inspector_dock], [210, 300], Qt.Orientation.Horizontal)
            self.resizeDocks([self.problems_dock], [110], Qt.Orientation.Vertical)

    def _save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())

    def add_panel(self, widget: QWidget, title: str, name: str, spot: DockSpot) -> QDockWidget:
        """A dock for a later panel, placed among the window's own panels."""
        area = (Qt.DockWidgetArea.RightDockWidgetArea if spot is DockSpot.WITH_INSPECTOR
                else Qt.DockWidgetArea.BottomDockWidgetArea)
        tab_with = {DockSpot.WITH_INSPECTOR: self.inspector_dock, DockSpot.WITH_PROBLEMS: self.problems_dock}.get(spot)
        dock = self.add_dock(widget, title, area, name, tab_with)
        if spot is DockSpot.WITH_INSPECTOR:
            self.inspector_dock.raise_()
            self._room_for.append((self.inspector_dock, widget))
        elif spot is DockSpot.BESIDE_PROBLEMS:
            self.splitDockWidget(self.problems_dock, dock, Qt.Orientation.Horizontal)
            self._beside_problems = dock
        else:
            self.problems_dock.raise_()
        if self.isVisible():
            QTimer.singleShot(0, self.settle_docks)
        return dock

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._settled:
            self._settled = True
            QTimer.singleShot(0, self.settle_docks)

    def settle_docks(self) -> None:
        """Once the window has its size: docks wide enough for what they show, and no stray tab bars."""
        for dock, widget in self._room_for:
            self._wide_enough(dock, widget)
        beside = self._beside_problems
        if beside is not None and not self._layout_restored:  # the problems' messages need room to be read
            width = self.problems_dock.width() + beside.width()
            self.resizeDocks([self.problems_dock, beside], [width * 45 // 100, width * 55 // 100],
                             Qt.Orientation.Horizontal)
            self._beside_problems = None
        self.hide_stray_tab_bars()

    def hide_stray_tab_bars(self) -> list[QTabBar]:
        """Hide dock tab bars Qt left behind; returns them.

        With two groups of tabbed docks made before the window is first shown (Inspector | Training settings,
        Problems | Results), Qt 6 leaves a second copy of one group's tab bar in the middle of the window,
        over the palette. The bar Qt uses sits against the edge of its docks; the copy does not."""
        bars = [b for b in self.findChildren(QTabBar) if b.parentWidget() is self and b.isVisible() and b.count()]
        stray = []
        for bar in bars:
            twins = [o for o in bars if o is not bar and [o.tabText(i) for i in range(o.count())]
                     == [bar.tabText(i) for i in range(bar.count())]]
            docks = [d for d in self._docks if d.isVisible() and d.windowTitle() in
                     {bar.tabText(i) for i in range(bar.count())}]
            if twins and docks and not any(self._touches(bar, d) for d in docks):
                stray.append(bar)
        for bar in stray:
            bar.hide()
        return stray

    @staticmethod
    def _touches(bar: QTabBar, dock: QDockWidget) -> bool:
        return bar.geometry().adjusted(-6, -6, 6, 6).intersects(dock.geometry())

    def _wide_enough(self, dock: QDockWidget, widget: QWidget) -> None:
        """Widen ``dock``'s side of the window so ``widget`` (or what it scrolls) shows without being cut."""
        inner = widget.widget() if isinstance(widget, QScrollArea) else None
        content = inner if inner is not None else widget
        need = content.minimumSizeHint().width() + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 12
        if dock.width() < need:
            self.resizeDocks([dock], [need], Qt.Orientation.Horizontal)
