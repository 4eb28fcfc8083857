"""The grid cell painter: badge colours, label chips, the quarantine veil, placeholders."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QListView, QStyleOptionViewItem

from dropletcleaner.core.catalog.photos import STATE_QUARANTINED, PhotoRecord
from dropletcleaner.gui.grid.delegate import PAD, THUMB_H, THUMB_W, PhotoDelegate
from dropletcleaner.gui.grid.model import PhotoModel, ThumbnailSource


class _GreyThumbs(ThumbnailSource):
    def __init__(self) -> None:
        super().__init__()
        self.pm = QPixmap(QSize(300, 200))
        self.pm.fill(QColor(128, 128, 128))

    def pixmap(self, record: PhotoRecord) -> QPixmap | None:
        return None if record.error else self.pm

    def failed(self, record: PhotoRecord) -> bool:
        return bool(record.error)


BASE = PhotoRecord(1, "/l/a.jpg", "/l", "a.jpg", 10, 1, "f", 300, 200, None, 0.9, "v", None,
                   "present", None, 0.0)  # fmt: skip


def paint(record: PhotoRecord, threshold: float = 0.5) -> QImage:
    view = QListView()
    model = PhotoModel(_GreyThumbs())
    model.replace_all([record])
    model.set_filter(model.filter)
    model.set_threshold(threshold)
    if record.state == STATE_QUARANTINED:
        from dropletcleaner.gui.grid.model import Filter

        model.set_filter(Filter.QUARANTINED)
    delegate = PhotoDelegate()
    size = delegate.cell_size(view.font())
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor(255, 255, 255))
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = QRect(0, 0, size.width(), size.height())
    painter = QPainter(image)
    delegate.paint(painter, option, model.index(0))
    painter.end()
    view.deleteLater()
    return image


def colours_in(image: QImage, rect: QRect) -> set[tuple[int, int, int]]:
    return {
        image.pixelColor(x, y).getRgb()[:3]
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    }


# The photo (300x200) is fitted to the 200x150 box: 200x133, vertically centred.
PHOTO_TOP = PAD + (THUMB_H - 133) // 2
BADGE_AREA = QRect(PAD + THUMB_W - 60, PHOTO_TOP + 4, 56, 20)
LABEL_AREA = QRect(PAD + 4, PHOTO_TOP + 133 - 24, 80, 20)


def test_flagged_badge_is_red_and_clean_badge_green(qapp) -> None:  # type: ignore[no-untyped-def]
    flagged = colours_in(paint(BASE), BADGE_AREA)
    assert (214, 51, 61) in flagged
    clean = colours_in(paint(dataclasses.replace(BASE, score=0.05)), BADGE_AREA)
    assert (46, 125, 80) in clean and (214, 51, 61) not in clean


def test_user_label_chip(qapp) -> None:  # type: ignore[no-untyped-def]
    assert (27, 110, 194) in colours_in(
        paint(dataclasses.replace(BASE, label="droplet")), LABEL_AREA
    )
    assert (27, 110, 194) not in colours_in(paint(BASE), LABEL_AREA)


def test_quarantined_photo_is_veiled(qapp) -> None:  # type: ignore[no-untyped-def]
    centre_left = QRect(PAD + 10, PHOTO_TOP + 10, 20, 20)
    plain = colours_in(paint(BASE), centre_left)
    veiled = colours_in(paint(dataclasses.replace(BASE, state=STATE_QUARANTINED)), centre_left)
    assert plain == {(128, 128, 128)}
    assert all(max(c) < 70 for c in veiled)  # darkened


def test_unreadable_photo_has_no_score_badge(qapp) -> None:  # type: ignore[no-untyped-def]
    image = paint(dataclasses.replace(BASE, score=None, error="truncated"))
    colours = colours_in(image, BADGE_AREA)
    assert (214, 51, 61) not in colours and (46, 125, 80) not in colours


def test_painting_a_full_grid_again_and_again_keeps_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The interpreter outlives a long scroll: no binding call loses a reference to None.

    With a Qt binding that drops one on each call returning nothing (Shiboken 6.12.0 on
    Python 3.11), each repaint of this grid took about 300, and the app aborted within
    60 repaints. On Python 3.12 and later None is immortal and its count never moves.
    """
    import sys

    from dropletcleaner.gui.grid.view import PhotoGrid

    grid = PhotoGrid()
    qtbot.addWidget(grid)
    delegate = PhotoDelegate(grid)
    grid.setItemDelegate(delegate)
    model = PhotoModel(_GreyThumbs())
    rows = [
        dataclasses.replace(BASE, id=i, path=f"/l/{i}.jpg", name=f"{i}.jpg") for i in range(300)
    ]
    model.replace_all(rows)
    grid.setModel(model)
    grid.set_cell_size(delegate.cell_size(grid.font()) + QSize(8, 8))
    grid.resize(1000, 700)
    grid.show()
    qtbot.waitExposed(grid)
    qtbot.wait(50)  # the view lays its items out on a timer
    before = sys.getrefcount(None)
    for _ in range(20):  # few enough that a leaking binding fails here rather than aborts
        grid.viewport().repaint()
    assert delegate.paint_count >= 20 * 10, "the grid painted its cells each time"
    assert sys.getrefcount(None) >= before - 50
