"""The thumbnail size slider: Ctrl+plus / Ctrl+minus, remembered, and quick at 50,000 photos."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from dropletcleaner.gui.grid.delegate import MAX_THUMB_W, MIN_THUMB_W, THUMB_W
from dropletcleaner.gui.grid.thumb_size import STEP
from dropletcleaner.gui.window import MainWindow
from tests.gui.grid.test_model import fake_rows

CTRL = Qt.KeyboardModifier.ControlModifier


def test_ctrl_plus_and_minus_resize_the_cells_and_are_remembered(
    qtbot, window: MainWindow, make_context
) -> None:
    size = window.thumb_size
    assert size.width == THUMB_W
    cell = window.grid.gridSize()
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Plus, CTRL)
    assert size.width == THUMB_W + STEP and window.delegate.thumb.width() == THUMB_W + STEP
    assert window.grid.gridSize().height() > cell.height()
    qtbot.keyClick(window.grid, Qt.Key.Key_Minus, CTRL)
    qtbot.keyClick(window.grid, Qt.Key.Key_Minus, CTRL)
    assert size.width == THUMB_W - STEP
    assert window.grid.gridSize().height() < cell.height()
    size.slider.setValue(10)  # the slider's range bounds it
    assert size.width == MIN_THUMB_W
    size.slider.setValue(MAX_THUMB_W)
    assert window.delegate.thumb.width() == MAX_THUMB_W

    # Another window with the same settings starts at the chosen size.
    again = MainWindow(make_context())
    qtbot.addWidget(again)
    assert again.thumb_size.width == MAX_THUMB_W
    assert again.grid.gridSize() == window.grid.gridSize()
    again.close()


def test_resizing_fifty_thousand_thumbnails_stays_lazy_and_quick(qtbot, window: MainWindow) -> None:
    window.stack.setCurrentWidget(window.splitter)
    window.model.replace_all(fake_rows(50_000))
    qtbot.wait(50)
    window.grid.viewport().repaint()
    painted = window.delegate.paint_count
    asked = window.thumbnails.requested
    timings = []
    for width in (120, 160, 256, 96, 200):
        t0 = time.perf_counter()
        window.thumb_size.slider.setValue(width)
        window.grid.doItemsLayout()  # the re-layout Qt would run on the next event
        QApplication.processEvents()
        window.grid.viewport().repaint()
        timings.append(time.perf_counter() - t0)
    grid = window.grid.gridSize()
    viewport = window.grid.viewport().size()
    on_screen = (viewport.width() // grid.width() + 1) * (viewport.height() // grid.height() + 2)
    # Only visible cells are painted, and so only they ask for thumbnails (at 96 px wide
    # a screen holds the most cells: bound every repaint by that).
    repaints = len(timings)
    assert window.delegate.paint_count - painted <= 4 * on_screen * repaints
    assert window.thumbnails.requested - asked <= 4 * on_screen * repaints
    print("thumbnail size changes at 50,000 photos:", [f"{t * 1000:.0f} ms" for t in timings])
    assert max(timings) < 2.0  # a generous bound for a loaded 2-core machine
