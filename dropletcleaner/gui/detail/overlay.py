"""Overlays drawn over the photo, and their legends: the droplet map and the explain maps.

The droplet map is drawn on an *absolute* scale (:mod:`dropletcleaner.core.ml.droplet_map`):
a cell's colour and opacity say how much of it water covers, the same on every photo, so a
clean photo shows nothing. The stored grid is small (stride 32 of the model input), so it is
interpolated up before colouring: the colour ramp is applied to smooth coverages, not
blurred afterwards. The model input is the whole frame squashed to a square, so the square
grid stretches over the photo's rectangle as it is.

The captum "explain the model" maps are scaled per photo; their legend says so.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from dropletcleaner.core.ml import droplet_map

MAP_LAYER_SIDE = 384  # the interpolated map is smooth: a small layer scaled up looks the same
# Below this share of the frame the map is called dry: a few faint cells are not "water".
DRY_COVERAGE = 0.005


def _qimage_rgba(rgba: np.ndarray) -> QImage:
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w, _ = rgba.shape
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def smooth_grid(grid: np.ndarray, width: int, height: int) -> np.ndarray:
    """The uint8 coverage grid interpolated (bilinear, centre-aligned) to ``height x width``."""
    image = Image.fromarray(np.ascontiguousarray(grid, dtype=np.uint8), mode="L")
    return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR))


def map_layer(grid: np.ndarray, aspect: float, max_alpha: float = 0.75) -> QImage:
    """The droplet map as a straight-alpha RGBA image with the photo's aspect ratio."""
    if aspect >= 1.0:
        w, h = MAP_LAYER_SIDE, max(1, round(MAP_LAYER_SIDE / aspect))
    else:
        w, h = max(1, round(MAP_LAYER_SIDE * aspect)), MAP_LAYER_SIDE
    return _qimage_rgba(droplet_map.overlay_rgba(smooth_grid(grid, w, h), max_alpha=max_alpha))


def map_summary(grid: np.ndarray) -> str:
    """One line for the panel: how much of the frame water covers, and where."""
    share = droplet_map.coverage(grid)
    place = droplet_map.where(grid)
    if share < DRY_COVERAGE and not place:
        return "Droplet map: the model sees no water on the lens"
    percent = f"{share * 100:.0f} %" if share >= 0.01 else "under 1 %"
    if not place:
        # No cell is clearly wet: the coverage is the report's figure, but not "water on".
        # A photo can still score high: drops smaller than a cell fill little of it and read
        # faint, so the line says where the traces are and how to check them.
        return (
            f"Droplet map: no clearly wet area; faint traces ({percent} of the frame), "
            f"strongest in the {droplet_map.strongest_zone(grid)}. Small drops read faint "
            "here: zoom to 100 % (Z) to check them"
        )
    text = f"Droplet map: water on {percent} of the frame"
    if place == "whole frame":
        return f"{text}, spread over the whole frame"
    return f"{text}, mostly {place}"


def map_legend_colours(steps: int = 101) -> np.ndarray:
    """``[steps, 4]`` RGBA of the map overlay for coverages 0 to full scale, exactly as drawn."""
    top = 255.0 * droplet_map.FULL_SCALE
    values = np.rint(np.linspace(0.0, top, steps)).astype(np.uint8)[None, :]
    return droplet_map.overlay_rgba(values)[0]


def explain_legend_colours(steps: int = 101) -> np.ndarray:
    """RGBA of the explain maps' colour ramp (inferno, evidence rising to the right)."""
    from dropletcleaner.core.ml.attribution.drawing import (
        heat_layer,  # torch: only once explaining is asked for
    )

    heat = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :]
    return np.asarray(heat_layer(heat, steps, 1))[0]


class Legend(QWidget):
    """A colour bar with a title and tick labels, drawn over a grey like the photo's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.ticks: list[tuple[float, str]] = []
        self._colours: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMaximumWidth(480)  # a scale, not a banner: it stays readable in the large view

    def set_scale(self, title: str, colours: np.ndarray, ticks: list[tuple[float, str]]) -> None:
        self.title = title
        self._colours = np.asarray(colours, dtype=np.uint8)
        self.ticks = ticks
        self.setToolTip(title)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(240, 2 * line + 16)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._colours is None:
            return
        painter = QPainter(self)
        fm = self.fontMetrics()
        line = fm.height()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(text)
        painter.drawText(0, 0, self.width(), line, Qt.AlignmentFlag.AlignLeft, self.title)
        # Margins leave room for the outer tick labels to centre on the bar's ends.
        margin = fm.horizontalAdvance("100 %") / 2 + 2
        bar = QRectF(margin, line + 2, max(10.0, self.width() - 2 * margin), 12)
        # The ramp is composited over mid-grey, as a translucent overlay is over a photo.
        painter.fillRect(bar, QColor(128, 128, 128))
        n = len(self._colours)
        step = bar.width() / n
        for i, (r, g, b, a) in enumerate(self._colours.tolist()):
            painter.fillRect(
                QRectF(bar.left() + i * step, bar.top(), step + 0.5, bar.height()),
                QColor(r, g, b, a),
            )
        painter.setPen(text)
        painter.drawRect(bar)
        for at, label in self.ticks:
            x = bar.left() + at * bar.width()
            w = fm.horizontalAdvance(label) + 2
            # Centred on its tick, but never past the widget's edges.
            left = min(max(0.0, x - w / 2), self.width() - w)
            painter.drawText(
                QRectF(left, bar.bottom() + 1, w, line),
                Qt.AlignmentFlag.AlignCenter,
                label,
            )
        painter.end()


_FULL = round(droplet_map.FULL_SCALE * 100)
MAP_TICKS = [(0.0, "0 %"), (0.5, f"{_FULL // 2} %"), (1.0, f"{_FULL} % +")]
MAP_LEGEND_TITLE = "Water cover per area (same scale on every photo)"
EXPLAIN_TICKS = [(0.0, "none"), (1.0, "most in this photo")]
EXPLAIN_LEGEND_TITLE = "Evidence for “droplet”, relative: scaled per photo"
