"""One notifier for every error, warning and notice: a non-modal message bar in the window.

Workers on any thread call :meth:`Notifier.error` and friends; the call is turned into a
queued signal, so the message always appears on the GUI thread and never blocks anyone.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"
INFO = "info"

# Info notices fade out by themselves; problems stay until the user closes them.
_INFO_TIMEOUT_MS = 8000
_MAX_VISIBLE = 4


@dataclass(frozen=True)
class Notice:
    """One message for the user."""

    level: str
    title: str
    text: str
    details: str = ""


class Notifier(QObject):
    """Thread-safe entry point for user-visible messages; keeps a history for the session."""

    posted = Signal(object)  # Notice, delivered on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: list[Notice] = []
        self.displays = 0  # message bars showing this notifier's messages
        self.posted.connect(self._record)

    def notify(self, level: str, title: str, text: str, details: str = "") -> None:
        """Post a message from any thread."""
        notice = Notice(level, title, text, details)
        log_level = {ERROR: logging.ERROR, WARNING: logging.WARNING}.get(level, logging.INFO)
        log.log(log_level, "%s: %s", title, text)
        self.posted.emit(notice)

    def error(self, title: str, text: str, details: str = "") -> None:
        self.notify(ERROR, title, text, details)

    def warning(self, title: str, text: str, details: str = "") -> None:
        self.notify(WARNING, title, text, details)

    def info(self, title: str, text: str, details: str = "") -> None:
        self.notify(INFO, title, text, details)

    def _record(self, notice: Notice) -> None:
        self.history.append(notice)
        if not self.displays:
            # Nobody shows messages yet (start-up): at least say it on stderr.
            print(f"{notice.title}: {notice.text}", file=sys.stderr)


class _NoticeWidget(QFrame):
    closed = Signal(object)

    def __init__(self, notice: Notice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = notice
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        pal = self.palette()
        # Tinted backgrounds from the palette keep text readable in dark and light themes.
        base = pal.color(QPalette.ColorRole.Window)
        tint = {ERROR: (200, 40, 40), WARNING: (220, 150, 0)}.get(notice.level, (40, 110, 200))
        mix = 0.22
        bg = base.fromRgbF(
            base.redF() * (1 - mix) + tint[0] / 255 * mix,
            base.greenF() * (1 - mix) + tint[1] / 255 * mix,
            base.blueF() * (1 - mix) + tint[2] / 255 * mix,
        )
        pal.setColor(QPalette.ColorRole.Window, bg)
        self.setPalette(pal)

        style = self.style()
        pixmap_kind = {
            ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
            WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
        }.get(notice.level, QStyle.StandardPixmap.SP_MessageBoxInformation)
        icon = QLabel()
        icon.setPixmap(style.standardIcon(pixmap_kind).pixmap(20, 20))
        text = QLabel(f"<b>{_escape(notice.title)}</b> — {_escape(notice.text)}")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        # A new policy drops the height-for-width that word wrap set: without it the layout
        # gives the label one line's height, and a wrapped second line is cut off.
        policy.setHeightForWidth(True)
        text.setSizePolicy(policy)
        self.label = text
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(icon)
        row.addWidget(text, 1)
        if notice.details:
            more = QToolButton()
            more.setText("Details…")
            more.setAutoRaise(True)
            more.clicked.connect(self._show_details)
            row.addWidget(more)
        close = QToolButton()
        close.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(lambda: self.closed.emit(self))
        row.addWidget(close)
        if notice.level == INFO:
            QTimer.singleShot(_INFO_TIMEOUT_MS, self, lambda: self.closed.emit(self))

    def _show_details(self) -> None:
        box = QMessageBox(self.window())
        box.setWindowTitle(self.notice.title)
        box.setIcon(
            QMessageBox.Icon.Critical if self.notice.level == ERROR else QMessageBox.Icon.Warning
        )
        box.setText(self.notice.text)
        box.setDetailedText(self.notice.details)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()


class MessageBar(QWidget):
    """Shows the notifier's messages stacked at the top of the window; never modal."""

    def __init__(self, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._items: list[_NoticeWidget] = []
        notifier.posted.connect(self.show_notice)
        notifier.displays += 1
        self.setVisible(False)

    def visible_notices(self) -> list[Notice]:
        return [w.notice for w in self._items]

    def labels(self) -> list[QLabel]:
        """The text of each message shown, oldest first."""
        return [w.label for w in self._items]

    def show_notice(self, notice: Notice) -> None:
        # The same message twice in a row (e.g. a repeated failure) is shown once.
        if self._items and self._items[-1].notice == notice:
            return
        widget = _NoticeWidget(notice, self)
        widget.closed.connect(self._dismiss)
        self._items.append(widget)
        self._layout.addWidget(widget)
        while len(self._items) > _MAX_VISIBLE:
            self._dismiss(self._items[0])
        self.setVisible(True)

    def dismiss_all(self) -> None:
        for widget in list(self._items):
            self._dismiss(widget)

    def _dismiss(self, widget: _NoticeWidget) -> None:
        if widget not in self._items:
            return
        self._items.remove(widget)
        widget.hide()
        widget.deleteLater()
        self.setVisible(bool(self._items))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
