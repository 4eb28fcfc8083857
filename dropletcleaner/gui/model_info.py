"""Model ▸ which model is in use: its version, its threshold and what it means, its device.

The Model menu opens with a disabled line naming the model in use ("Model droplet-v6 ·
threshold 0.94 · on the processor (CPU)"), and About the Model… shows a short box with
what that threshold means in clean photos flagged. Every word of it is read from the
loaded model's card (version, threshold, flag-rate curve, :mod:`~dropletcleaner.core.ml.
flag_rates`) and from its scorer (the device), never written here: a retrained model
reads as itself. Until the model is in, the line says it is loading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from dropletcleaner.core.ml.flag_rates import describe_threshold
from dropletcleaner.gui.scores import threshold_text

if TYPE_CHECKING:
    from dropletcleaner.gui.model_loading import ModelBundle
    from dropletcleaner.gui.window.parts import WindowParts

LOADING_LINE = "Model: loading…"
FAILED_LINE = "Model: could not be loaded"
ABOUT_TITLE = "About the Droplet Model"

# torch.device types, as a photographer names the part of the computer.
_DEVICES = {"cpu": "processor (CPU)", "cuda": "graphics card (GPU)"}


def device_text(scorer: object) -> str | None:
    """``processor (CPU)``: where the scorer runs; ``None`` if it does not say."""
    # The real scorer has a torch.device; a stand-in (the tests' fake) may have none.
    kind = getattr(getattr(scorer, "device", None), "type", None)
    if not isinstance(kind, str):
        return None
    return _DEVICES.get(kind, kind)


def model_name(bundle: ModelBundle) -> str:
    """``droplet-v6``, or ``droplet-v6 (untrained)``: an untrained model's scores mean nothing."""
    loaded = bundle.loaded
    return loaded.version + ("" if loaded.trained else " (untrained)")


def model_line(bundle: ModelBundle) -> str:
    """The menu's line: ``Model droplet-v6 · threshold 0.94 · on the processor (CPU)``."""
    loaded = bundle.loaded
    parts = [f"Model {model_name(bundle)}"]
    parts.append(f"threshold {threshold_text(loaded.threshold)}")
    device = device_text(bundle.scorer)
    if device is not None:
        parts.append(f"on the {device}")
    return " · ".join(parts)


def about_model_text(bundle: ModelBundle, user_threshold: float | None = None) -> str:
    """The box's text: the threshold and what it means, the user's own, the device."""
    loaded = bundle.loaded
    model_t = threshold_text(loaded.threshold)
    lines = []
    if not loaded.trained:
        lines.append("This model is untrained: its scores are meaningless.")
    threshold = f"Its threshold is {model_t}: photos scoring at or above it are flagged."
    meaning = describe_threshold(loaded.card.metrics, loaded.threshold)
    if meaning is not None:  # a card without the curve says no more: the app does not guess
        threshold += f" {meaning[0].upper()}{meaning[1:]}, as measured on real clean photos "
        threshold += "the model never saw."
    lines.append(threshold)
    if user_threshold is not None and threshold_text(user_threshold) != model_t:
        lines.append(
            f"You set your own threshold, {threshold_text(user_threshold)}, on the toolbar."
        )
    device = device_text(bundle.scorer)
    if device is not None:
        lines.append(f"It runs on this computer's {device}.")
    return "\n\n".join(lines)


class ModelInfo(QObject):
    """The Model menu's line about the model in use, and About the Model…."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        self.line_action = QAction(LOADING_LINE, window)
        self.line_action.setEnabled(False)  # information, not a command
        self.about_action = QAction("&About the Model…", window)
        self.about_action.setStatusTip("Which model finds the drops, and what its threshold means")
        self.about_action.triggered.connect(lambda: self.show_about())
        self.refresh()

    def refresh(self) -> None:
        """Re-word from the window's model: loaded, still loading, or failed to load."""
        bundle = self._window.bundle
        if bundle is not None:
            self.line_action.setText(model_line(bundle))
        else:
            self.line_action.setText(
                LOADING_LINE if self._window.model_error is None else FAILED_LINE
            )
        self.about_action.setEnabled(bundle is not None)

    def show_about(self) -> QMessageBox | None:
        """The box about the loaded model (window-modal, no nested event loop)."""
        bundle = self._window.bundle
        if bundle is None:
            return None
        box = QMessageBox(self._window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(ABOUT_TITLE)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"Model in use: {model_name(bundle)}")
        box.setInformativeText(about_model_text(bundle, self._window.settings.threshold()))
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.open()
        return box
