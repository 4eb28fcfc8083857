"""The photo canvas of the detail view: the photo fitted to the widget, an overlay over it.

The photo is scaled once per size with a high-quality filter and painted 1:1; the overlay
(the droplet map or an explain map) is a small straight-alpha image drawn stretched over
the photo's rectangle with smooth filtering, at the opacity the user chose.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

DEFAULT_OPACITY = 80  # percent; the droplet map's own alpha already leaves the photo visible


class Spinner(QWidget):
    """A small rotating arc in the palette's highlight colour, shown while a map computes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._tick)
        self.setFixedSize(28, 28)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def start(self) -> None:
        self.show()
        self.raise_()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.hide()

    @property
    def spinning(self) -> bool:
        return self._timer.isActive()

    def _tick(self) -> None:
        self._angle = (self._angle + 30) % 360
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        base = self.palette().color(QPalette.ColorRole.Window)
        base.setAlpha(200)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(base)
        painter.drawEllipse(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 3.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawArc(rect, -self._angle * 16, 270 * 16)
        painter.end()


class Canvas(QWidget):
    """Paints the photo fitted to the widget, the heat layer over it, or a message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self._photo: QPixmap | None = None
        self._scaled: QPixmap | None = None
        self._heat: QImage | None = None
        self._heat_visible = True
        self._opacity = DEFAULT_OPACITY / 100.0
        self.message = ""
        self.spinner = Spinner(self)

    # state
    def set_photo(self, image: QImage | None) -> None:
        self._photo = QPixmap.fromImage(image) if image is not None else None
        self._scaled = None
        self.update()

    def set_heat(self, image: QImage | None) -> None:
        self._heat = image
        self.update()

    def set_heat_visible(self, visible: bool) -> None:
        self._heat_visible = visible
        self.update()

    def set_opacity(self, opacity: float) -> None:
        self._opacity = opacity
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    @property
    def has_photo(self) -> bool:
        return self._photo is not None

    @property
    def has_heat(self) -> bool:
        return self._heat is not None

    @property
    def heat_drawn(self) -> bool:
        return self._photo is not None and self._heat is not None and self._heat_visible

    def photo_rect(self) -> QRect:
        """Where the photo is drawn: fitted inside the widget, centred, aspect kept."""
        if self._photo is None:
            return QRect()
        size = self._photo.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    # painting
    def resizeEvent(self, event: QResizeEvent) -> None:
        self._scaled = None
        self.spinner.move(self.width() - self.spinner.width() - 10, 10)
        super().resizeEvent(event)

    def _scaled_photo(self, target: QRect) -> QPixmap:
        assert self._photo is not None
        ratio = self.devicePixelRatioF()
        wanted = QSize(round(target.width() * ratio), round(target.height() * ratio))
        if self._scaled is None or self._scaled.size() != wanted:
            # Scaled once per size with a high-quality filter, then painted 1:1.
            self._scaled = self._photo.scaled(
                wanted,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled.setDevicePixelRatio(ratio)
        return self._scaled

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        window = self.palette().color(QPalette.ColorRole.Window)
        # A shade off the window colour frames the photo in both dark and light themes.
        painter.fillRect(
            self.rect(), window.darker(112) if window.lightness() > 128 else window.lighter(125)
        )
        target = self.photo_rect()
        if self._photo is not None and not target.isEmpty():
            painter.drawPixmap(target.topLeft(), self._scaled_photo(target))
            if self._heat is not None and self._heat_visible and self._opacity > 0:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.setOpacity(self._opacity)
                painter.drawImage(QRectF(target), self._heat)
                painter.setOpacity(1.0)
        if self.message and self._photo is None:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.rect().adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.message,
            )
        painter.end()
