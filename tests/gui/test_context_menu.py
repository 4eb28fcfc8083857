"""The grid's context menu (desktop calls mocked), the keyboard help, dropping a folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication

from dropletcleaner.gui import context_menu
from dropletcleaner.gui.context_menu import shortcuts_html
from dropletcleaner.gui.window import MainWindow
from tests.gui.gui_helpers import select_rows


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def fake_open(url: QUrl) -> bool:
        calls.append(url.toLocalFile())
        return True

    monkeypatch.setattr(context_menu, "open_url", fake_open)
    return calls


def test_the_context_menu_reveals_opens_copies_labels_and_quarantines(
    qtbot, window: MainWindow, library: Path, scan_folder, opened: list[str]
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    select_rows(window, 0)
    path = window.model.record_at(0).path
    menu = window.photo_menu.build()
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts[:3] == ["Reveal in File Manager", "Open with Default App", "Copy Path"]
    assert {"Mark as Droplet", "Mark as Clean", "Clear Label", "Quarantine"} <= set(texts)

    window.photo_menu.reveal_action.trigger()
    window.photo_menu.open_action.trigger()
    assert opened == [str(Path(path).parent), path]
    window.photo_menu.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == path

    select_rows(window, 0, 1)
    window.photo_menu.build()
    assert window.photo_menu.copy_action.text() == "&Copy Paths"
    window.photo_menu.copy_action.trigger()
    assert QGuiApplication.clipboard().text().splitlines() == [
        window.model.record_at(r).path for r in (0, 1)
    ]


def test_right_click_pops_the_menu_on_the_photo(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    select_rows(window, 2)
    shown: list[QPoint] = []
    window.photo_menu.show_menu = lambda _menu, pos: shown.append(pos)
    centre = window.grid.visualRect(window.model.index(2)).center()
    window.grid.customContextMenuRequested.emit(centre)
    assert shown == [window.grid.viewport().mapToGlobal(centre)]


def test_the_real_menu_opens_and_closes_without_an_error(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMenu

    scan_folder(window, library)
    select_rows(window, 0)
    opened: list[str] = []

    def close_it() -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            opened.append(popup.actions()[0].text())
            popup.close()

    QTimer.singleShot(200, close_it)
    # The default show_menu runs the menu's own event loop until it closes.
    window.photo_menu.popup(window.grid.visualRect(window.model.index(0)).center())
    assert opened == ["&Reveal in File Manager"]
    assert not window.message_bar.isVisible()  # no "Unexpected error" banner


def test_keyboard_help_lists_every_shortcut(window: MainWindow) -> None:
    html = shortcuts_html(window)
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString(QKeySequence.SequenceFormat.NativeText)
            assert f"{text}" in html, action.text()
    for wanted in ("H", "M", "Ctrl+R", "Ctrl+Shift+Q", "Ctrl+A", "F9", "Q", "Esc"):
        assert f"<b>{wanted}" in html or f" / {wanted}" in html, wanted


def _drag_enter(pos: QPointF, mime: QMimeData) -> QDragEnterEvent:
    """A drag of ``mime`` entering at ``pos`` (PySide6 before 6.12 takes an integer point)."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    try:
        return QDragEnterEvent(pos, *args)
    except TypeError:
        return QDragEnterEvent(pos.toPoint(), *args)


def test_dropping_a_folder_opens_it(qtbot, window: MainWindow, library: Path) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(library))])
    pos = window.rect().center().toPointF()
    enter = _drag_enter(pos, mime)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier(0),
    )
    with qtbot.waitSignal(window.scans.finished, timeout=120_000):
        QApplication.sendEvent(window, drop)
    assert window.root == str(library)

    # A file is not a folder: refused, nothing opened.
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(library / "beach0.jpg"))])
    refused = _drag_enter(pos, other)
    QApplication.sendEvent(window, refused)
    assert not refused.isAccepted()
