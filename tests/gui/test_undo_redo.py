"""Undo and redo say what they will do, redo works, and an undo with nothing to do is skipped."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.gui.window import MainWindow
from tests.gui.gui_helpers import select_rows

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier


def label_of(win: MainWindow, path: str) -> str | None:
    with Catalog(win.ctx.catalog_path) as cat:
        rec = cat.get(path)
        assert rec is not None
        return rec.label


def test_undo_and_redo_of_a_label_say_what_they_do(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    assert window.undo_action.text() == "&Undo" and not window.undo_action.isEnabled()
    assert not window.redo_action.isEnabled()
    select_rows(window, 0)
    path = window.model.record_at(0).path
    window.grid.setFocus()

    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert window.undo_action.text() == "&Undo Mark as Droplet (1 photo)"
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, CTRL)
    assert label_of(window, path) is None
    assert window.undo_action.text() == "&Undo" and not window.undo_action.isEnabled()
    assert window.redo_action.text() == "&Redo Mark as Droplet (1 photo)"

    qtbot.keyClick(window.grid, Qt.Key.Key_Z, CTRL_SHIFT)
    assert label_of(window, path) == "droplet"
    assert window.undo_action.text() == "&Undo Mark as Droplet (1 photo)"
    assert not window.redo_action.isEnabled()

    # A new change forgets what could be redone.
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, CTRL)
    assert window.redo_action.isEnabled()
    select_rows(window, 0, 1)
    qtbot.keyClick(window.grid, Qt.Key.Key_C)
    assert window.undo_action.text() == "&Undo Mark as Clean (2 photos)"
    assert not window.redo_action.isEnabled()


def test_an_undo_with_nothing_left_to_do_is_skipped_and_quarantine_redoes(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.ask_quarantine = lambda *_args: (True, False)  # type: ignore[assignment]
    select_rows(window, 0)
    labelled = window.model.record_at(0).path
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_D)  # labels row 0, moves on to row 1
    moved = window.model.record_at(1).path
    select_rows(window, 1)
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000) as blocker:
        qtbot.keyClick(window.grid, Qt.Key.Key_Q)
    batch = blocker.args[0].report.batch_id
    assert window.undo_action.text() == "&Undo Quarantine (1 photo)"

    # Restored by other means (as the Quarantine window does): the undo has nothing to do.
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        window.quarantine_queue.restore(batch_id=batch)
    assert Path(moved).exists()
    assert window.undo_action.text() == "&Undo Mark as Droplet (1 photo)"
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, CTRL)
    assert label_of(window, labelled) is None

    # Quarantine, undo, redo: the photo moves aside again.
    select_rows(window, window.model.row_of(moved) or 0)
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        window.quarantine_selection()
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        qtbot.keyClick(window.grid, Qt.Key.Key_Z, CTRL)
    assert Path(moved).exists()
    assert window.redo_action.text() == "&Redo Quarantine (1 photo)"
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        qtbot.keyClick(window.grid, Qt.Key.Key_Z, CTRL_SHIFT)
    assert not Path(moved).exists()
    assert window.undo_action.text() == "&Undo Quarantine (1 photo)"
