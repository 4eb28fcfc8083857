"""The loupe: the photo canvas that zooms to fit or to real pixels, and pans by dragging.

A :class:`LoupeCanvas` is a :class:`~dropletcleaner.gui.detail.canvas.Canvas` with a view state:
fitted to the widget, or a zoom factor in *device pixels per photo pixel* (1.0 is 100 %:
one pixel of the file on one pixel of the screen) around a centre given as a fraction of
the photo's width and height. Fractions, not pixels, so the view survives the switch from
the scaled preview to the full decode, and so compare panes of photos of different sizes
can share one state.

Until the full-resolution decode arrives the scaled preview is drawn stretched (the view
is right, only softer) and ``fullResolutionWanted`` asks the owner to decode the file off
the GUI thread. Only the visible part of the photo and of the overlay is drawn, from the
same rectangle, so the droplet map stays on the pixels it describes at every zoom.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from dropletcleaner.gui.detail.canvas import Canvas

MAX_ZOOM = 16.0  # 1600 %: single photo pixels are plain squares long before this
WHEEL_STEP = 1.25  # zoom factor per wheel notch
# A size hint (the catalog's width and height) is trusted when its aspect is this close to
# the preview's; otherwise the preview's own size stands in until the full decode.
ASPECT_TOLERANCE = 0.02


@dataclass(frozen=True)
class ViewState:
    """What the loupe shows: fit (``zoom is None``) or a zoom factor around a centre."""

    zoom: float | None = None
    cx: float = 0.5  # the view's centre, as a fraction of the photo's width
    cy: float = 0.5


FIT = ViewState()


class LoupeCanvas(Canvas):
    """A canvas that zooms (Z, Space, the wheel, a double-click) and pans by dragging."""

    viewChanged = Signal(object)  # ViewState, after the user zoomed or panned
    fullResolutionWanted = Signal()  # zoomed in while only the scaled preview is here

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = FIT
        self._full: QPixmap | None = None
        self._hint: QSize | None = None
        self._drag_from: QPointF | None = None
        self._drag_view = FIT
        self.setMouseTracking(False)

    # -- photo -----------------------------------------------------------------------------
    def set_photo(self, image: QImage | None) -> None:
        """A new preview: the full decode of the previous photo is dropped, the view kept."""
        self._full = None
        super().set_photo(image)
        self._update_cursor()
        if image is not None and self.zoomed:
            self.fullResolutionWanted.emit()

    def set_full_photo(self, image: QImage | None) -> None:
        """The full-resolution decode of the photo on show (drawn whenever zoomed in)."""
        self._full = QPixmap.fromImage(image) if image is not None else None
        self.update()

    def set_size_hint(self, width: int | None, height: int | None) -> None:
        """The photo's upright size in pixels, known before its full decode (the catalog's)."""
        self._hint = QSize(width, height) if width and height else None
        self.update()

    @property
    def has_full_resolution(self) -> bool:
        return self._full is not None or (
            self._photo is not None and self._photo.size() == self.source_size()
        )

    def source_size(self) -> QSize:
        """The photo's size in file pixels: the full decode's, or the best guess before it."""
        if self._full is not None:
            return self._full.size()
        if self._photo is None:
            return QSize()
        preview = self._photo.size()
        hint = self._hint
        if hint is None or not preview.height() or not hint.height():
            return preview
        aspect = preview.width() / preview.height()
        if abs(hint.width() / hint.height() - aspect) <= ASPECT_TOLERANCE * aspect:
            return QSize(hint)
        return preview

    # -- view ------------------------------------------------------------------------------
    @property
    def view(self) -> ViewState:
        return self._view

    @property
    def zoomed(self) -> bool:
        return self._view.zoom is not None

    def fit_zoom(self) -> float:
        """The zoom factor (device pixels per photo pixel) at which the photo fits."""
        source = self.source_size()
        if source.isEmpty() or self.width() <= 0 or self.height() <= 0:
            return 1.0
        scale = min(self.width() / source.width(), self.height() / source.height())
        return scale * self.devicePixelRatioF()

    def zoom_factor(self) -> float:
        """The zoom in effect: 1.0 is 100 %, whether fitted or zoomed."""
        return self._view.zoom if self._view.zoom is not None else self.fit_zoom()

    def set_view(self, view: ViewState, *, by_user: bool = False) -> None:
        """Show ``view`` (clamped to the photo); ``viewChanged`` only for the user's moves."""
        clamped = self._clamped(view)
        if clamped == self._view:
            return
        self._view = clamped
        self._update_cursor()
        self.update()
        if self.zoomed and not self.has_full_resolution:
            self.fullResolutionWanted.emit()
        if by_user:
            self.viewChanged.emit(clamped)

    def toggle_zoom(self, at: QPointF | None = None) -> None:
        """Fit, or 100 % centred on ``at`` (a widget point; the centre of the view if none)."""
        if self.zoomed:
            self.set_view(FIT, by_user=True)
            return
        cx, cy = self._fraction_at(at) if at is not None else (0.5, 0.5)
        self.set_view(ViewState(1.0, cx, cy), by_user=True)

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the photo point under ``at`` where it is."""
        if self._photo is None:
            return
        fit = self.fit_zoom()
        zoom = min(MAX_ZOOM, self.zoom_factor() * factor)
        if zoom <= fit * 1.001:
            self.set_view(FIT, by_user=True)
            return
        point = at if at is not None else QPointF(self.width() / 2, self.height() / 2)
        fx, fy = self._fraction_at(point)
        source = self.source_size()
        scale = zoom / self.devicePixelRatioF()
        # The fraction under the cursor stays under it: solve for the new centre.
        cx = fx - (point.x() - self.width() / 2) / (source.width() * scale)
        cy = fy - (point.y() - self.height() / 2) / (source.height() * scale)
        self.set_view(ViewState(zoom, cx, cy), by_user=True)

    def image_rect(self) -> QRectF:
        """Where the whole photo lies in widget coordinates (mostly outside when zoomed)."""
        source = self.source_size()
        if source.isEmpty():
            return QRectF()
        scale = self.zoom_factor() / self.devicePixelRatioF()
        w, h = source.width() * scale, source.height() * scale
        x = self.width() / 2 - self._view.cx * w
        y = self.height() / 2 - self._view.cy * h
        if not self.zoomed:
            x, y = (self.width() - w) / 2, (self.height() - h) / 2
        return QRectF(x, y, w, h)

    def photo_rect(self) -> QRect:
        if not self.zoomed:
            return super().photo_rect()
        return self.image_rect().toAlignedRect().intersected(self.rect())

    def _fraction_at(self, point: QPointF) -> tuple[float, float]:
        rect = self.image_rect()
        if rect.isEmpty():
            return 0.5, 0.5
        fx = (point.x() - rect.left()) / rect.width()
        fy = (point.y() - rect.top()) / rect.height()
        return min(1.0, max(0.0, fx)), min(1.0, max(0.0, fy))

    def _clamped(self, view: ViewState) -> ViewState:
        if view.zoom is None:
            return FIT
        source = self.source_size()
        if source.isEmpty():
            return view
        scale = view.zoom / self.devicePixelRatioF()

        def axis(centre: float, view_px: int, photo_px: float) -> float:
            if photo_px <= view_px:
                return 0.5  # smaller than the view: centred, nothing to pan
            half = view_px / 2 / photo_px
            return min(1.0 - half, max(half, centre))

        return ViewState(
            view.zoom,
            axis(view.cx, self.width(), source.width() * scale),
            axis(view.cy, self.height(), source.height() * scale),
        )

    # -- mouse -----------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if not steps or self._photo is None:
            event.ignore()
            return
        self.zoom_by(WHEEL_STEP**steps, event.position())
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._photo is not None:
            self.toggle_zoom(event.position())
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.zoomed:
            self._drag_from = event.position()
            self._drag_view = self._view
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is None:
            super().mouseMoveEvent(event)
            return
        rect = self.image_rect()
        delta = event.position() - self._drag_from
        start = self._drag_view
        # Dragging moves the photo with the hand: the centre moves the other way.
        self.set_view(
            ViewState(
                start.zoom,
                start.cx - delta.x() / max(1.0, rect.width()),
                start.cy - delta.y() / max(1.0, rect.height()),
            ),
            by_user=True,
        )
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = None
            self._update_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._view = self._clamped(self._view)

    def _update_cursor(self) -> None:
        if self.zoomed and self._photo is not None:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.zoomed or self._photo is None:
            super().paintEvent(event)  # fitted: the base class's high-quality scaled copy
            return
        painter = QPainter(self)
        window = self.palette().color(self.backgroundRole())
        painter.fillRect(
            self.rect(), window.darker(112) if window.lightness() > 128 else window.lighter(125)
        )
        target = self.image_rect()
        visible = target.intersected(QRectF(self.rect()))
        pixmap = self._full if self._full is not None else self._photo
        smooth = self.zoom_factor() < 1.0 or self._full is None
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        # Above 100 % the real pixels are drawn as squares (no smoothing): that is the point.
        painter.drawPixmap(visible, pixmap, _source_part(target, visible, pixmap.size()))
        heat = self._heat
        if heat is not None and self._heat_visible and self._opacity > 0:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.setOpacity(self._opacity)
            painter.drawImage(visible, heat, _source_part(target, visible, heat.size()))
            painter.setOpacity(1.0)
        self._paint_badge(painter)
        painter.end()

    def _paint_badge(self, painter: QPainter) -> None:
        text = f"{self.zoom_factor() * 100:.0f} %"
        if not self.has_full_resolution:
            text += " · loading full resolution…"
        fm = painter.fontMetrics()
        box = QRectF(8, self.height() - fm.height() - 14, fm.horizontalAdvance(text) + 16, 0)
        box.setHeight(fm.height() + 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 160))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _source_part(target: QRectF, visible: QRectF, size: QSize) -> QRectF:
    """The part of an image of ``size`` stretched over ``target`` that lies in ``visible``."""
    sx = size.width() / target.width()
    sy = size.height() / target.height()
    return QRectF(
        (visible.left() - target.left()) * sx,
        (visible.top() - target.top()) * sy,
        visible.width() * sx,
        visible.height() * sy,
    )
