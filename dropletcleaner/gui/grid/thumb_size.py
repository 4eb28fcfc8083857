"""The grid's thumbnail size: a slider in the status bar, Ctrl+plus and Ctrl+minus.

The size is remembered in the settings. Thumbnails are loaded once at the largest size
the slider offers (:data:`~dropletcleaner.gui.delegate.MAX_THUMB_BOX`) and painted at the
size chosen, so moving the slider never reloads a thumbnail: it only changes the grid's
uniform cell size, a re-layout that stays quick at 50,000 photos (the view is batched
and asks for the data of visible cells only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSlider

from dropletcleaner.gui.grid.delegate import MAX_THUMB_W, MIN_THUMB_W, THUMB_W

if TYPE_CHECKING:
    from dropletcleaner.gui.window.parts import WindowParts

STEP = 16  # pixels of width per Ctrl+plus / Ctrl+minus
CELL_MARGIN = QSize(8, 8)  # the grid's room around the delegate's cell


class ThumbSize(QObject):
    """The size slider and its two actions, applied to the window's grid and delegate."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(MIN_THUMB_W, MAX_THUMB_W)
        self.slider.setSingleStep(8)
        self.slider.setPageStep(STEP)
        self.slider.setFixedWidth(120)
        self.slider.setToolTip("Thumbnail size (Ctrl+plus, Ctrl+minus)")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrows stay the grid's
        window.statusBar().addPermanentWidget(self.slider)

        self.larger_action = self._action(
            "&Larger Thumbnails", STEP, [QKeySequence.StandardKey.ZoomIn, "Ctrl+="]
        )
        self.smaller_action = self._action(
            "S&maller Thumbnails", -STEP, [QKeySequence.StandardKey.ZoomOut]
        )
        saved = window.settings.thumb_size()
        self.slider.setValue(saved if saved is not None else THUMB_W)
        self._apply(self.slider.value())
        self.slider.valueChanged.connect(self._changed)

    def _action(self, text: str, step: int, keys: list[QKeySequence.StandardKey | str]) -> QAction:
        action = QAction(text, self._window)
        shortcuts: list[QKeySequence] = []
        for key in keys:
            if isinstance(key, QKeySequence.StandardKey):
                shortcuts.extend(QKeySequence.keyBindings(key))
            else:
                shortcuts.append(QKeySequence(key))
        action.setShortcuts(shortcuts)
        action.setToolTip("Thumbnail size, also with the slider in the status bar")
        action.triggered.connect(lambda _checked=False: self.step(step))
        self._window.addAction(action)
        return action

    @property
    def width(self) -> int:
        return self.slider.value()

    def step(self, pixels: int) -> None:
        self.slider.setValue(self.slider.value() + pixels)

    def _changed(self, width: int) -> None:
        self._apply(width)
        self._window.settings.set_thumb_size(width)

    def _apply(self, width: int) -> None:
        w = self._window
        w.delegate.set_thumb_width(width)
        w.grid.set_cell_size(w.delegate.cell_size(w.grid.font()) + CELL_MARGIN)
        current = w.grid.currentIndex()
        if current.isValid():
            w.grid.scrollTo(current)  # the photo being looked at stays on screen
