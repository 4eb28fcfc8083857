"""The photo grid: an icon-mode list whose selection and keyboard focus never part.

Every action (D, C, U, Q) works on the selection, while the detail panel shows the
current (focused) photo. Qt lets the two drift apart: Ctrl+Home, Ctrl+arrows and a
Ctrl+click that deselects move the focus without the selection, and a key would then hit
a photo that is not on screen. The grid keeps them together: keyboard moves always select
what they move to, and whenever the focus ends up outside a non-empty selection it moves
to the first selected photo.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QWidget

# Keys that move the focus; with Ctrl, Qt would move it without the selection.
_MOVE_KEYS = frozenset(
    {
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
    }
)


class PhotoGrid(QListView):
    """Icon-mode list of photos; Enter opens the detail view; explains itself when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty_text = ""
        self.open_requested: Callable[[], None] | None = None
        self._cell = QSize()
        self._following = False
        self.min_squeeze = 16  # pixels a cell may shrink below its preferred width
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSpacing(4)
        self.setMouseTracking(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.verticalScrollBar().setSingleStep(48)

    # -- selection and focus together ------------------------------------------------------
    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        selection = self.selectionModel()
        if selection is not None:
            selection.selectionChanged.connect(self._follow_selection)

    def selectionCommand(
        self,
        index: QModelIndex | QPersistentModelIndex,
        event: QEvent | None = None,
    ) -> QItemSelectionModel.SelectionFlag:
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in _MOVE_KEYS
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            # Ctrl+Home, Ctrl+arrows: move and select, like a plain arrow key.
            return QItemSelectionModel.SelectionFlag.ClearAndSelect
        return super().selectionCommand(index, event)

    def _follow_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        selection = self.selectionModel()
        if self._following or selection is None or not selection.hasSelection():
            return
        current = selection.currentIndex()
        if current.isValid() and selection.isSelected(current):
            return
        rows = sorted(i.row() for i in selection.selectedIndexes())
        model = self.model()
        if not rows or model is None:
            return
        self._following = True
        try:
            # The focus (and so the detail panel) moves to what the actions will act on.
            selection.setCurrentIndex(
                model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        finally:
            self._following = False

    # -- layout ------------------------------------------------------------------------------
    def set_cell_size(self, cell: QSize) -> None:
        """The smallest cell; columns widen to share the spare width evenly."""
        self._cell = QSize(cell)
        self._justify()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._justify()

    def _justify(self) -> None:
        if self._cell.isEmpty():
            return
        width = self.viewport().width()
        if self.verticalScrollBar().isHidden():
            # Leave room for the scroll bar that a full grid will show, so columns don't
            # jump when it appears.
            width -= self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width -= 2 * self.spacing() + 2  # the view keeps this margin around the items
        # Cells may give up a little of their padding to fit one more column.
        columns = max(1, width // max(1, self._cell.width() - self.min_squeeze))
        grid = QSize(max(1, width // columns), self._cell.height())
        if grid != self.gridSize():
            self.setGridSize(grid)

    @property
    def empty_text(self) -> str:
        """What an empty grid says (why it is empty, what to do)."""
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        # Repaint: the rows may have gone before the text was chosen (a restore empties a
        # filter, then the counts update), and the grid stayed blank.
        if text != self._empty_text:
            self._empty_text = text
            self.viewport().update()

    # -- keys and painting -------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.open_requested:
            self.open_requested()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            rect = self.viewport().rect().adjusted(24, 24, -24, -24)
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            painter.end()
