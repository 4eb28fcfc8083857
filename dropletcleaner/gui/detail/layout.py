"""The detail panel's widgets and layout, built onto the panel (kept apart from its logic).

From the top: the canvas (a loupe: fit, 100 %, wheel zoom, drag to pan); the overlay
controls (on/off with H, the overlay choice, the opacity); the legend; a status line that
wraps rather than being cut off; the explain progress with Cancel (shown only while a map
computes); then the score, the date and the path, each on a line of its own so that they
never run into each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.gui.detail.canvas import DEFAULT_OPACITY
from dropletcleaner.gui.detail.explain import METHOD_LABELS, METHODS, PRIOR_SECONDS, SLOW_SECONDS
from dropletcleaner.gui.detail.loupe import LoupeCanvas
from dropletcleaner.gui.detail.overlay import Legend

if TYPE_CHECKING:
    from dropletcleaner.gui.detail.panel import DetailPanel

MAP = "map"  # the droplet map overlay, the default


def overlay_label(method: str) -> str:
    """The overlay's name in the menu: ``Droplet map`` or ``Explain: Occlusion (slow)``."""
    if method == MAP:
        return "Droplet map"
    slow = " (slow)" if PRIOR_SECONDS[method] > SLOW_SECONDS else ""
    return f"Explain: {METHOD_LABELS[method]}{slow}"


def error_colour(palette: QPalette) -> QColor:
    """A red that stays readable on the palette's window colour, dark or light."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(255, 138, 128) if dark else QColor(176, 0, 32)


def _dim(label: QLabel) -> None:
    # A role, not a copied colour: it follows the palette when the theme changes.
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def build_panel(panel: DetailPanel) -> None:
    """Create the panel's widgets as its attributes, and lay them out."""
    panel.canvas = LoupeCanvas(panel)  # zooms to 100 % and pans (the loupe)
    panel.canvas.set_message("Select a photo to see it here.")
    controls = _build_overlay_controls(panel)
    _build_overlay_status(panel)
    _build_photo_lines(panel)

    layout = QVBoxLayout(panel)
    layout.setContentsMargins(8, 8, 8, 8)
    layout.setSpacing(4)
    layout.addWidget(panel.canvas, 1)
    layout.addLayout(controls)
    layout.addWidget(panel.legend)
    layout.addWidget(panel.heat_status)
    layout.addWidget(panel.progress_row)
    layout.addSpacing(4)
    layout.addWidget(panel.score_label)
    layout.addWidget(panel.date_label)
    layout.addWidget(panel.path_field)
    layout.addWidget(panel.error_label)


def _build_overlay_controls(panel: DetailPanel) -> QHBoxLayout:
    """On/off (H), the overlay's choice and its opacity, in one row."""
    action = QAction("&Overlay", panel)
    action.setCheckable(True)
    action.setChecked(True)
    action.setShortcut(QKeySequence(Qt.Key.Key_H))
    action.setToolTip("Show the droplet map or the explanation over the photo (H)")
    panel.addAction(action)
    panel.toggle_heatmap_action = action

    panel.heat_button = QToolButton(panel)
    panel.heat_button.setDefaultAction(action)
    panel.heat_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    # Clicking a control must not take the arrow keys away from photo navigation.
    panel.heat_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    combo = QComboBox(panel)
    combo.addItem(overlay_label(MAP), MAP)
    combo.insertSeparator(1)
    for method in METHODS:
        combo.addItem(overlay_label(method), method)
    combo.setToolTip(
        "The droplet map shows where the model sees water, on the same scale for every "
        "photo. “Explain” shows what drove this photo's score instead (M steps through)."
    )
    combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    # Wide enough for its longest entry: "Explain: Integrated Gradients (slow)" was cut.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    panel.method_combo = combo

    slider = QSlider(Qt.Orientation.Horizontal, panel)
    slider.setRange(0, 100)
    slider.setValue(DEFAULT_OPACITY)
    slider.setMinimumWidth(56)  # narrow enough that the overlay menu's names fit beside it
    slider.setMaximumWidth(160)
    slider.setToolTip("Overlay opacity")
    slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    slider.valueChanged.connect(lambda v: panel.canvas.set_opacity(v / 100.0))
    panel.canvas.set_opacity(DEFAULT_OPACITY / 100.0)
    panel.opacity_slider = slider
    opacity_label = QLabel("Opacity", panel)
    opacity_label.setBuddy(slider)
    controls = QHBoxLayout()
    controls.setContentsMargins(0, 0, 0, 0)
    controls.addWidget(panel.heat_button)
    controls.addWidget(combo, 1)
    controls.addSpacing(8)
    controls.addWidget(opacity_label)
    controls.addWidget(slider)
    return controls


def _build_overlay_status(panel: DetailPanel) -> None:
    """The legend, the overlay's status line, and the explain progress with Cancel."""
    panel.legend = Legend(panel)
    # Hiding it (H) keeps its room: the photo must not move under the eye at 100 %.
    policy = panel.legend.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    panel.legend.setSizePolicy(policy)
    panel.legend.hide()

    panel.heat_status = _selectable(QLabel(panel))
    panel.heat_status.setWordWrap(True)
    _dim(panel.heat_status)

    panel.explain_progress = QProgressBar(panel)
    panel.explain_progress.setRange(0, 100)
    panel.explain_progress.setTextVisible(False)
    panel.explain_progress.setMaximumHeight(10)
    panel.cancel_button = QPushButton("Cancel", panel)
    panel.cancel_button.setToolTip("Stop explaining and go back to the droplet map")
    panel.cancel_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    panel.progress_row = QWidget(panel)
    progress = QHBoxLayout(panel.progress_row)
    progress.setContentsMargins(0, 0, 0, 0)
    progress.addWidget(panel.explain_progress, 1)
    progress.addWidget(panel.cancel_button)
    panel.progress_row.hide()


def _build_photo_lines(panel: DetailPanel) -> None:
    """The score, the date, the path and any error, each on a line of its own."""
    panel.score_label = _selectable(QLabel(panel))
    font = QFont(panel.score_label.font())
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    panel.score_label.setFont(font)
    panel.score_label.setWordWrap(True)
    panel.date_label = _selectable(QLabel(panel))

    # A read-only line edit: selectable, copyable, and long paths scroll instead of wrapping.
    panel.path_field = QLineEdit(panel)
    panel.path_field.setReadOnly(True)
    panel.path_field.setFrame(False)
    panel.path_field.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    pal = panel.path_field.palette()
    pal.setColor(QPalette.ColorRole.Base, QColor(0, 0, 0, 0))
    panel.path_field.setPalette(pal)

    panel.error_label = _selectable(QLabel(panel))
    panel.error_label.setWordWrap(True)
    pal = panel.error_label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, error_colour(panel.palette()))
    panel.error_label.setPalette(pal)
    panel.error_label.hide()
