"""Compare: selected photos side by side, one zoom and pan for all, Esc back to the grid."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from dropletcleaner.gui.detail.loupe import FIT
from dropletcleaner.gui.window import MainWindow
from tests.gui.gui_helpers import select_rows
from tests.helpers import write_jpeg


@pytest.fixture
def burst(tmp_path: Path) -> Path:
    folder = tmp_path / "burst"
    for i in range(4):
        write_jpeg(folder / f"frame{i}.jpg", size=(2000, 1500), seed=20 + i)
    return folder


def start_compare(qtbot, win: MainWindow, *rows: int) -> None:
    select_rows(win, *rows)
    win.grid.setFocus()
    qtbot.keyClick(win.grid, Qt.Key.Key_N)
    assert win.compare.active
    qtbot.waitUntil(lambda: all(p.has_photo for p in win.compare.view.panes), timeout=20_000)


def test_n_compares_the_selection_with_one_zoom_and_pan(
    qtbot, window: MainWindow, burst: Path, scan_folder
) -> None:
    scan_folder(window, burst)
    window.resize(1200, 800)
    start_compare(qtbot, window, 0, 1, 2)
    panes = window.compare.view.panes
    assert [p.record.path for p in panes] == [window.model.record_at(r).path for r in (0, 1, 2)]
    assert all(p.selected for p in panes)

    qtbot.keyClick(window.compare.view, Qt.Key.Key_Z)
    assert all(p.canvas.zoom_factor() == pytest.approx(1.0) for p in panes)
    qtbot.waitUntil(lambda: all(p.canvas.has_full_resolution for p in panes), timeout=30_000)

    # Dragging one pane pans them all to the same spot of each frame.
    canvas = panes[1].canvas
    centre = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(canvas, centre + QPoint(-60, -40))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(-60, -40))
    views = {p.canvas.view for p in panes}
    assert len(views) == 1
    (view,) = views
    assert view.cx > 0.5 and view.cy > 0.5 and view.zoom == pytest.approx(1.0)

    # Wheel zoom on another pane: every pane gets the same zoom factor.
    panes[2].canvas.zoom_by(2.0)
    assert {round(p.canvas.zoom_factor(), 6) for p in panes} == {2.0}

    qtbot.keyClick(window.compare.view, Qt.Key.Key_Space)
    assert all(p.canvas.view == FIT for p in panes)

    qtbot.keyClick(window.compare.view, Qt.Key.Key_Escape)
    assert not window.compare.active and window.stack.currentWidget() is window.splitter
    assert not window.compare.view.panes  # their decoding threads are shut down
    assert window.back_action.isEnabled()


def test_clicking_a_pane_picks_that_photo_for_the_keys(
    qtbot, window: MainWindow, burst: Path, scan_folder
) -> None:
    scan_folder(window, burst)
    start_compare(qtbot, window, 0, 1)
    left, right = window.compare.view.panes
    qtbot.mouseClick(right.canvas, Qt.MouseButton.LeftButton)
    assert window.selected_paths() == [right.record.path]
    assert right.selected and not left.selected
    qtbot.keyClick(window.compare.view, Qt.Key.Key_D)
    picked, other = window.model.record(right.record.path), window.model.record(left.record.path)
    assert picked is not None and picked.label == "droplet"
    assert other is not None and other.label is None


def test_compare_needs_two_photos(qtbot, window: MainWindow, burst: Path, scan_folder) -> None:
    scan_folder(window, burst)
    select_rows(window, 0)
    assert not window.compare.action.isEnabled()
    window.compare.enter()
    assert not window.compare.active
    select_rows(window, 0, 3)
    assert window.compare.action.isEnabled()
