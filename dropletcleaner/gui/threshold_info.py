"""What the threshold means, in the user's own numbers: the status bar and the slider's tip.

The model card may record how often real clean photos score above each threshold (its
false-positive-rate curve). From it the status bar says "≈ 6 false alarms expected in your
1,200 photos", and the slider's tooltip "at 0.93, about 1 in 200 clean photos is flagged".
A card without the curve adds nothing: the app does not guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QSlider, QStatusBar, QWidget

from dropletcleaner.core.ml.flag_rates import describe_threshold, expected_false_alarms

SLIDER_TIP = "Photos scoring at or above this droplet score are flagged"


class ThresholdInfo(QLabel):
    """A dim label for the expected false alarms; also words the slider's tooltip."""

    def __init__(self, slider: QSlider, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slider = slider
        self._metrics: Mapping[str, Any] = {}
        self._wanted = False
        # A role, not a copied colour: it follows the palette when the theme changes.
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        slider.setToolTip(SLIDER_TIP)
        self.hide()

    def set_metrics(self, metrics: Mapping[str, Any] | None) -> None:
        """The active model card's metrics (``None`` or empty while no model is loaded)."""
        self._metrics = metrics or {}

    def update_for(self, threshold: float, photos: int, flagged: int | None = None) -> None:
        """Re-word for this threshold, this many photos in the folder, ``flagged`` of them."""
        meaning = describe_threshold(self._metrics, threshold)
        self._slider.setToolTip(
            SLIDER_TIP
            if meaning is None
            else f"{SLIDER_TIP}: {meaning}, as measured on real clean photos the model never saw"
        )
        expected = (
            expected_false_alarms(self._metrics, threshold, photos, flagged) if photos else None
        )
        self.setText(f"  {expected}" if expected else "")
        self.setToolTip(
            ""
            if meaning is None
            else f"Among photos without water on the lens, {meaning.split(', ', 1)[1]}. "
            "Real drops are not counted here."
        )
        self._show(bool(expected))

    def _show(self, shown: bool) -> None:
        self._wanted = shown
        bar = self.parentWidget()
        if shown and isinstance(bar, QStatusBar) and bar.currentMessage():
            # A passing message has the line; shown now, the label would be drawn over it.
            return
        self.setVisible(shown)

    def message_changed(self, text: str) -> None:
        """The status bar's message changed: once it is gone, show the figure again."""
        if not text:
            self.setVisible(self._wanted)
