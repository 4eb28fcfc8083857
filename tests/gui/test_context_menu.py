"""The grid's context menu (desktop calls mocked), the keyboard help, dropping a folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QScreen,
)
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from dropletcleaner.gui import context_menu
from dropletcleaner.gui.context_menu import shortcuts_html
from dropletcleaner.gui.shortcuts_dialog import (
    MAX_HEIGHT_SHARE,
    ShortcutsDialog,
    combos,
    on_a_keyboard,
    open_shortcuts,
    show_shortcuts,
)
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
            if not all(on_a_keyboard(k) for k in combos(key)):
                continue  # a media key ("Refresh") or F13 on: no keyboard to type it on
            text = key.toString(QKeySequence.SequenceFormat.NativeText)
            assert f"<b>{text}" in html or f" / {text}" in html, action.text()
    for wanted in ("H", "M", "Ctrl+R", "Ctrl+Shift+Q", "Ctrl+A", "F9", "Q", "Esc"):
        assert f"<b>{wanted}" in html or f" / {wanted}" in html, wanted


def _help_action(window: MainWindow) -> QAction:
    """The window's action that F1 and ? trigger."""
    wanted = QKeySequence("?")
    return next(a for a in window.findChildren(QAction) if wanted in a.shortcuts())


def _visible_helps(window: MainWindow) -> list[ShortcutsDialog]:
    return [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]


def test_keyboard_help_opens_once_and_closes_with_esc_or_ok(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    help_action = _help_action(window)
    assert QKeySequence(QKeySequence.StandardKey.HelpContents) in help_action.shortcuts()
    help_action.trigger()
    dialog = open_shortcuts(window)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.html() == shortcuts_html(window)
    assert dialog.height() <= window.screen().availableGeometry().height() * MAX_HEIGHT_SHARE

    # Asking again while it is open brings the same one forward, no second copy.
    help_action.trigger()
    help_action.trigger()
    assert _visible_helps(window) == [dialog]

    # Esc closes it (once it is the active window, as on a desktop); asking again opens a
    # fresh one, and OK closes that.
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: open_shortcuts(window) is None)
    help_action.trigger()
    again = open_shortcuts(window)
    assert again is not None and _visible_helps(window) == [again]
    ok = again.findChild(QDialogButtonBox)
    assert ok is not None
    qtbot.mouseClick(ok.buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: open_shortcuts(window) is None)


def test_keyboard_help_on_a_short_screen_scrolls_with_ok_in_view(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # The offscreen screen's size is not ours to choose: pretend it is far shorter than
    # the list (as 1000 px was for the 1118 px message box of the report).
    room = QRect(0, 0, 1600, 300)
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _self: room)
    dialog = show_shortcuts(window)
    qtbot.waitExposed(dialog)
    assert dialog.label.sizeHint().height() > room.height()  # the list is longer than this
    assert dialog.height() <= room.height() * MAX_HEIGHT_SHARE
    ok = dialog.findChild(QDialogButtonBox)
    assert ok is not None and ok.isVisible()
    assert dialog.rect().contains(ok.geometry())  # OK is inside the dialog, not cut off

    # The rows that do not fit are reached by scrolling, down to the last one.
    bar = dialog.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    viewport = dialog.scroll_area.viewport()
    label_bottom = dialog.label.mapTo(viewport, dialog.label.rect().bottomLeft()).y()
    assert label_bottom <= viewport.height()
    dialog.close()


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
