"""The detail panel's overlay logic: the droplet map by default, "explain the model" on request.

Kept apart from the panel's layout and preview code as a mixin of
:class:`~dropletcleaner.gui.detail.panel.DetailPanel`. The droplet map comes from the
catalog (the panel's map source) and draws at once; an explain method starts a worker
through :class:`~dropletcleaner.gui.detail.explain.Explainer`, shows its progress and time left,
and is dropped (back to the map, with a note) when the user moves to another photo or
cancels. After moving on, the note says "M explains this one", so M then runs the method
that was dropped rather than the next one in the cycle (Grad-CAM after the map).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QWidget

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.gui.detail import overlay
from dropletcleaner.gui.detail.canvas import Canvas
from dropletcleaner.gui.detail.explain import METHOD_LABELS, Explainer, ExplainKey
from dropletcleaner.gui.detail.layout import MAP
from dropletcleaner.gui.scores import score_text

if TYPE_CHECKING:  # torch stays unloaded until the user asks for an explanation
    from dropletcleaner.core.ml.attribution.methods import Attribution

log = logging.getLogger(__name__)

HEAT_LAYER_SIDE = 512  # heat maps are smooth: a small layer scaled up looks the same

MapSource = Callable[[PhotoRecord], "np.ndarray | None"]


def _heat_image(heatmap: np.ndarray, aspect: float) -> QImage:
    """An explain map as a straight-alpha RGBA image with the photo's aspect ratio."""
    from dropletcleaner.core.ml.attribution.drawing import (
        heat_layer,  # torch is loaded by now: a map came back
    )

    if aspect >= 1.0:
        w, h = HEAT_LAYER_SIDE, max(1, round(HEAT_LAYER_SIDE / aspect))
    else:
        w, h = max(1, round(HEAT_LAYER_SIDE * aspect)), HEAT_LAYER_SIDE
    layer = np.ascontiguousarray(heat_layer(heatmap, w, h))
    return QImage(layer.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


@dataclass
class Shown:
    """What the panel currently shows, to tell fresh results from stale ones."""

    record: PhotoRecord | None = None
    generation: int = 0
    grid: np.ndarray | None = None  # the photo's droplet map, if the catalog has one


class OverlayMixin:
    """Overlay state and drawing for the detail panel (see the module docstring)."""

    # Provided by DetailPanel and detail_layout.build_panel.
    attributionReady: SignalInstance
    attributionFailed: SignalInstance
    busyChanged: SignalInstance
    canvas: Canvas
    legend: overlay.Legend
    heat_status: QLabel
    error_label: QLabel
    method_combo: QComboBox
    toggle_heatmap_action: QAction
    progress_row: QWidget
    explain_progress: QProgressBar
    explainer: Explainer
    _shown: Shown
    _note: str
    _by_app: bool
    _busy: bool
    _attribution: Attribution | None
    _drawn_key: ExplainKey | None
    _map_source: MapSource | None
    _map_model: str
    # The explain method dropped on moving to another photo, and that photo's generation:
    # M resumes it there. A class default because the panel's __init__ does not set it.
    _resume: tuple[str, int] | None = None

    @property
    def method(self) -> str:
        return str(self.method_combo.currentData())

    def set_method(self, method: str) -> None:
        index = self.method_combo.findData(method)
        if index < 0:
            raise ValueError(f"unknown overlay {method!r}")
        self.method_combo.setCurrentIndex(index)

    @property
    def heatmap_visible(self) -> bool:
        return self.toggle_heatmap_action.isChecked()

    def next_method(self) -> None:
        """Step to the next overlay: droplet map, then each explain method, then back.

        Right after moving on from an explanation, the map's note promises that M explains
        this photo: M then runs the method that was shown, not the cycle's next one.
        """
        resume = self._resume
        if resume is not None and self.method == MAP and resume[1] == self._shown.generation:
            self.set_method(resume[0])
            return
        index = self.method_combo.currentIndex()
        for step in range(1, self.method_combo.count() + 1):
            candidate = (index + step) % self.method_combo.count()
            if self.method_combo.itemData(candidate):  # separators carry no method
                self.method_combo.setCurrentIndex(candidate)
                return

    def cancel_explain(self) -> None:
        """Stop the running explanation and go back to the droplet map."""
        method = self.method
        self.explainer.cancel()
        if method != MAP:
            self._note = f"{METHOD_LABELS[method]} stopped."
            self._set_method_quietly(MAP)
            self._resume = None  # stopped on purpose: M goes on with the cycle
            self._refresh_overlay()

    def _set_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _set_status(self, text: str) -> None:
        if self._note and text:
            text = f"{text}  ·  {self._note}"
        self.heat_status.setText(text or self._note)
        self.heat_status.setToolTip(self.heat_status.text())

    # -- overlays --------------------------------------------------------------------------
    def _read_map(self, record: PhotoRecord | None) -> np.ndarray | None:
        if record is None or record.error or self._map_source is None:
            return None
        try:
            return self._map_source(record)
        except Exception:  # a catalog hiccup costs the overlay, never the panel
            log.exception("droplet map of %s could not be read", record.path)
            return None

    def _current_key(self) -> ExplainKey | None:
        record, model_key = self._shown.record, self.explainer.model_key
        if record is None or record.error or not record.fingerprint or model_key is None:
            return None
        return (record.path, record.fingerprint, model_key, self.method)

    def _set_method_quietly(self, method: str) -> None:
        if method == MAP and self.method != MAP:
            # The panel drops an explanation this way on moving to another photo; its note
            # then says M explains the new one, so remember which method that means.
            self._resume = (self.method, self._shown.generation)
        self._by_app = True
        try:
            self.set_method(method)
        finally:
            self._by_app = False

    def _on_overlay_toggled(self, visible: bool) -> None:
        self.canvas.set_heat_visible(visible)
        if not visible:
            self.explainer.cancel()
        self._refresh_overlay()

    def _on_method_changed(self, _index: int) -> None:
        if not self._by_app:
            self._note = ""
            self._resume = None  # the user chose an overlay: the note's promise is spent
        self.canvas.set_heat(None)
        self._attribution = None
        self._drawn_key = None
        self._refresh_overlay()

    def _refresh_overlay(self) -> None:
        """Draw the chosen overlay for what is shown now, starting an explanation if asked."""
        record = self._shown.record
        self.legend.setVisible(False)
        leaving = self.method == MAP or record is None or not self.heatmap_visible
        if leaving and self.explainer.pending is not None:
            self.explainer.cancel()
        if record is None or record.error:
            self._set_status("")
            return
        if not self.heatmap_visible:
            # Words rather than nothing: the line keeps its height, so the photo stays put.
            self._set_status("Overlay hidden: H shows it")
            return
        if self.method == MAP:
            self._draw_layer()
            return
        key = self._current_key()
        if key is None:
            self._set_status("The model is still loading: explaining starts once it is ready.")
            return
        if self._attribution is not None and self._drawn_key == key:
            self._draw_layer()
            return
        cached = self.explainer.cached(key)
        if cached is not None:
            self._apply(key, cached)
            return
        if self.explainer.pending != key:
            self.explainer.start(key)
            self._set_busy(True)
        seconds = self.explainer.estimate_seconds(key[3])
        self._set_status(f"Computing {METHOD_LABELS[key[3]]}… about {seconds:.0f} s")

    def _aspect(self) -> float:
        record = self._shown.record
        if record is not None and record.width and record.height:
            return record.width / record.height
        rect = self.canvas.photo_rect()
        return rect.width() / rect.height() if rect.height() else 1.0

    def _draw_layer(self) -> None:
        """Put the current overlay's layer, legend and summary on screen."""
        if not self.heatmap_visible or self._shown.record is None:
            return
        if self.method == MAP:
            grid = self._shown.grid
            if grid is None:
                self.canvas.set_heat(None)
                self._set_status(
                    f"No droplet map for this photo: rescan with {self._map_model}. "
                    "M explains the model instead."
                )
                return
            self.canvas.set_heat(overlay.map_layer(grid, self._aspect()))
            self.legend.set_scale(
                overlay.MAP_LEGEND_TITLE, overlay.map_legend_colours(), overlay.MAP_TICKS
            )
            self.legend.setVisible(True)
            self._set_status(overlay.map_summary(grid))
        elif self._attribution is not None:
            self.canvas.set_heat(_heat_image(self._attribution.heatmap, self._aspect()))
            self.legend.set_scale(
                overlay.EXPLAIN_LEGEND_TITLE,
                overlay.explain_legend_colours(),
                overlay.EXPLAIN_TICKS,
            )
            self.legend.setVisible(True)

    def _apply(self, key: ExplainKey, result: Attribution) -> None:
        self._attribution = result
        self._drawn_key = key
        self._set_busy(False)
        self._draw_layer()
        how = "from the cache" if result.from_cache else f"in {result.seconds:.1f} s"
        note = "" if self.explainer.trained else " (untrained model)"
        # Explanations see the photo once, at the model's input size; a photo that got a
        # second look in the scan has a score from both looks, which may differ.
        self._set_status(
            f"{METHOD_LABELS[result.method]} {how} · explains a first-look score of "
            f"{score_text(result.score)}{note}"
        )
        self.attributionReady.emit(result)

    def _on_explained(self, key: ExplainKey, result: Attribution) -> None:
        if key != self._current_key() or not self.heatmap_visible:
            return  # computed for a photo, model or method no longer shown
        self._apply(key, result)

    def _on_explain_failed(self, key: ExplainKey, reason: str) -> None:
        if key != self._current_key():
            return
        self._set_busy(False)
        self._set_status("")
        if not self.error_label.isVisible():  # a read error already says it all
            self._set_error(f"No heat map: {reason}")
        self.attributionFailed.emit(reason)

    def _on_explain_progress(self, key: ExplainKey, fraction: float, left: object) -> None:
        if key != self.explainer.pending:
            return
        self.explain_progress.setValue(round(fraction * 100))
        when = f" · about {float(left):.0f} s left" if isinstance(left, float) else ""
        self._set_status(f"Computing {METHOD_LABELS[key[3]]}: {fraction:.0%}{when}")

    def _set_busy(self, busy: bool) -> None:
        was, self._busy = self._busy, busy
        self.progress_row.setVisible(busy)
        if busy:
            self.explain_progress.setValue(0)
            self.canvas.spinner.start()
        else:
            self.canvas.spinner.stop()
        if was != busy:
            self.busyChanged.emit(busy)
