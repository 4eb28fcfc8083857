"""Compare: the keys act only on the panes on screen, H toggles their maps, names stay legible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from dropletcleaner.gui.detail.compare import MAX_PANES, ComparePane
from dropletcleaner.gui.grid.model import Filter
from dropletcleaner.gui.window import MainWindow
from tests.gui.gui_helpers import select_rows
from tests.helpers import write_jpeg

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def frames(tmp_path: Path) -> Path:
    """Eight frames: more than Compare shows, and grid neighbours that are not compared."""
    folder = tmp_path / "frames"
    for i in range(8):
        write_jpeg(folder / f"frame{i}.jpg", size=(800, 600), seed=40 + i)
    return folder


def start_compare(qtbot, win: MainWindow, *rows: int) -> list[ComparePane]:  # type: ignore[no-untyped-def]
    select_rows(win, *rows)
    win.grid.setFocus()
    qtbot.keyClick(win.grid, Qt.Key.Key_N)
    assert win.compare.active
    panes = win.compare.view.panes
    qtbot.waitUntil(lambda: all(p.has_photo for p in panes), timeout=20_000)
    return panes


def paths_of(win: MainWindow, *rows: int) -> list[str]:
    return [win.model.record_at(r).path for r in rows]


def label_of(win: MainWindow, path: str) -> str | None:
    record = win.model.record(path)
    assert record is not None
    return record.label


def current_path(win: MainWindow) -> str | None:
    index = win.grid.currentIndex()
    return win.model.record_at(index.row()).path if index.isValid() else None


def picked(panes: list[ComparePane]) -> list[str]:
    return [p.record.path for p in panes if p.selected]


def ink(widget: QWidget, background: QColor) -> int:
    """How many pixels of the widget, as drawn, stand out from ``background``."""
    image = widget.grab().toImage()
    rgb = np.array(
        [
            [image.pixelColor(x, y).getRgb()[:3] for x in range(image.width())]
            for y in range(image.height())
        ]
    )
    back = np.array(background.getRgb()[:3])
    return int((np.abs(rgb - back).sum(axis=2) > 120).sum())


def test_labelling_a_pane_keeps_the_selection_on_it(
    qtbot, window: MainWindow, frames: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, frames)
    outside = paths_of(window, 2)[0]  # the grid's next photo after the right pane
    panes = start_compare(qtbot, window, 0, 1)
    left, right = panes
    asked: list[list[str]] = []

    def ask(paths: list[str], *_args: object) -> tuple[bool, bool]:
        asked.append(list(paths))
        return False, False  # declined: nothing moves

    window.ask_quarantine = ask  # type: ignore[assignment]
    # D on the right pane would move on to an off-screen photo, C on the left one to the
    # right pane: in Compare, neither moves the selection away from the pane picked.
    for pane, key, label in ((right, Qt.Key.Key_D, "droplet"), (left, Qt.Key.Key_C, "clean")):
        qtbot.mouseClick(pane.canvas, LEFT)
        qtbot.keyClick(window.compare.view, key)
        assert label_of(window, pane.record.path) == label
        assert window.selected_paths() == [pane.record.path]
        assert current_path(window) == pane.record.path
        assert picked(panes) == [pane.record.path]
    assert label_of(window, right.record.path) == "droplet"
    assert label_of(window, outside) is None

    qtbot.keyClick(window.compare.view, Qt.Key.Key_U)
    assert label_of(window, left.record.path) is None
    assert window.selected_paths() == [left.record.path]
    qtbot.keyClick(window.compare.view, Qt.Key.Key_Q)
    assert asked == [[left.record.path]]  # the question names the pane on screen


def test_a_big_selection_is_narrowed_to_the_compared_photos(
    qtbot, window: MainWindow, frames: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, frames)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.selected_paths()) == 8
    qtbot.keyClick(window.grid, Qt.Key.Key_N)
    assert window.compare.active
    panes = window.compare.view.panes
    shown = [p.record.path for p in panes]
    assert shown == paths_of(window, *range(MAX_PANES))
    message = window.statusBar().currentMessage()
    assert message == "Comparing the first 6 of 8 selected photos; only they stay selected."
    assert window.selected_paths() == shown
    assert picked(panes) == shown

    qtbot.keyClick(window.compare.view, Qt.Key.Key_D)
    assert {r.path for r in window.model.records() if r.label == "droplet"} == set(shown)

    # Ctrl+A while comparing picks every pane, and nothing that is not on screen.
    qtbot.mouseClick(panes[0].canvas, LEFT)
    assert window.selected_paths() == shown[:1]
    qtbot.keyClick(window.compare.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.selected_paths() == shown
    qtbot.keyClick(window.compare.view, Qt.Key.Key_Escape)
    assert not window.compare.active
    assert window.selected_paths() == shown  # back in the grid, what was compared


def test_quarantining_a_pane_removes_it_and_picks_one_on_screen(
    qtbot, window: MainWindow, frames: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, frames)
    first, second, last = paths_of(window, 0, 1, 3)
    panes = start_compare(qtbot, window, 0, 1, 3)
    window.ask_quarantine = lambda *_args: (True, False)  # type: ignore[assignment]
    qtbot.mouseClick(panes[2].canvas, LEFT)
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        qtbot.keyClick(window.compare.view, Qt.Key.Key_Q)
    assert not Path(last).exists()
    assert window.compare.active
    panes = window.compare.view.panes
    assert [p.record.path for p in panes] == [first, second]
    # The grid would select the photo after the quarantined one, which is not compared.
    assert window.selected_paths() == [second]
    assert current_path(window) == second
    assert picked(panes) == [second]


def test_a_pane_filtered_out_of_the_grid_leaves_the_comparison(
    qtbot, window: MainWindow, frames: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, frames)
    panes = start_compare(qtbot, window, 0, 1, 2)
    kept = [p.record.path for p in panes[:2]]
    for pane in panes[:2]:
        qtbot.mouseClick(pane.canvas, LEFT)
        qtbot.keyClick(window.compare.view, Qt.Key.Key_D)
    qtbot.mouseClick(panes[2].canvas, LEFT)
    combo = window.filter_combo
    combo.setCurrentIndex(combo.findData(Filter.LABELLED.value))  # the picked pane's goes
    assert window.compare.active
    panes = window.compare.view.panes
    assert [p.record.path for p in panes] == kept
    assert window.selected_paths() == kept[1:]  # the pane before it, as nothing comes after
    assert current_path(window) == kept[1]
    assert picked(panes) == kept[1:]


def test_h_toggles_the_panes_droplet_maps(
    qtbot, window: MainWindow, frames: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, frames)
    panes = start_compare(qtbot, window, 0, 1)
    assert not window.detail.isVisible()  # the panel, where H lives, is off screen
    assert all(p.canvas.has_heat for p in panes)
    assert all(p.canvas.heat_drawn for p in panes)
    qtbot.keyClick(window.compare.view, Qt.Key.Key_H)
    assert not window.detail.heatmap_visible
    assert not any(p.canvas.heat_drawn for p in panes)
    qtbot.keyClick(window.compare.view, Qt.Key.Key_H)
    assert window.detail.heatmap_visible
    assert all(p.canvas.heat_drawn for p in panes)
    qtbot.keyClick(window.compare.view, Qt.Key.Key_Escape)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_H)  # the panel's H still works in the grid
    assert not window.detail.heatmap_visible


def test_an_unselected_panes_name_stays_readable(
    qtbot, window: MainWindow, frames: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, frames)
    left, right = start_compare(qtbot, window, 0, 1)
    qtbot.mouseClick(right.canvas, LEFT)
    assert right.selected and not left.selected
    background = left.palette().color(QPalette.ColorRole.Window)
    name = left.name_label
    assert name.text() and name.palette().color(name.foregroundRole()) != background
    assert ink(name, background) > 20  # the letters are drawn, not background on background
    assert name.palette().color(name.foregroundRole()) == right.name_label.palette().color(
        right.name_label.foregroundRole()
    )  # the same text colour, picked or not
    # Only the frame tells them apart: the highlight around the picked pane alone.
    highlight = right.palette().color(QPalette.ColorRole.Highlight)
    for pane, edge in ((right, highlight), (left, background)):
        image = pane.grab().toImage()
        assert image.pixelColor(1, image.height() // 2) == edge
