"""The photo detail view: a large preview with the droplet heat map, and what is known of it.

Decoding the preview and computing heat maps both happen off the GUI thread, each on its
own one-thread pool, so switching photos stays instant while a map is computed. Results
are cached in memory per (path, fingerprint, model version, method), on top of the disk
cache in :mod:`dropletcleaner.core.attribution`. A result that arrives for a photo, model or
method no longer shown is cached but never drawn. The attribution worker runs a private copy
of the model, so explaining never disturbs a scan that uses the same model.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QObject,
    QRect,
    QRectF,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QFont,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.core import attribution
from dropletcleaner.core.attribution import METHODS, Attribution, method_label
from dropletcleaner.core.catalog import PhotoRecord
from dropletcleaner.core.decode import DecodeError, load_rgb
from dropletcleaner.core.model import LoadedModel
from dropletcleaner.core.progress import Cancelled, CancelToken

log = logging.getLogger(__name__)

DEFAULT_OPACITY = 60  # percent
MEMORY_CACHE_SIZE = 64  # heat maps (288 x 288 float32, 330 KB each)
PREVIEW_CACHE_SIZE = 4  # decoded previews, the last few photos looked at
HEAT_LAYER_SIDE = 512  # heat maps are smooth: a small layer scaled up looks the same

_AttrKey = tuple[str, str, str, str]  # path, fingerprint, model key, method


# -- workers -----------------------------------------------------------------------------


class _Bridge(QObject):
    """Carries worker results to the GUI thread (queued, because it lives there)."""

    previewDone = Signal(int, object, object)  # generation, (path, fingerprint), QImage
    previewFailed = Signal(int, str, str)  # generation, path, reason
    attributionDone = Signal(object, object)  # key, Attribution
    attributionFailed = Signal(object, str)  # key, reason
    attributionCancelled = Signal(object)  # key


class _WorkingModel:
    """The panel's own copy of the model, made on first use in the attribution thread."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.source = loaded
        self.key = attribution.model_key(loaded)
        self._copy: LoadedModel | None = None
        self._lock = threading.Lock()

    def get(self) -> LoadedModel:
        with self._lock:
            if self._copy is None:
                model = copy.deepcopy(self.source.model).float().cpu().eval()
                for param in model.parameters():
                    param.requires_grad_(False)
                self._copy = LoadedModel(model=model, card=self.source.card)
            return self._copy


