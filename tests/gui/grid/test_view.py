"""The photo grid view: what an empty grid says, and that it says it at once."""

from __future__ import annotations

from PySide6.QtGui import QPaintEvent

from dropletcleaner.gui.grid.model import PhotoModel
from dropletcleaner.gui.grid.view import PhotoGrid


class _CountingGrid(PhotoGrid):
    paints = 0

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        super().paintEvent(event)


def test_a_new_empty_text_repaints_the_empty_grid(qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = _CountingGrid()
    qtbot.addWidget(grid)
    grid.setModel(PhotoModel())
    grid.resize(400, 300)
    grid.show()
    qtbot.waitExposed(grid)
    qtbot.wait(50)
    before = grid.paints
    # Set after the rows went (as when a restore empties the Quarantined filter): without a
    # repaint of its own the grid stayed blank.
    grid.empty_text = "Nothing from this folder is in the quarantine."
    qtbot.waitUntil(lambda: grid.paints > before, timeout=2000)
    assert grid.empty_text == "Nothing from this folder is in the quarantine."
