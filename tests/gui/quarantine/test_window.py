"""Quarantine through the GUI: confirm, move, undo, the Quarantine window, restore and empty."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from dropletcleaner.core.catalog.photos import STATE_QUARANTINED, Catalog
from dropletcleaner.core.quarantine.names import default_quarantine_dir
from dropletcleaner.gui.grid.model import Filter
from dropletcleaner.gui.quarantine.queue import QuarantineQueue
from dropletcleaner.gui.window import MainWindow
from tests.gui.gui_helpers import select_rows


def test_quarantine_by_key_then_undo(qtbot, window: MainWindow, library: Path, scan_folder) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    asked: list[tuple[list[str], int, str]] = []

    def ask(names: list[str], size: int, dest: str) -> tuple[bool, bool]:
        asked.append((names, size, dest))
        return True, False

    window.ask_quarantine = ask
    select_rows(window, 0, 1)
    paths = [window.model.record_at(r).path for r in (0, 1)]
    third = window.model.record_at(2).path
    sizes = sum(Path(p).stat().st_size for p in paths)
    window.grid.setFocus()

    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000) as blocker:
        qtbot.keyClick(window.grid, Qt.Key.Key_Q)
    result = blocker.args[0]
    assert result.error is None and result.report.moved == 2

    # The confirmation showed the count, the size and where they go.
    names, size, dest = asked[0]
    assert (names, size) == (paths, sizes)
    assert dest == str(default_quarantine_dir(library))
    assert not any(Path(p).exists() for p in paths)
    assert paths[0] not in window.model.visible_paths()
    assert window.model.record(paths[0]).state == STATE_QUARANTINED  # type: ignore[union-attr]
    assert window.model.record_at(window.grid.currentIndex().row()).path == third
    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.QUARANTINED.value))
    assert sorted(window.model.visible_paths()) == sorted(paths)
    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.ALL.value))

    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000) as blocker:
        qtbot.keyClick(window.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args[0].op == "restore"
    assert all(Path(p).exists() for p in paths)
    assert set(paths) <= set(window.model.visible_paths())
    assert set(window.selected_paths()) == set(paths)  # the restored photos are selected
    with Catalog(window.ctx.catalog_path) as cat:
        assert {cat.get(p).state for p in paths} == {"present"}  # type: ignore[union-attr]


def test_cancelled_confirmation_moves_nothing_and_dont_ask_again_sticks(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    answers = [(False, True), (True, True)]
    asked: list[int] = []

    def ask(names: list[str], size: int, dest: str) -> tuple[bool, bool]:
        asked.append(len(names))
        return answers[len(asked) - 1]

    window.ask_quarantine = ask
    select_rows(window, 0)
    path = window.model.record_at(0).path
    window.quarantine_selection()
    assert Path(path).exists() and window.quarantine_queue.pending == 0
    assert window.settings.confirm_quarantine()  # "don't ask" only counts when going ahead

    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        window.quarantine_selection()
    assert not Path(path).exists()
    assert not window.settings.confirm_quarantine()

    select_rows(window, 0)
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        window.quarantine_selection()
    assert asked == [1, 1]  # not asked the third time


def test_quarantine_window_restores_and_empties_to_the_trash(
    qtbot, window: MainWindow, library: Path, scan_folder, trash
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.settings.set_confirm_quarantine(False)
    select_rows(window, 0)
    first = window.model.record_at(0).path
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        window.quarantine_selection()
    select_rows(window, 0, 1)
    second = [window.model.record_at(r).path for r in (0, 1)]
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        window.quarantine_selection()

    qwin = window.show_quarantine_window()
    assert qwin is not None
    qtbot.addWidget(qwin)
    qtbot.waitUntil(lambda: qwin.batches.topLevelItemCount() == 2, timeout=10_000)
    assert qwin.selected_batch().count == 2  # newest first  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: qwin.files.topLevelItemCount() == 2, timeout=10_000)
    assert {qwin.files.topLevelItem(i).text(0) for i in range(2)} == set(second)

    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        qwin.restore_button.click()
    assert all(Path(p).exists() for p in second)
    assert set(second) <= set(window.model.visible_paths())

    # Emptying always asks, and moves the files to the trash, never deleting them.
    asked: list[tuple[int, int, str]] = []
    qwin.ask_empty = lambda files, size, where: asked.append((files, size, where)) or False
    qtbot.waitUntil(lambda: qwin.photos_in_quarantine() == 1, timeout=10_000)
    # The remaining batch is selected and its files listed; then nothing may be queued.
    qtbot.waitUntil(lambda: not window.quarantine_queue.is_busy(), timeout=10_000)
    assert qwin.selected_batch().count == 1  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: qwin.files.topLevelItemCount() == 1, timeout=10_000)
    assert qwin.files.topLevelItem(0).text(0) == first  # type: ignore[union-attr]
    qwin.empty_all()
    assert asked and asked[0][0] == 1 and window.quarantine_queue.pending == 0
    qwin.ask_empty = lambda files, size, where: True
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000) as blocker:
        qwin.empty_all()
    report = blocker.args[0].report
    assert [o.status for o in report.outcomes] == ["trashed"]
    assert len(trash.trashed) == 1 and not trash.trashed[0].exists()
    assert any(trash.folder.iterdir())
    assert first not in [r.path for r in window.model.records()]
    qtbot.waitUntil(lambda: "empty" in qwin.status.text(), timeout=10_000)
    qwin.close()


def test_a_trash_that_fails_is_reported(qtbot, make_context, library: Path, scan_folder) -> None:  # type: ignore[no-untyped-def]
    def refusing_trash(path: Path) -> None:
        raise OSError("no trash on this volume")

    ctx = make_context()
    ctx.trash = refusing_trash
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    scan_folder(win, library)
    win.settings.set_confirm_quarantine(False)
    select_rows(win, 0)
    path = win.model.record_at(0).path
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        win.quarantine_selection()
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000) as blocker:
        win.quarantine_queue.empty()
    assert [o.status for o in blocker.args[0].report.outcomes] == ["failed"]
    notice = win.notifier.history[-1]
    assert notice.level == "warning"
    # Why, then what the photographer can do about it, with the things the app has.
    assert notice.text == (
        "could not move it to the trash: no trash on this volume. Nothing was deleted: it "
        "stays in the quarantine. Restore it, or delete it yourself from the folder under "
        "“Kept in” in the Quarantine window (Ctrl+Shift+Q)."
    )
    with Catalog(ctx.catalog_path) as cat:
        assert cat.get(path).state == STATE_QUARANTINED  # type: ignore[union-attr]
    win.close()


def test_refused_requests_reach_the_notifier(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ops = QuarantineQueue(tmp_path / "catalog.sqlite3")
    try:
        with qtbot.waitSignal(ops.finished, timeout=30_000) as blocker:
            ops.restore(batch_id="no-such-batch")
        assert blocker.args[0].error
        assert not ops.is_busy()
    finally:
        assert ops.shutdown()


def test_startup_recovery_runs_first(qtbot, make_context) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(make_context())
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000) as blocker:
        pass
    assert blocker.args[0].op == "recover" and blocker.args[0].error is None
    win.close()


def test_quarantine_window_thumbnails_single_restore_states_and_close_keys(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.settings.set_confirm_quarantine(False)
    select_rows(window, 0, 1)
    moved = [window.model.record_at(r).path for r in (0, 1)]
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        window.quarantine_selection()
    qwin = window.show_quarantine_window()
    assert qwin is not None
    qtbot.addWidget(qwin)
    qtbot.waitUntil(lambda: qwin.files.topLevelItemCount() == 2, timeout=10_000)
    assert qwin.batches.topLevelItem(0).text(4) == "In quarantine"
    # Thumbnails of the quarantined photos.
    assert all(not qwin.files.topLevelItem(i).icon(0).isNull() for i in range(2))
    assert not qwin.restore_photo_button.isEnabled()  # nothing selected yet

    # Restore one photo only.
    one = qwin.files.topLevelItem(0)
    one.setSelected(True)
    assert qwin.restore_photo_button.isEnabled()
    back = one.text(0)
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        qwin.restore_photo_button.click()
    assert Path(back).exists()
    other = next(p for p in moved if p != back)
    assert not Path(other).exists()
    qtbot.waitUntil(lambda: qwin.photos_in_quarantine() == 1, timeout=10_000)
    assert "1 restored" in qwin.batches.topLevelItem(0).text(4)

    # The whole batch restored reads "Restored".
    with qtbot.waitSignal(window.quarantine_queue.finished, timeout=30_000):
        qwin.restore_all()
    qtbot.waitUntil(lambda: qwin.photos_in_quarantine() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: qwin.batches.topLevelItem(0).text(4) == "Restored", timeout=10_000)

    # Esc and Ctrl+W close it.
    qwin.activateWindow()
    qtbot.waitUntil(qwin.isActiveWindow, timeout=5_000)
    qtbot.keyClick(qwin, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not qwin.isVisible(), timeout=5_000)
    window.show_quarantine_window()
    qwin.activateWindow()
    qtbot.waitUntil(qwin.isActiveWindow, timeout=5_000)
    qtbot.keyClick(qwin, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not qwin.isVisible(), timeout=5_000)
