"""The keyboard help lists keys a keyboard has, and names Undo and Redo as they always are."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from dropletcleaner.gui.shortcuts_dialog import HELP_NAME, shortcut_rows, shortcuts_html
from dropletcleaner.gui.window import MainWindow


def _action(parent: QWidget, text: str, *keys: QKeySequence) -> QAction:
    action = QAction(text, parent)
    action.setShortcuts(list(keys))
    return action


def test_keys_no_keyboard_has_are_left_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    # What the X11 standard bindings give: a Sun key and media keys beside the real ones.
    undo = _action(
        parent,
        "&Undo",
        QKeySequence("Ctrl+Z"),
        QKeySequence(Qt.Key.Key_F14),
        QKeySequence(Qt.Key.Key_Undo),
    )
    quit_ = _action(parent, "&Quit", QKeySequence("Ctrl+Q"), QKeySequence(Qt.Key.Key_Exit))
    zoom = _action(
        parent,
        "&Larger",
        QKeySequence("Ctrl++"),
        QKeySequence(Qt.Key.Key_ZoomIn),
        QKeySequence("Ctrl+="),
    )
    help_ = _action(
        parent, "&Help", QKeySequence("F1"), QKeySequence(Qt.Key.Key_Help), QKeySequence("?")
    )
    media_only = _action(parent, "Media", QKeySequence(Qt.Key.Key_Refresh))
    rows = dict(shortcut_rows([undo, quit_, zoom, help_, media_only]))
    assert rows == {
        "Ctrl+Z": "Undo",
        "Ctrl+Q": "Quit",
        "Ctrl++ / Ctrl+=": "Larger",
        "F1 / ?": "Help",
    }


def test_a_key_up_to_f12_stays(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    keys = [QKeySequence(k) for k in ("F12", "Esc", "Del", "Shift+S", "Space", "Ctrl+Shift+Q")]
    rows = shortcut_rows([_action(parent, "All", *keys)])
    assert rows == [("F12 / Esc / Del / Shift+S / Space / Ctrl+Shift+Q", "All")]


def test_an_action_is_listed_by_its_help_name_not_its_passing_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    undo = _action(parent, "&Undo Mark as Clean (1 photo)", QKeySequence("Ctrl+Z"))
    undo.setProperty(HELP_NAME, "Undo")
    undo.setToolTip("Undo the last label or quarantine")
    assert shortcut_rows([undo]) == [("Ctrl+Z", "Undo — undo the last label or quarantine")]


def test_the_windows_help_says_undo_and_redo_whatever_the_history(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    first, second = window.model.visible_paths()[:2]
    window.select_paths([first])
    window.set_label("clean")
    window.select_paths([second])
    window.set_label("droplet")
    window.undo()  # the droplet label is there to redo, the clean one to undo
    assert window.undo_action.text() == "&Undo Mark as Clean (1 photo)"
    assert window.redo_action.text() == "&Redo Mark as Droplet (1 photo)"
    html = shortcuts_html(window)
    assert "(1 photo)" not in html
    assert "<td>Undo — undo the last label or quarantine</td>" in html
    assert "<td>Redo — redo what was last undone</td>" in html