def _pil_to_qimage(img: object) -> QImage:
    rgb = np.ascontiguousarray(np.asarray(img, dtype=np.uint8)[..., :3])
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _heat_image(heatmap: np.ndarray, aspect: float) -> QImage:
    """The heat map as a straight-alpha RGBA image with the photo's aspect ratio."""
    if aspect >= 1.0:
        w, h = HEAT_LAYER_SIDE, max(1, round(HEAT_LAYER_SIDE / aspect))
    else:
        w, h = max(1, round(HEAT_LAYER_SIDE * aspect)), HEAT_LAYER_SIDE
    layer = np.ascontiguousarray(attribution.heat_layer(heatmap, w, h))
    return QImage(layer.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


# -- drawing -----------------------------------------------------------------------------


class _Spinner(QWidget):
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


class _Canvas(QWidget):
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
        self.spinner = _Spinner(self)

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


def _error_colour(palette: QPalette) -> QColor:
    """A red that stays readable on the palette's window colour, dark or light."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(255, 138, 128) if dark else QColor(176, 0, 32)


@dataclass
class _Shown:
    """What the panel currently shows, to tell fresh results from stale ones."""

    record: PhotoRecord | None = None
    generation: int = 0


# -- the panel ---------------------------------------------------------------------------


class DetailPanel(QWidget):
    """Large preview of one photo with a toggleable heat map, its score, path and date."""

    attributionReady = Signal(object)  # Attribution, once drawn for the photo shown
    attributionFailed = Signal(str)  # why the heat map for the photo shown is missing
    previewReady = Signal(str)  # path, once the preview is drawn
    busyChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown = _Shown()
        self._working: _WorkingModel | None = None
        self._memory: OrderedDict[_AttrKey, Attribution] = OrderedDict()
        self._previews: OrderedDict[tuple[str, str], QImage] = OrderedDict()
        self._attribution: Attribution | None = None
        self._drawn_key: _AttrKey | None = None
        self._pending: _AttrKey | None = None
        self._tokens: dict[_AttrKey, CancelToken] = {}
        self._preview_token = CancelToken()
        self._closing = False
        self._bridge = _Bridge(self)
        self._bridge.previewDone.connect(self._on_preview)
        self._bridge.previewFailed.connect(self._on_preview_failed)
        self._bridge.attributionDone.connect(self._on_attribution)
        self._bridge.attributionFailed.connect(self._on_attribution_failed)
        self._bridge.attributionCancelled.connect(self._on_attribution_cancelled)
        # One thread each: a preview never waits behind a slow heat map.
        self._preview_pool = QThreadPool(self)
        self._preview_pool.setMaxThreadCount(1)
        self._attr_pool = QThreadPool(self)
        self._attr_pool.setMaxThreadCount(1)
        self._build()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._show_record_text(None)

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.canvas = _Canvas(self)
        self.canvas.set_message("Select a photo to see it here.")

        self.toggle_heatmap_action = QAction("Heat &Map", self)
        self.toggle_heatmap_action.setCheckable(True)
        self.toggle_heatmap_action.setChecked(True)
        self.toggle_heatmap_action.setShortcut(QKeySequence(Qt.Key.Key_H))
        self.toggle_heatmap_action.setToolTip("Show where the model sees water drops (H)")
        self.toggle_heatmap_action.toggled.connect(self._on_heat_toggled)
        self.addAction(self.toggle_heatmap_action)

        self.heat_button = QToolButton(self)
        self.heat_button.setDefaultAction(self.toggle_heatmap_action)
        self.heat_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # Clicking a control must not take the arrow keys away from photo navigation.
        self.heat_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        self.method_combo = QComboBox(self)
        for method in METHODS:
            self.method_combo.addItem(method_label(method), method)
        self.method_combo.setToolTip(
            "How the heat map is computed. Grad-CAM is fast; the others take a few seconds."
        )
        self.method_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.method_combo.currentIndexChanged.connect(self._on_method_changed)

        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(DEFAULT_OPACITY)
        self.opacity_slider.setMaximumWidth(160)
        self.opacity_slider.setToolTip("Heat map opacity")
        self.opacity_slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.opacity_slider.valueChanged.connect(lambda v: self.canvas.set_opacity(v / 100.0))
        opacity_label = QLabel("Opacity", self)
        opacity_label.setBuddy(self.opacity_slider)

        self.heat_status = QLabel(self)
        self.heat_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._dim(self.heat_status)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.heat_button)
        controls.addWidget(self.method_combo)
        controls.addSpacing(8)
        controls.addWidget(opacity_label)
        controls.addWidget(self.opacity_slider)
        controls.addSpacing(8)
        controls.addWidget(self.heat_status, 1)

        self.score_label = QLabel(self)
        font = QFont(self.score_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.score_label.setFont(font)
        self.score_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.date_label = QLabel(self)
        self.date_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # A read-only line edit: selectable, copyable, and long paths scroll instead of wrapping.
        self.path_field = QLineEdit(self)
        self.path_field.setReadOnly(True)
        self.path_field.setFrame(False)
        self.path_field.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        pal = self.path_field.palette()
        pal.setColor(QPalette.ColorRole.Base, QColor(0, 0, 0, 0))
        self.path_field.setPalette(pal)

        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._style_error()
        self.error_label.hide()

        info = QVBoxLayout()
        info.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(self.score_label)
        top.addStretch(1)
        top.addWidget(self.date_label)
        info.addLayout(top)
        info.addWidget(self.path_field)
        info.addWidget(self.error_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(controls)
        layout.addLayout(info)

    def _dim(self, label: QLabel) -> None:
        pal = label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.PlaceholderText))
        label.setPalette(pal)

    def _style_error(self) -> None:
        pal = self.error_label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, _error_colour(self.palette()))
        self.error_label.setPalette(pal)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._style_error()

    # -- public API -------------------------------------------------------------------------
    def set_model(self, loaded: LoadedModel | None) -> None:
        """Use this model for heat maps (its version keys every cache)."""
        self._cancel_attributions()
        self._working = _WorkingModel(loaded) if loaded is not None else None
        self._show_record_text(self._shown.record)
        self._refresh_heat()

    def show_photo(self, record: PhotoRecord | None) -> None:
        """Show a photo (or nothing); its preview and heat map load in the background."""
        if self._closing:
            return
        previous = self._shown.record
        same = (
            previous is not None
            and record is not None
            and previous.path == record.path
            and previous.fingerprint == record.fingerprint
        )
        self._shown = _Shown(record, self._shown.generation + 1)
        self._show_record_text(record)
        if same:
            # The same photo again (say, after relabelling): keep what is drawn.
            self._refresh_heat()
            return
        self._preview_token.cancel()
        self._preview_token = CancelToken()
        self._preview_pool.clear()
        self.canvas.set_heat(None)
        self._attribution = None
        if record is None:
            self.canvas.set_photo(None)
            self.canvas.set_message("Select a photo to see it here.")
            self._refresh_heat()
            return
        if record.error:
            self.canvas.set_photo(None)
            self.canvas.set_message("This photo could not be read.")
            self._refresh_heat()
            return
        preview_key = (record.path, record.fingerprint or "")
        cached = self._previews.get(preview_key)
        if cached is not None:
            self._previews.move_to_end(preview_key)
            self.canvas.set_photo(cached)
            self.previewReady.emit(record.path)
        else:
            self.canvas.set_photo(None)
            self.canvas.set_message("Loading…")
            self._start_preview(preview_key)
        self._refresh_heat()

    def shutdown(self) -> None:
        """Cancel all work and wait for the worker threads to finish (safe to call twice)."""
        self._closing = True
        self._preview_token.cancel()
        self._cancel_attributions()
        self._preview_pool.clear()
        self._attr_pool.clear()
        self._preview_pool.waitForDone(-1)
        self._attr_pool.waitForDone(-1)
        self.canvas.spinner.stop()

    # -- queries, for the window and tests -------------------------------------------------
    @property
    def record(self) -> PhotoRecord | None:
        return self._shown.record

    @property
    def method(self) -> str:
        return str(self.method_combo.currentData())

    def set_method(self, method: str) -> None:
        index = self.method_combo.findData(method)
        if index < 0:
            raise ValueError(f"unknown attribution method {method!r}")
        self.method_combo.setCurrentIndex(index)

    @property
    def heatmap_visible(self) -> bool:
        return self.toggle_heatmap_action.isChecked()

    @property
    def opacity(self) -> float:
        return self.opacity_slider.value() / 100.0

    @property
    def attribution(self) -> Attribution | None:
        """The heat map drawn for the photo shown, if any."""
        return self._attribution

    @property
    def busy(self) -> bool:
        return self._pending is not None

    def active_workers(self) -> int:
        return self._preview_pool.activeThreadCount() + self._attr_pool.activeThreadCount()

    # -- text ------------------------------------------------------------------------------
    def _show_record_text(self, record: PhotoRecord | None) -> None:
        if record is None:
            self.score_label.setText("")
            self.date_label.setText("")
            self.path_field.setText("")
            self.path_field.setToolTip("")
            self.error_label.hide()
            return
        if record.score is None:
            score = "Not scored yet"
        else:
            score = f"Droplet score {record.score:.2f}"
            if self._working is not None:
                threshold = self._working.source.threshold
                verdict = "flagged" if record.score >= threshold else "below the threshold"
                score += f" — {verdict} ({threshold:.2f})"
        self.score_label.setText(score)
        self.date_label.setText(
            f"Taken {record.taken_at}" if record.taken_at else "No capture date (EXIF)"
        )
        self.path_field.setText(record.path)
        self.path_field.setCursorPosition(0)
        self.path_field.setToolTip(record.path)
        self._set_error(f"Cannot read this photo: {record.error}" if record.error else "")

    def _set_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- preview ---------------------------------------------------------------------------
    def _preview_side(self) -> int:
        screen = self.screen()
        if screen is None:
            return 2048
        size = screen.size() * screen.devicePixelRatio()
        return int(min(4096, max(1600, size.width(), size.height())))

    def _start_preview(self, key: tuple[str, str]) -> None:
        path = key[0]
        generation, token, side = self._shown.generation, self._preview_token, self._preview_side()
        bridge = self._bridge

        def run() -> None:
            if token.cancelled:
                return
            try:
                image = _pil_to_qimage(load_rgb(path, max_side=side))
            except (DecodeError, OSError) as exc:
                bridge.previewFailed.emit(generation, path, str(exc) or type(exc).__name__)
                return
            except Exception as exc:  # a bug, not a bad file: say so rather than hang
                log.exception("preview of %s failed", path)
                bridge.previewFailed.emit(generation, path, f"unexpected error: {exc!r}")
                return
            if not token.cancelled:
                bridge.previewDone.emit(generation, key, image)

        self._preview_pool.start(run)

    def _on_preview(self, generation: int, key: tuple[str, str], image: QImage) -> None:
        path = key[0]
        self._previews[key] = image
        self._previews.move_to_end(key)
        while len(self._previews) > PREVIEW_CACHE_SIZE:
            self._previews.popitem(last=False)
        record = self._shown.record
        if record is None or record.path != path or generation != self._shown.generation:
            return
        self.canvas.set_photo(image)
        self._refresh_heat_layer()
        self.previewReady.emit(path)

    def _on_preview_failed(self, generation: int, path: str, reason: str) -> None:
        record = self._shown.record
        if record is None or record.path != path or generation != self._shown.generation:
            return
        self.canvas.set_photo(None)
        self.canvas.set_message("This photo could not be read.")
        self._set_error(f"Cannot read this photo: {reason}")

    # -- heat maps -------------------------------------------------------------------------
    def _current_key(self) -> _AttrKey | None:
        record = self._shown.record
        if record is None or record.error or not record.fingerprint or self._working is None:
            return None
        return (record.path, record.fingerprint, self._working.key, self.method)

    def _on_heat_toggled(self, visible: bool) -> None:
        self.canvas.set_heat_visible(visible)
        self._refresh_heat()

    def _on_method_changed(self, _index: int) -> None:
        self.canvas.set_heat(None)
        self._attribution = None
        self._refresh_heat()

    def _refresh_heat(self) -> None:
        """Draw the heat map for what is shown now, from memory or by starting a worker."""
        key = self._current_key()
        if self._pending is not None and self._pending != key:
            self._cancel_attributions()
        if key is None:
            self._set_heat_status("" if self._working is not None else "No model loaded yet.")
            self._set_busy(None)
            return
        if not self.heatmap_visible:
            self._set_heat_status("")
            return
        if self._attribution is not None and self._drawn_key == key:
            return
        cached = self._memory.get(key)
        if cached is not None:
            self._memory.move_to_end(key)
            self._apply(key, cached)
            return
        if self._pending == key:
            return
        self._start_attribution(key)

    def _start_attribution(self, key: _AttrKey) -> None:
        if self._closing or self._working is None:
            return
        path, _, _, method = key
        token = CancelToken()
        self._tokens[key] = token
        working, bridge = self._working, self._bridge

        def run() -> None:
            try:
                token.raise_if_cancelled()
                result = attribution.explain_file(working.get(), path, method, cancel=token)
            except Cancelled:
                bridge.attributionCancelled.emit(key)
                return
            except (DecodeError, OSError) as exc:
                bridge.attributionFailed.emit(key, str(exc) or type(exc).__name__)
                return
            except Exception as exc:  # a bug, not a bad file: report it, never hang
                log.exception("heat map for %s failed", path)
                bridge.attributionFailed.emit(key, f"unexpected error: {exc!r}")
                return
            bridge.attributionDone.emit(key, result)

        self._set_busy(key)
        self._set_heat_status(f"Computing {method_label(method)}…")
        self._attr_pool.start(run)

    def _cancel_attributions(self) -> None:
        for token in self._tokens.values():
            token.cancel()
        self._attr_pool.clear()  # tasks not started yet never run
        self._tokens.clear()
        self._set_busy(None)

    def _on_attribution(self, key: _AttrKey, result: Attribution) -> None:
        self._tokens.pop(key, None)
        self._memory[key] = result
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_CACHE_SIZE:
            self._memory.popitem(last=False)
        if key != self._current_key():
            return  # computed for a photo, model or method no longer shown
        self._set_busy(None)
        if self.heatmap_visible:
            self._apply(key, result)

    def _on_attribution_failed(self, key: _AttrKey, reason: str) -> None:
        self._tokens.pop(key, None)
        if key != self._current_key():
            return
        self._set_busy(None)
        self._set_heat_status("")
        if not self.error_label.isVisible():  # a read error already says it all
            self._set_error(f"No heat map: {reason}")
        self.attributionFailed.emit(reason)

    def _on_attribution_cancelled(self, key: _AttrKey) -> None:
        self._tokens.pop(key, None)

    def _apply(self, key: _AttrKey, result: Attribution) -> None:
        self._attribution = result
        self._drawn_key = key
        self._refresh_heat_layer()
        how = "from the cache" if result.from_cache else f"in {result.seconds:.1f} s"
        note = "" if self._working is None or self._working.source.trained else " (untrained model)"
        self._set_heat_status(
            f"{method_label(result.method)} {how} · explains a score of {result.score:.2f}{note}"
        )
        self.attributionReady.emit(result)

    def _refresh_heat_layer(self) -> None:
        result = self._attribution
        record = self._shown.record
        if result is None or record is None:
            self.canvas.set_heat(None)
            return
        if record.width and record.height:
            aspect = record.width / record.height
        else:
            rect = self.canvas.photo_rect()
            aspect = rect.width() / rect.height() if rect.height() else 1.0
        self.canvas.set_heat(_heat_image(result.heatmap, aspect))

    def _set_busy(self, key: _AttrKey | None) -> None:
        was = self._pending is not None
        self._pending = key
        if key is not None:
            self.canvas.spinner.start()
        else:
            self.canvas.spinner.stop()
        if was != (key is not None):
            self.busyChanged.emit(key is not None)

    def _set_heat_status(self, text: str) -> None:
        self.heat_status.setText(text)
        self.heat_status.setToolTip(text)

    # -- lifetime --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
