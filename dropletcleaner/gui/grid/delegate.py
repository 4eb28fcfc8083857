"""Paints one grid cell: the thumbnail, a score badge, the user's label and the photo's state.

Colours come from the palette (so dark and light themes both read well), except the
score badge, which sits on the photo and uses fixed, high-contrast colours. A cell only
asks the model for its thumbnail when it is painted, which is what makes loading lazy.
A cell is read with one call (:meth:`PhotoModel.cell`), not one ``index.data()`` per role.
The mark of an unreadable file (:func:`draw_placeholder_mark`) is the filmstrip's too.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from dropletcleaner.core.catalog.photos import STATE_QUARANTINED
from dropletcleaner.core.names import printable
from dropletcleaner.gui.grid.model import Cell, PhotoModel
from dropletcleaner.gui.scores import score_text

# The box a thumbnail is fitted into: 4:3 suits most cameras, portraits still read well.
THUMB_W = 200
THUMB_H = 150
THUMB_BOX = QSize(THUMB_W, THUMB_H)
# The size slider's range (widths; heights keep 4:3). The largest is the scanner's stored
# thumbnail (256 px), so thumbnails are loaded once at that size and only painted smaller.
MIN_THUMB_W = 96
MAX_THUMB_W = 256
MAX_THUMB_BOX = QSize(MAX_THUMB_W, MAX_THUMB_W * 3 // 4)
PAD = 8
RADIUS = 6.0

# Badge colours sit on top of photos, not on the palette: fixed, with white text.
_FLAGGED = QColor(214, 51, 61)
_UNCERTAIN = QColor(196, 124, 0)
_CLEAN = QColor(46, 125, 80)
_LABEL_DROPLET = QColor(27, 110, 194)
_LABEL_CLEAN = QColor(46, 125, 80)

_ModelIndex = QModelIndex | QPersistentModelIndex


class PhotoDelegate(QStyledItemDelegate):
    """Draws photo cells of a fixed size (the view uses uniform item sizes)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paint_count = 0  # cells painted, for tests of lazy painting
        self._name_font: QFont | None = None
        self._badge_font: QFont | None = None
        self.thumb = QSize(THUMB_BOX)

    def set_thumb_width(self, width: int) -> None:
        """The thumbnail box's width (the slider's value); the height keeps 4:3."""
        width = max(MIN_THUMB_W, min(MAX_THUMB_W, width))
        self.thumb = QSize(width, width * 3 // 4)

    def cell_size(self, option_font: QFont) -> QSize:
        fm = QFontMetrics(option_font)
        return QSize(self.thumb.width() + 2 * PAD, self.thumb.height() + 2 * PAD + fm.height() + 6)

    def sizeHint(self, option: QStyleOptionViewItem, index: _ModelIndex) -> QSize:
        return self.cell_size(option.font)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _ModelIndex) -> None:
        model = index.model()
        photo = model.cell(index.row()) if isinstance(model, PhotoModel) else None
        if photo is None:
            return
        self.paint_count += 1
        opt_rect: QRect = option.rect
        state: QStyle.StateFlag = option.state
        palette: QPalette = option.palette
        font: QFont = option.font
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)

        cell = QRectF(opt_rect).adjusted(2, 2, -2, -2)
        if selected or hovered:
            bg = QColor(palette.color(QPalette.ColorRole.Highlight))
            bg.setAlphaF(0.85 if selected else 0.18)
            path = QPainterPath()
            path.addRoundedRect(cell, RADIUS + 2, RADIUS + 2)
            painter.fillPath(path, bg)

        # Centred in the cell: the grid spreads spare width evenly between columns.
        thumb_w, thumb_h = self.thumb.width(), self.thumb.height()
        left = opt_rect.x() + max(PAD, (opt_rect.width() - thumb_w) // 2)
        box = QRect(left, opt_rect.y() + PAD, thumb_w, thumb_h)
        rec = photo.record
        photo_rect = self._draw_thumbnail(
            painter, palette, box, photo.thumbnail, rec.error, photo.thumbnail_failed
        )
        self._draw_badges(painter, photo, photo_rect, font)

        # File name under the photo.
        name_rect = QRect(left, box.bottom() + 5, thumb_w, opt_rect.bottom() - box.bottom() - 5)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        painter.setFont(font)
        name = QFontMetrics(font).elidedText(
            printable(rec.name),
            Qt.TextElideMode.ElideMiddle,
            thumb_w,
        )
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, name)

        if focused:
            pen_color = QColor(palette.color(QPalette.ColorRole.Highlight))
            if selected:
                pen_color = palette.color(QPalette.ColorRole.HighlightedText)
            painter.setPen(pen_color)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), RADIUS + 1, RADIUS + 1)
        painter.restore()

    # -- pieces --------------------------------------------------------------------------------
    def _draw_badges(self, painter: QPainter, photo: Cell, photo_rect: QRectF, font: QFont) -> None:
        """Over the photo: in quarantine, its score, and the user's label."""
        rec = photo.record
        if rec.state == STATE_QUARANTINED:
            self._draw_quarantined(painter, photo_rect, font)
        if rec.score is not None and not rec.error:
            self._draw_score(
                painter, photo_rect, float(rec.score), photo.flagged, photo.uncertain, font
            )
        if rec.label:
            self._draw_label(painter, photo_rect, rec.label, font)

    def _draw_thumbnail(
        self,
        painter: QPainter,
        palette: QPalette,
        box: QRect,
        pixmap: QPixmap | None,
        error: str | None,
        failed: bool,
    ) -> QRectF:
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            size = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(
                box.x() + (box.width() - size.width()) / 2,
                box.y() + (box.height() - size.height()) / 2,
                size.width(),
                size.height(),
            )
            path = QPainterPath()
            path.addRoundedRect(target, RADIUS, RADIUS)
            painter.save()
            painter.setClipPath(path)
            painter.drawPixmap(target.toRect(), pixmap)
            painter.restore()
            return target

        # Placeholder: a calm tile while loading, a clear mark when unreadable.
        target = QRectF(box).adjusted(0, box.height() * 0.125, 0, -box.height() * 0.125)
        path = QPainterPath()
        path.addRoundedRect(target, RADIUS, RADIUS)
        painter.fillPath(path, palette.color(QPalette.ColorRole.AlternateBase))
        if error or failed:
            draw_placeholder_mark(painter, palette, target, placeholder_text(error), 32)
        return target

    def _draw_score(
        self,
        painter: QPainter,
        photo: QRectF,
        score: float,
        flagged: bool,
        uncertain: bool,
        font: QFont,
    ) -> None:
        badge_font = QFont(font)
        badge_font.setBold(True)
        badge_font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        fm = QFontMetrics(badge_font)
        # A number rounded down, not a percentage: "3%" on a clean photo reads as certainty,
        # and rounding down keeps a score below the threshold from showing its number.
        text = score_text(score)
        w = fm.horizontalAdvance(text) + 12
        h = fm.height() + 4
        rect = QRectF(photo.right() - w - 6, photo.top() + 6, w, h)
        colour = _FLAGGED if flagged else _UNCERTAIN if uncertain else _CLEAN
        path = QPainterPath()
        path.addRoundedRect(rect, h / 2, h / 2)
        painter.fillPath(path, colour)
        painter.setPen(QColor(255, 255, 255))
        painter.setFont(badge_font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_label(self, painter: QPainter, photo: QRectF, label: str, font: QFont) -> None:
        chip_font = QFont(font)
        chip_font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        chip_font.setBold(True)
        fm = QFontMetrics(chip_font)
        text = "✓ Droplet" if label == "droplet" else "✓ Clean"
        w = fm.horizontalAdvance(text) + 12
        h = fm.height() + 4
        rect = QRectF(photo.left() + 6, photo.bottom() - h - 6, w, h)
        path = QPainterPath()
        path.addRoundedRect(rect, 4, 4)
        painter.fillPath(path, _LABEL_DROPLET if label == "droplet" else _LABEL_CLEAN)
        painter.setPen(QColor(255, 255, 255))
        painter.setFont(chip_font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_quarantined(self, painter: QPainter, photo: QRectF, font: QFont) -> None:
        # Veil the photo and say plainly where it is.
        path = QPainterPath()
        path.addRoundedRect(photo, RADIUS, RADIUS)
        painter.fillPath(path, QColor(0, 0, 0, 150))
        icon = _standard_icon(QStyle.StandardPixmap.SP_TrashIcon)
        icon_rect = QRect(0, 0, 28, 28)
        icon_rect.moveCenter(photo.center().toPoint() - QPoint(0, 12))
        icon.paint(painter, icon_rect)
        painter.setPen(QColor(255, 255, 255))
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        text_rect = photo.toRect().adjusted(4, int(photo.height() / 2) + 6, -4, 0)
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, "In quarantine"
        )


def placeholder_text(error: str | None) -> str:
    """What a cell without a picture says: the file is unreadable, or only its preview is."""
    return "Unreadable" if error else "No preview"


def draw_placeholder_mark(
    painter: QPainter, palette: QPalette, tile: QRectF, text: str, icon_px: int
) -> None:
    """A warning mark over ``text``, centred on ``tile``; the grid's and the filmstrip's."""
    icon = _standard_icon(QStyle.StandardPixmap.SP_MessageBoxWarning)
    icon_rect = QRect(0, 0, icon_px, icon_px)
    # Mark above the centre, words below it: proportions that also fit the filmstrip's cell.
    icon_rect.moveCenter(tile.center().toPoint() - QPoint(0, icon_px * 3 // 8))
    icon.paint(painter, icon_rect)
    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    side, gap = icon_px // 5, icon_px * 5 // 16
    text_rect = tile.toRect().adjusted(side, int(tile.height() / 2) + gap, -side, -icon_px // 8)
    painter.drawText(
        text_rect,
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
        text,
    )


def _standard_icon(kind: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(kind)
