"""The filmstrip under the large view: the grid's photos in a row, and "n of N".

The strip is a second view on the grid's own model *and selection model*: it shows the
photos in the current filter and sort order, and clicking one is the same as clicking it
in the grid (so actions still hit the photo on show). Its cells are small and painted
from the same lazy thumbnail cache as the grid, so only the few visible ones are loaded,
and an unreadable file carries the grid's mark, smaller.
It never takes the keyboard focus: Left and Right are the window's (see
:mod:`~dropletcleaner.gui.detail.large_view`).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.gui.grid.delegate import draw_placeholder_mark, placeholder_text
from dropletcleaner.gui.grid.model import FILTER_TITLES, PhotoModel

STRIP_THUMB = QSize(96, 72)
STRIP_MARK_PX = 20  # the unreadable mark: the grid's 32 px, for a cell half its height
_ModelIndex = QModelIndex | QPersistentModelIndex
_FLAGGED = QColor(214, 51, 61)  # the grid badge's red


class StripDelegate(QStyledItemDelegate):
    """One small cell: the thumbnail or the unreadable mark, red edge if flagged, selection."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _ModelIndex) -> QSize:
        return STRIP_THUMB + QSize(8, 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _ModelIndex) -> None:
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if selected:
            path = QPainterPath()
            path.addRoundedRect(QRectF(rect).adjusted(1, 1, -1, -1), 5, 5)
            painter.fillPath(path, palette.color(QPalette.ColorRole.Highlight))
        box = rect.adjusted(4, 4, -4, -4)
        # One call for the cell (PhotoModel.cell); asking for the thumbnail starts its load,
        # as the grid's cells do.
        model = index.model()
        photo = model.cell(index.row()) if isinstance(model, PhotoModel) else None
        if photo is None:
            painter.restore()
            return
        pixmap = photo.thumbnail
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            size = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawPixmap(target, pixmap)
        else:
            target = box
            painter.fillRect(box, palette.color(QPalette.ColorRole.AlternateBase))
            if photo.record.error or photo.thumbnail_failed:
                # As the grid marks it, smaller: a blank tile read as "still loading".
                small = QFont(option.font)
                small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
                painter.setFont(small)
                text = placeholder_text(photo.record.error)
                draw_placeholder_mark(painter, palette, QRectF(box), text, STRIP_MARK_PX)
        if photo.flagged:
            painter.fillRect(QRect(target.left(), target.bottom() - 3, target.width(), 4), _FLAGGED)
        painter.restore()


class Filmstrip(QListView):
    """A single row of small thumbnails sharing the grid's model and selection."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)  # 50,000 photos: no per-row size queries
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setSpacing(0)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows stay the window's
        self.setItemDelegate(StripDelegate(self))
        cell = STRIP_THUMB + QSize(8, 8)
        self.setGridSize(cell)
        self.setFixedHeight(cell.height() + self.horizontalScrollBar().sizeHint().height() + 6)

    def share(self, model: PhotoModel, selection: QItemSelectionModel) -> None:
        """Show ``model`` with the grid's ``selection``: one selection, two views."""
        self.setModel(model)
        old = self.selectionModel()
        self.setSelectionModel(selection)
        if old is not None and old is not selection:
            old.deleteLater()
        selection.currentChanged.connect(self._follow)

    def _follow(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.isVisible():
            self.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # A vertical wheel scrolls the row sideways, as a mouse without a tilt wheel needs.
        delta = event.angleDelta()
        bar = self.horizontalScrollBar()
        bar.setValue(bar.value() - (delta.y() or delta.x()))
        event.accept()


class FilmstripBar(QWidget):
    """The strip with "n of N" (and the filter it counts in) beside it."""

    def __init__(self, model: PhotoModel, selection: QItemSelectionModel) -> None:
        super().__init__()
        self._model = model
        self._selection = selection
        self.strip = Filmstrip(self)
        self.strip.share(model, selection)
        self.position_label = QLabel(self)
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.position_label.font()
        font.setBold(True)
        self.position_label.setFont(font)
        self.filter_label = QLabel(self)
        self.filter_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.filter_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # A fixed width: the strip must not shift as the count grows a digit.
        width = self.fontMetrics().horizontalAdvance("88,888 of 88,888") + 24
        for label in (self.position_label, self.filter_label):
            label.setFixedWidth(width)
        counts = QVBoxLayout()
        counts.addStretch(1)
        counts.addWidget(self.position_label)
        counts.addWidget(self.filter_label)
        counts.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.addLayout(counts)
        row.addWidget(self.strip, 1)
        selection.currentChanged.connect(self.update_position)
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(self.update_position)
        self.update_position()

    def position(self) -> tuple[int, int]:
        """``(n, N)``: the photo on show, counted from 1, of the photos in the filter."""
        current = self._selection.currentIndex()
        return (current.row() + 1 if current.isValid() else 0, self._model.rowCount())

    def position_text(self) -> str:
        n, total = self.position()
        return f"{n:,} of {total:,}" if n else f"{total:,} photos"

    def update_position(self, *_args: object) -> None:
        self.position_label.setText(self.position_text())
        self.filter_label.setText(FILTER_TITLES[self._model.filter])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        current = self._selection.currentIndex()
        if current.isValid():
            self.strip.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.update_position()
