"""A one-line label that ends in "…" when it has too little room, its whole text in the tooltip.

A plain QLabel in a narrow status bar is cut wherever the room ends: "… (16.3/s), 0" reads
as a number that means nothing. This label shows as much as fits, then "…", and the whole
line on hover. ``text()`` is always the whole text.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """Plain text on one line, elided at the right to the room it is given."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._own_tip = ""

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def setToolTip(self, tip: str) -> None:
        self._own_tip = tip  # a tip of its own wins over the whole text
        super().setToolTip(tip)

    def shown_text(self) -> str:
        """What fits: the whole text, or its start and "…"."""
        width = self.contentsRect().width() - 2 * self.margin()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)

    def minimumSizeHint(self) -> QSize:
        # Any width will do (the text elides); the height stays one line's.
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect().adjusted(self.margin(), 0, -self.margin(), 0)
        self.style().drawItemText(
            painter,
            rect,
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )

    def _update_tip(self) -> None:
        if self._own_tip:
            return
        cut = self.shown_text() != self.text()
        super().setToolTip(self.text() if cut else "")
