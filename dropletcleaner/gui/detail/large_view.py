"""The large view's keys and its filmstrip: the loupe zoom, Left and Right, "n of N".

The large view (Enter) is the detail panel given the whole window. This module adds, from
outside the window class:

* the **filmstrip** with "n of N" under it (:mod:`~dropletcleaner.gui.detail.filmstrip`), shown
  only in the large view;
* **Left / Right** (and Up / Down) step through the grid's rows, which are the current
  filter in the current sort order, even though the grid itself is hidden; Enter leaves;
* **Z / Space**: zoom to 100 % and back to fit. From the grid they open the large view
  at 100 %, as in Lightroom; in the compare view they zoom every pane together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QBoxLayout

from dropletcleaner.gui.detail.filmstrip import FilmstripBar
from dropletcleaner.gui.detail.loupe import FIT

if TYPE_CHECKING:
    from dropletcleaner.gui.window.parts import WindowParts

_STEP_KEYS = {
    Qt.Key.Key_Left: -1,
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_Right: 1,
    Qt.Key.Key_Down: 1,
}
_LEAVE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class LargeView(QObject):
    """Adds the filmstrip, the arrow keys and the loupe zoom keys to ``window``."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        self.filmstrip = FilmstripBar(window.model, window.grid.selectionModel())
        self.filmstrip.hide()
        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        if isinstance(layout, QBoxLayout):
            layout.addWidget(self.filmstrip)  # under the stack: the whole window's width
        window.detailModeChanged.connect(self._on_detail_mode)

        self.zoom_action = QAction("&Zoom 100 % / Fit", window)
        self.zoom_action.setShortcuts([QKeySequence(Qt.Key.Key_Z), QKeySequence(Qt.Key.Key_Space)])
        tip = "Real pixels (100 %) or the whole photo; the wheel zooms, dragging pans"
        self.zoom_action.setToolTip(tip)
        self.zoom_action.setStatusTip(tip)
        # Only while the grid, the large view or the compare view has the focus: Space must
        # still press a focused toolbar control or button.
        self.zoom_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.zoom_action.triggered.connect(self.toggle_zoom)
        window.stack.addAction(self.zoom_action)
        window.installEventFilter(self)

    # -- zoom ------------------------------------------------------------------------------
    def toggle_zoom(self) -> None:
        w = self._window
        compare = getattr(w, "compare", None)
        if compare is not None and compare.active:
            compare.toggle_zoom()
            return
        if not w.in_detail_mode:
            if not w.grid.currentIndex().isValid():
                return
            w.toggle_detail_mode()  # Z in the grid: straight to the loupe at 100 %
        w.detail.canvas.toggle_zoom()

    # -- keys ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Keys the focused widget did not use reach the window; in the large view the grid
        # is hidden, so the arrows are handled here.
        if (
            watched is self._window
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._window.in_detail_mode
        ):
            return self._key(event)
        return False

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in _LEAVE_KEYS:
            self._window.leave_detail_mode()
            return True
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            # The first or last photo of the filter, as in the grid.
            rows = self._window.model.rowCount()
            if rows:
                self.go_to(0 if key == Qt.Key.Key_Home else rows - 1)
            return True
        step = _STEP_KEYS.get(Qt.Key(key))
        if step is None:
            return False
        self.step(step)
        return True

    def go_to(self, row: int) -> None:
        """Show the photo at ``row`` of the filter and sort order."""
        w = self._window
        if 0 <= row < w.model.rowCount():
            w._select_index(w.model.index(row))
            w._show_current_in_detail()

    def step(self, step: int) -> None:
        """Show the next (``1``) or previous (``-1``) photo in the filter and sort order."""
        w = self._window
        current = w.grid.currentIndex()
        self.go_to((current.row() if current.isValid() else -1) + step)

    def _on_detail_mode(self, on: bool) -> None:
        self.filmstrip.setVisible(on)
        if not on:
            # The side panel is a glance at the whole photo: it starts fitted again.
            self._window.detail.canvas.set_view(FIT)
