"""Actions hit the photo on screen: selection and keyboard focus never part (issue 12).

Before the fix, Ctrl+Home (or Ctrl+arrows) moved the focus, and with it the detail panel,
while the selection stayed behind: Q then quarantined an off-screen photo.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.gui.window import MainWindow
from dropletcleaner.gui.window.review import quarantine_question
from tests.gui.gui_helpers import select_rows

CTRL = Qt.KeyboardModifier.ControlModifier


def shown_path(win: MainWindow) -> str | None:
    record = win.detail.record
    return None if record is None else record.path


def label_of(win: MainWindow, path: str) -> str | None:
    with Catalog(win.ctx.catalog_path) as cat:
        rec = cat.get(path)
        assert rec is not None
        return rec.label


def test_ctrl_home_then_q_quarantines_the_photo_shown(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    asked: list[tuple[object, ...]] = []

    def ask(*args: object) -> tuple[bool, bool]:
        asked.append(args)
        return True, False

    window.ask_quarantine = ask  # type: ignore[assignment]
    window.panel_action.setChecked(True)
    select_rows(window, 3)
    off_screen = window.model.record_at(3).path
    first = window.model.record_at(0).path
    window.grid.setFocus()

    qtbot.keyClick(window.grid, Qt.Key.Key_Home, CTRL)
    qtbot.waitUntil(lambda: shown_path(window) == first, timeout=5000)
    assert window.selected_paths() == [first]

    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        qtbot.keyClick(window.grid, Qt.Key.Key_Q)
    assert not Path(first).exists()
    assert Path(off_screen).exists()
    # The confirmation named the one photo it was about to move.
    assert asked and asked[0][0] == [first]


def test_labels_after_ctrl_arrows_go_to_the_photo_shown(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.panel_action.setChecked(True)
    select_rows(window, 0)
    window.grid.setFocus()
    selected_before = window.model.record_at(0).path

    qtbot.keyClick(window.grid, Qt.Key.Key_Right, CTRL)
    target = window.model.record_at(1).path
    qtbot.waitUntil(lambda: shown_path(window) == target, timeout=5000)
    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert label_of(window, target) == "droplet"
    assert label_of(window, selected_before) is None

    qtbot.keyClick(window.grid, Qt.Key.Key_End, CTRL)
    last = window.model.record_at(window.model.rowCount() - 1).path
    qtbot.waitUntil(lambda: shown_path(window) == last, timeout=5000)
    qtbot.keyClick(window.grid, Qt.Key.Key_C)
    assert label_of(window, last) == "clean"
    qtbot.keyClick(window.grid, Qt.Key.Key_U)
    assert label_of(window, last) is None


def test_ctrl_click_deselecting_the_focused_photo_moves_the_focus(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.panel_action.setChecked(True)
    select_rows(window, 1, 2)
    keep = window.model.record_at(2).path
    index = window.model.index(1)
    centre = window.grid.visualRect(index).center()

    qtbot.mouseClick(window.grid.viewport(), Qt.MouseButton.LeftButton, CTRL, centre)
    assert window.selected_paths() == [keep]
    assert window.grid.currentIndex().row() == 2
    qtbot.waitUntil(lambda: shown_path(window) == keep, timeout=5000)


def test_shift_arrows_still_extend_the_selection(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    select_rows(window, 0)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    paths = [window.model.record_at(r).path for r in range(3)]
    assert window.selected_paths() == paths
    assert window.grid.currentIndex().row() == 2


def test_the_confirmation_names_one_photo_and_lists_a_few() -> None:
    text, details = quarantine_question(["/photos/beach3.jpg"], "1.2 MB", "/photos/.q")
    assert text == "Move “beach3.jpg” (1.2 MB) to the quarantine?"
    assert "/photos/.q" in details and "restore it" in details

    text, details = quarantine_question([f"/p/{i}.jpg" for i in range(3)], "3 MB", "/p/.q")
    assert text.startswith("Move 3 photos (3 MB)")
    assert all(f"{i}.jpg" in details for i in range(3))

    _, details = quarantine_question([f"/p/{i}.jpg" for i in range(9)], "9 MB", "/p/.q")
    assert "… and 5 more" in details and "8.jpg" not in details


def test_the_panel_shows_the_selected_photo_again_after_it_was_hidden(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.panel_action.setChecked(True)
    select_rows(window, 0)
    qtbot.waitUntil(lambda: shown_path(window) == window.model.record_at(0).path, timeout=5000)
    window.panel_action.setChecked(False)  # F9: the panel hides and stops following
    select_rows(window, 2)
    qtbot.wait(150)  # longer than the panel's debounce
    window.panel_action.setChecked(True)
    # Back on screen, it shows the photo the keys act on, not the one it showed before.
    qtbot.waitUntil(lambda: shown_path(window) == window.model.record_at(2).path, timeout=5000)
    assert window.selected_paths() == [window.model.record_at(2).path]
