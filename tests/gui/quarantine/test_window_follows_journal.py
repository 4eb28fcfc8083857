"""The Quarantine window follows the journal after restores, undo and redo done anywhere.

Run on the per-user default catalog (``catalog_path=None``, as the app starts without
``--catalog``) in a temporary data folder, with real photos moved by the real quarantine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine import api as quarantine_api
from dropletcleaner.core.quarantine.names import QUARANTINE_DIR_NAME
from dropletcleaner.gui.quarantine.view import state_text
from dropletcleaner.gui.quarantine.window import QuarantineWindow
from dropletcleaner.gui.window import MainWindow
from tests.gui.gui_helpers import select_rows


@pytest.fixture
def app_window(  # type: ignore[no-untyped-def]
    qtbot, make_context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    """The main window on the default catalog, kept in this test's own data folder."""
    monkeypatch.setenv("DROPLETCLEANER_DATA", str(tmp_path / "data"))
    win = MainWindow(dataclasses.replace(make_context(), catalog_path=None))
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    win.close()


def _settle(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    # The window asks for its lists from the result of each operation, on the same queue:
    # once the queue is idle, every answer has been shown.
    qtbot.waitUntil(lambda: not win.quarantine_queue.is_busy(), timeout=30_000)


def _rows(qwin: QuarantineWindow) -> list[tuple[str, str, bool]]:
    """(still here, state, enabled) of each batch row, newest first."""
    items = [qwin.batches.topLevelItem(i) for i in range(qwin.batches.topLevelItemCount())]
    return [(it.text(3), it.text(4), not it.isDisabled()) for it in items if it is not None]


def _files(qwin: QuarantineWindow) -> list[tuple[str, str]]:
    """(original location, now at) of each row of the files list."""
    items = [qwin.files.topLevelItem(i) for i in range(qwin.files.topLevelItemCount())]
    return [(it.text(0), it.text(1)) for it in items if it is not None]


def _quarantine(qtbot, win: MainWindow, *rows: int) -> list[str]:  # type: ignore[no-untyped-def]
    select_rows(win, *rows)
    paths = [win.model.record_at(r).path for r in rows]
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        win.quarantine_selection()
    return paths


def _open_window(qtbot, win: MainWindow) -> QuarantineWindow:  # type: ignore[no-untyped-def]
    qwin = win.show_quarantine_window()
    assert qwin is not None
    qtbot.addWidget(qwin)
    _settle(qtbot, win)
    return qwin


def test_an_undo_in_the_main_window_shows_the_batch_restored(
    qtbot, app_window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    win = app_window
    scan_folder(win, library)
    win.settings.set_confirm_quarantine(False)
    (moved,) = _quarantine(qtbot, win, 0)
    qwin = _open_window(qtbot, win)
    assert _rows(qwin) == [("1", "In quarantine", True)]
    assert [orig for orig, _ in _files(qwin)] == [moved]
    assert QUARANTINE_DIR_NAME in _files(qwin)[0][1]

    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        win.undo_action.trigger()  # Ctrl+Z
    _settle(qtbot, win)
    assert Path(moved).exists()
    assert _rows(qwin) == [("0", "Restored", False)]
    assert _files(qwin) == []  # no row says it is still in the quarantine folder
    assert qwin.selected_batch() is None
    assert not qwin.restore_button.isEnabled() and not qwin.empty_all_button.isEnabled()
    assert qwin.status.text() == "The quarantine is empty."
    qwin.close()


def test_restores_from_the_window_update_its_files_list(
    qtbot, app_window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    win = app_window
    scan_folder(win, library)
    win.settings.set_confirm_quarantine(False)
    moved = _quarantine(qtbot, win, 0, 1)
    qwin = _open_window(qtbot, win)
    assert sorted(orig for orig, _ in _files(qwin)) == sorted(moved)

    # One photo back: its row leaves, the other still says where it sits in quarantine.
    qwin.files.topLevelItem(0).setSelected(True)  # type: ignore[union-attr]
    back = qwin.selected_files()[0]
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        qwin.restore_photo_button.click()
    _settle(qtbot, win)
    assert Path(back).exists()
    (other,) = (p for p in moved if p != back)
    assert [orig for orig, _ in _files(qwin)] == [other]
    assert Path(_files(qwin)[0][1]).exists()
    assert _rows(qwin) == [("1", "1 restored, 1 left", True)]

    # The rest of the batch back: nothing is listed as in quarantine any more.
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        qwin.restore_button.click()
    _settle(qtbot, win)
    assert all(Path(p).exists() for p in moved)
    assert _rows(qwin) == [("0", "Restored", False)]
    assert _files(qwin) == []
    qwin.close()


def test_redo_shows_the_batch_in_quarantine_once(
    qtbot, app_window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    win = app_window
    scan_folder(win, library)
    win.settings.set_confirm_quarantine(False)
    (moved,) = _quarantine(qtbot, win, 0)
    qwin = _open_window(qtbot, win)
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        win.undo_action.trigger()  # Ctrl+Z
    _settle(qtbot, win)
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        win.redo_action.trigger()  # Ctrl+Shift+Z
    _settle(qtbot, win)
    assert not Path(moved).exists()

    # Redo moves the photo aside as a new batch: it is the one row, in quarantine. The
    # undone batch is not listed beneath it, where it read as a second move.
    assert _rows(qwin) == [("1", "In quarantine", True)]
    assert qwin.photos_in_quarantine() == 1
    with Catalog(None) as cat:
        live = [b for b in quarantine_api.list_batches(cat) if b.open_count]
    selected = qwin.selected_batch()
    assert selected is not None and [b.batch_id for b in live] == [selected.batch_id]
    ((original, now_at),) = _files(qwin)
    assert original == moved and Path(now_at).exists()

    # The redo undone in turn: still one row, now restored.
    with qtbot.waitSignal(win.quarantine_queue.finished, timeout=30_000):
        win.undo_action.trigger()
    _settle(qtbot, win)
    assert Path(moved).exists()
    assert _rows(qwin) == [("0", "Restored", False)]
    qwin.close()


def test_a_batch_that_left_the_quarantine_never_reads_as_in_it() -> None:
    # Without the per-photo states (a catalog that could not be read) the counts decide.
    assert state_text({}, 0, 2) == "Out of quarantine"
    assert state_text({}, 1, 2) == "1 left"
    assert state_text({}, 2, 2) == "In quarantine"
    assert state_text({"restored": 2}, 0, 2) == "Restored"
