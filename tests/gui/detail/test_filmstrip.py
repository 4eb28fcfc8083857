"""The filmstrip's cells: an unreadable photo is marked as in the grid, not left blank."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QListView, QStyleOptionViewItem

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.gui.detail.filmstrip import StripDelegate
from dropletcleaner.gui.grid.model import PhotoModel, ThumbnailSource

BACKGROUND = QColor(255, 255, 255)


class _Thumbs(ThumbnailSource):
    """No thumbnail for any photo: still loading, or failed where the file is unreadable."""

    def pixmap(self, record: PhotoRecord) -> QPixmap | None:
        return None

    def failed(self, record: PhotoRecord) -> bool:
        return bool(record.error)


READABLE = PhotoRecord(1, "/l/a.jpg", "/l", "a.jpg", 10, 1, "f", 300, 200, None, 0.2, "v", None,
                       "present", None, 0.0)  # fmt: skip
UNREADABLE = dataclasses.replace(READABLE, score=None, error="not a recognised image format")


def paint_strip_cell(record: PhotoRecord) -> tuple[QImage, QColor]:
    """The strip's cell for ``record`` on a white image, and the colour of its empty tile."""
    view = QListView()
    model = PhotoModel(_Thumbs())
    model.replace_all([record])
    delegate = StripDelegate()
    option = QStyleOptionViewItem()
    option.initFrom(view)
    size = delegate.sizeHint(option, model.index(0))
    option.rect = QRect(0, 0, size.width(), size.height())
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    delegate.paint(painter, option, model.index(0))
    painter.end()
    tile = option.palette.color(QPalette.ColorRole.AlternateBase)
    view.deleteLater()
    return image, tile


def marked_pixels(image: QImage, tile: QColor, rows: range) -> int:
    """Pixels in ``rows`` that are neither the background nor the empty tile."""
    plain = {BACKGROUND.rgb(), tile.rgb()}
    return sum(
        image.pixelColor(x, y).rgb() not in plain for x in range(image.width()) for y in rows
    )


def test_an_unreadable_photo_is_marked_in_the_filmstrip(qapp) -> None:  # type: ignore[no-untyped-def]
    image, tile = paint_strip_cell(UNREADABLE)
    assert image.size() == QSize(104, 80)
    half = image.height() // 2
    # The warning mark above the middle, "Unreadable" below it: the old cell was a bare tile.
    assert marked_pixels(image, tile, range(0, half)) > 40
    assert marked_pixels(image, tile, range(half, image.height())) > 20


def test_a_photo_still_loading_is_a_plain_tile(qapp) -> None:  # type: ignore[no-untyped-def]
    # No mark on a photo whose thumbnail is merely on its way: that would cry wolf.
    image, tile = paint_strip_cell(READABLE)
    assert marked_pixels(image, tile, range(image.height())) == 0
