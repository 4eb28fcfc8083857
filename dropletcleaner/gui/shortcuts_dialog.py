"""The Keyboard Shortcuts help (F1 or ?): built from the window's actions, one at a time.

* The help lists every action that has a shortcut, read from the actions themselves, so a
  new shortcut can never be missing from it.
* The list is longer than a small screen is tall, so it sits in a scrolling area and the
  dialog is at most 80 % of the screen's height: its last rows and OK button stay reachable.
* Asking again while it is open brings the open one to the front instead of a second copy.
* Only keys a keyboard has are listed: the platform's standard bindings also bring media
  keys ("Exit", "Refresh", "Zoom In") and Sun's F14, which read like words to type.
* An action whose text follows the state (Undo says what it would undo) is listed by its
  stable name, its ``HELP_NAME`` property: the help is a reference, not a snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QKeyCombination, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

# Keys that are not actions: the grid's own navigation.
NAVIGATION_KEYS: tuple[tuple[str, str], ...] = (
    ("Arrows, Home, End, Page Up/Down", "move through the photos (also with Ctrl)"),
    ("Shift+arrows, Shift+click, Ctrl+click", "extend or change the selection"),
    ("Enter / double-click", "open or leave the large view"),
    ("Left / Right in the large view", "previous / next photo in the filter and sort order"),
    ("Mouse wheel on the photo", "zoom in or out around the pointer"),
    ("Drag the zoomed photo", "pan; double-click: 100 % at that point, or fit"),
    ("Right-click", "the photo's menu: reveal, open, copy path, label, quarantine"),
)

# Share of the available screen the dialog may take: room is left for the taskbar and for
# the window behind it to stay recognisable.
MAX_HEIGHT_SHARE = 0.8
MAX_WIDTH_SHARE = 0.9

# The action property with the name the help uses, where the action's text changes.
HELP_NAME = "helpName"


def on_a_keyboard(combo: QKeyCombination) -> bool:
    """Whether a photographer's keyboard has this key: a character, or a named key up to F12."""
    # Qt numbers characters below Key_Escape, then Escape, Tab, … arrows, F1 to F12; F13 on
    # and the media keys (Key_Undo, Key_ZoomIn, Key_Exit, Key_Help) all come after F12.
    return combo.key().value <= Qt.Key.Key_F12.value


def combos(sequence: QKeySequence) -> list[QKeyCombination]:
    """The keys of a sequence, one per press ("Ctrl+K, Ctrl+C" is two)."""
    # PySide6's type stubs leave out QKeySequence's indexing, which the binding has.
    return [sequence[i] for i in range(sequence.count())]  # type: ignore[index]


def _typeable(sequence: QKeySequence) -> bool:
    keys = combos(sequence)
    return bool(keys) and all(on_a_keyboard(k) for k in keys)


def _plain(text: str) -> str:
    return text.replace("&", "").replace("…", "").strip()


def shortcut_rows(actions: Sequence[QAction]) -> list[tuple[str, str]]:
    """``(keys, what it does)`` for every action with a shortcut, each action once."""
    rows: list[tuple[str, str]] = []
    seen: set[int] = set()
    for action in actions:
        keys = [
            k.toString(QKeySequence.SequenceFormat.NativeText)
            for k in action.shortcuts()
            if _typeable(k)
        ]
        keys = [k for k in keys if k]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        what = _plain(str(action.property(HELP_NAME) or action.text()))
        tip = _plain(action.toolTip())
        if tip and tip.lower() != what.lower():
            what = f"{what} — {tip[0].lower()}{tip[1:]}"
        rows.append((" / ".join(dict.fromkeys(keys)), what))
    return rows


def shortcuts_html(window: QWidget) -> str:
    """The keyboard help: navigation, then every action of the window with a shortcut."""
    rows = list(NAVIGATION_KEYS) + shortcut_rows(window.findChildren(QAction))
    body = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(w)}</td></tr>" for k, w in rows)
    return f"<table cellspacing=6>{body}</table>"


class ShortcutsDialog(QDialog):
    """The help table in a scrolling area, with OK; Esc closes it too (as any dialog)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)  # the window stays usable, so a key can be tried while reading
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.label = QLabel(shortcuts_html(window))
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setContentsMargins(6, 6, 6, 6)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.label)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        # Focus on the list, so arrows and Page Up/Down scroll it; Enter still means OK.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)
        self.buttons_height = buttons.sizeHint().height()
        self.box = QVBoxLayout(self)
        self.box.addWidget(self.scroll_area)
        self.box.addWidget(buttons)
        self.resize(self.fitting_size())
        self.scroll_area.setFocus()

    def html(self) -> str:
        return self.label.text()

    def fitting_size(self) -> QSize:
        """The whole table if the screen has room, else at most 80 % of its height."""
        room = (self.parentWidget() or self).screen().availableGeometry().size()
        content = self.label.sizeHint()
        bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        margins = self.box.contentsMargins()
        # Room for the scroll bar always: it appears exactly when the screen is too short.
        extra_w = margins.left() + margins.right() + bar
        extra_h = margins.top() + margins.bottom() + self.box.spacing() + self.buttons_height
        width = min(content.width() + extra_w, int(room.width() * MAX_WIDTH_SHARE))
        height = min(content.height() + extra_h, int(room.height() * MAX_HEIGHT_SHARE))
        return QSize(width, height)


def open_shortcuts(window: QWidget) -> ShortcutsDialog | None:
    """The help already open over ``window``, if any (a closed one may await deletion)."""
    for dialog in window.findChildren(ShortcutsDialog):
        if dialog.isVisible():
            return dialog
    return None


def show_shortcuts(window: QWidget) -> ShortcutsDialog:
    """Show the keyboard help, or bring the open one to the front."""
    dialog = open_shortcuts(window)
    if dialog is None:
        dialog = ShortcutsDialog(window)
        dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
