"""The photo detail view: a large preview with the droplet map, and what is known of it.

The default overlay is the photo's **droplet map**, read from the catalog: where the model
sees water on the lens, drawn on an absolute scale with a legend, and summed up in words
("water on 12 % of the frame, mostly top-left"). A clean photo shows no hot spot. Photos
scored by a model without a map say so, and get a heat map only when asked.

"Explain the model" (Grad-CAM, Integrated Gradients, Occlusion, GradientSHAP) shows what
drove the score instead. Those maps compute on a worker (:mod:`~dropletcleaner.gui.detail.explain`)
with progress, time left and Cancel; they apply to one photo: moving to another photo goes
back to the droplet map, and the status line says so. M steps through the overlays.

Decoding the preview happens on its own thread (:mod:`~dropletcleaner.gui.detail.preview`), so
switching photos stays instant.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QToolButton,
    QWidget,
)

from dropletcleaner.core.catalog.photos import STATE_QUARANTINED, PhotoRecord
from dropletcleaner.gui.detail import overlay
from dropletcleaner.gui.detail.explain import METHOD_LABELS, Explainer, ExplainKey
from dropletcleaner.gui.detail.full_res import FullResolution
from dropletcleaner.gui.detail.layout import MAP, build_panel, error_colour, overlay_label
from dropletcleaner.gui.detail.loupe import LoupeCanvas
from dropletcleaner.gui.detail.overlay_control import MapSource, OverlayMixin, Shown
from dropletcleaner.gui.detail.preview import PreviewKey, PreviewLoader
from dropletcleaner.gui.scores import score_line, score_text

if TYPE_CHECKING:  # torch stays unloaded until the user asks for an explanation
    from dropletcleaner.core.ml.attribution.methods import Attribution
    from dropletcleaner.core.ml.checkpoint import LoadedModel

log = logging.getLogger(__name__)

PREVIEW_CACHE_SIZE = 4  # decoded previews, the last few photos looked at
MAP_MODEL = "droplet-v4"  # the first model that stores droplet maps


class DetailPanel(OverlayMixin, QWidget):
    """Large preview of one photo with its droplet map (or an explain map), score and facts."""

    attributionReady = Signal(object)  # Attribution, once drawn for the photo shown
    attributionFailed = Signal(str)  # why the explain map for the photo shown is missing
    previewReady = Signal(str)  # path, once the preview is drawn
    fullResolutionReady = Signal(str)  # path, once the loupe has the file's own pixels
    busyChanged = Signal(bool)
    # Emitted whenever the panel comes on screen (F9, leaving Compare or the large view):
    # while hidden it is not kept up to date, so the window shows the current photo then.
    shown = Signal()

    # Built by detail_layout.build_panel.
    canvas: LoupeCanvas
    toggle_heatmap_action: QAction
    heat_button: QToolButton
    method_combo: QComboBox
    opacity_slider: QSlider
    legend: overlay.Legend
    heat_status: QLabel
    explain_progress: QProgressBar
    cancel_button: QPushButton
    progress_row: QWidget
    score_label: QLabel
    date_label: QLabel
    path_field: QLineEdit
    error_label: QLabel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown = Shown()
        self._attribution: Attribution | None = None
        self._drawn_key: ExplainKey | None = None
        self._closing = False
        self._busy = False
        self._by_app = False  # the overlay choice is being set by the panel, not the user
        self._note = ""  # why the overlay changed without the user asking
        self._map_source: MapSource | None = None
        self._threshold: float | None = None
        self._model_threshold: float | None = None
        self._map_model = MAP_MODEL
        self.explainer = Explainer(self)
        self.explainer.ready.connect(self._on_explained)
        self.explainer.failed.connect(self._on_explain_failed)
        self.explainer.progressed.connect(self._on_explain_progress)
        self.explainer.cancelled.connect(lambda _key: self._set_busy(False))
        self.previews = PreviewLoader(PREVIEW_CACHE_SIZE, self)
        self.previews.loaded.connect(self._on_preview)
        self.previews.failed.connect(self._on_preview_failed)
        build_panel(self)
        # Zoomed in, the loupe asks for real pixels: decoded on their own thread.
        self.full_resolution = FullResolution(self.canvas, self)
        self.full_resolution.drawn.connect(self.fullResolutionReady)
        self.toggle_heatmap_action.toggled.connect(self._on_overlay_toggled)
        self.method_combo.currentIndexChanged.connect(self._on_method_changed)
        self.next_method_action = QAction("Next &Overlay", self)
        self.next_method_action.setShortcut(QKeySequence(Qt.Key.Key_M))
        self.next_method_action.setToolTip("Droplet map, then each way to explain the model (M)")
        self.next_method_action.triggered.connect(self.next_method)
        self.addAction(self.next_method_action)
        self.cancel_button.clicked.connect(self.cancel_explain)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._show_record_text(None)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "error_label"):
            pal = self.error_label.palette()
            pal.setColor(self.error_label.foregroundRole(), error_colour(self.palette()))
            self.error_label.setPalette(pal)

    # -- public API -------------------------------------------------------------------------
    def set_model(self, loaded: LoadedModel | None) -> None:
        """Use this model to explain (its version keys every cache)."""
        self.explainer.set_model(loaded)
        self._model_threshold = None if loaded is None else loaded.threshold
        scoring = {} if loaded is None else loaded.card.scoring
        if loaded is not None and scoring.get("pooling") == "map":
            self._map_model = loaded.version  # rescanning with this model gives maps
        self._drawn_key = None
        self._show_record_text(self._shown.record)
        self._refresh_overlay()

    def set_map_source(self, source: MapSource | None) -> None:
        """Where droplet maps come from (the window reads them from its catalog)."""
        self._map_source = source

    def set_threshold(self, threshold: float) -> None:
        """The threshold the user works with: the score line is worded against it."""
        self._threshold = threshold
        self._show_record_text(self._shown.record)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.shown.emit()

    def show_photo(self, record: PhotoRecord | None) -> None:
        """Show a photo (or nothing); its preview loads in the background."""
        if self._closing:
            return
        previous = self._shown.record
        same = (
            previous is not None
            and record is not None
            and previous.path == record.path
            and previous.fingerprint == record.fingerprint
        )
        grid = self._read_map(record)
        # The same photo again keeps its generation: its preview may still be on the way
        # (Enter within the panel's 60 ms debounce showed it twice, and it never came).
        generation = self._shown.generation if same else self._shown.generation + 1
        self._shown = Shown(record, generation, grid)
        self._show_record_text(record)
        if same:
            # The same photo again (say, after relabelling): keep what is drawn.
            self._refresh_overlay()
            return
        self._note = ""
        if self.method != MAP:
            # An explanation was for the photo the user left: say so, do not recompute.
            self._note = (
                f"{METHOD_LABELS[self.method]} was for the previous photo; M explains this one."
            )
            self._set_method_quietly(MAP)
        self.previews.cancel()
        if record is None or record.error:
            self.full_resolution.set_photo(None)
            self.canvas.set_size_hint(None, None)
        else:
            self.full_resolution.set_photo(record.path, record.fingerprint)
            self.canvas.set_size_hint(record.width, record.height)
        self.canvas.set_heat(None)
        self._attribution = None
        self._drawn_key = None
        if record is None or record.error:
            self.canvas.set_photo(None)
            self.canvas.set_message(
                "Select a photo to see it here."
                if record is None
                else "This photo could not be read."
            )
            self._refresh_overlay()
            return
        preview_key = (record.path, record.fingerprint or "", self._preview_side())
        cached = self.previews.cached(preview_key)
        if cached is not None:
            self.canvas.set_photo(cached)
            self.previewReady.emit(record.path)
        else:
            self.canvas.set_photo(None)
            self.canvas.set_message("Loading…")
            self.previews.request(self._shown.generation, preview_key)
        self._refresh_overlay()

    def shutdown(self) -> None:
        """Cancel all work and wait for the worker threads to finish (safe to call twice)."""
        self._closing = True
        self.previews.shutdown()
        self.full_resolution.shutdown()
        self.explainer.shutdown()
        self._set_busy(False)

    # -- queries, for the window and tests -------------------------------------------------
    @property
    def record(self) -> PhotoRecord | None:
        return self._shown.record

    @property
    def droplet_map(self) -> np.ndarray | None:
        return self._shown.grid

    @property
    def opacity(self) -> float:
        return self.opacity_slider.value() / 100.0

    @property
    def attribution(self) -> Attribution | None:
        """The explain map drawn for the photo shown, if any."""
        return self._attribution

    @property
    def busy(self) -> bool:
        return self.explainer.pending is not None

    def active_workers(self) -> int:
        return (
            self.previews.active_workers()
            + self.full_resolution.active_workers()
            + self.explainer.active_workers()
        )

    # -- text ------------------------------------------------------------------------------
    def _show_record_text(self, record: PhotoRecord | None) -> None:
        if record is None:
            for label in (self.score_label, self.date_label):
                label.setText("")
            self.path_field.setText("")
            self.path_field.setToolTip("")
            self._set_error("")
            return
        threshold = self._threshold if self._threshold is not None else self._model_threshold
        if record.error:
            line = "Not scored: the file cannot be read"
        else:
            line = score_line(record.score, threshold)
            if record.state == STATE_QUARANTINED:
                # The grid does not count quarantined photos as flagged: nor does this line.
                line = f"Droplet score {score_text(record.score or 0.0)} · in quarantine"
            if record.label:
                # A label decides the flag (the counts follow it), whatever the score says.
                line += f" · your label: {record.label}"
        self.score_label.setText(line)
        self.date_label.setText(
            f"Taken {record.taken_at}" if record.taken_at else "No capture date (EXIF)"
        )
        self.path_field.setText(record.path)
        self.path_field.setCursorPosition(0)
        self.path_field.setToolTip(record.path)
        self._set_error(f"Cannot read this photo: {record.error}" if record.error else "")

    # -- preview ---------------------------------------------------------------------------
    def _preview_side(self) -> int:
        screen = self.screen()
        if screen is None:
            return 2048
        size = screen.size() * screen.devicePixelRatio()
        return int(min(4096, max(1600, size.width(), size.height())))

    def _is_shown(self, generation: int, path: str) -> bool:
        record = self._shown.record
        return record is not None and record.path == path and generation == self._shown.generation

    def _on_preview(self, generation: int, key: PreviewKey, image: QImage) -> None:
        if not self._is_shown(generation, key[0]):
            return
        self.canvas.set_photo(image)
        self._draw_layer()
        self.previewReady.emit(key[0])

    def _on_preview_failed(self, generation: int, path: str, reason: str) -> None:
        if not self._is_shown(generation, path):
            return
        self.canvas.set_photo(None)
        self.canvas.set_message("This photo could not be read.")
        self._set_error(f"Cannot read this photo: {reason}")

    # -- lifetime --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


__all__ = ["MAP", "DetailPanel", "overlay_label"]
