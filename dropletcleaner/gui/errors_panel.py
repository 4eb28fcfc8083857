"""The errors panel: every file or folder that could not be read, with the reason."""

from __future__ import annotations

import os
from collections.abc import Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.core.names import printable


class ErrorsPanel(QWidget):
    """Lists unreadable files; double-click selects the photo in the grid when it is there."""

    photoActivated = Signal(object)  # path; object keeps a name that is not UTF-8 intact

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary = QLabel("No problems so far.")
        self._tree = QTreeWidget()
        self._tree.setColumnCount(3)
        self._tree.setHeaderLabels(["File", "Why it could not be read", "Folder"])
        self._tree.setRootIsDecorated(False)
        self._tree.setUniformRowHeights(True)
        self._tree.setAlternatingRowColors(True)
        self._tree.setSortingEnabled(True)
        self._tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self._tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._tree.itemActivated.connect(self._activated)
        copy = QPushButton("Copy list")
        copy.setToolTip("Copy every path and reason to the clipboard")
        copy.clicked.connect(self.copy_to_clipboard)
        self._open = QPushButton("Open folder")
        self._open.setToolTip("Show the selected file's folder in the file manager")
        self._open.clicked.connect(self._open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self._summary, 1)
        buttons.addWidget(copy)
        buttons.addWidget(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self._tree)
        self._entries: list[tuple[str, str]] = []

    def entries(self) -> list[tuple[str, str]]:
        return list(self._entries)

    def set_errors(self, entries: Sequence[tuple[str, str]]) -> None:
        """``(path, reason)`` pairs; replaces what is shown."""
        self._entries = sorted(entries)
        self._tree.setSortingEnabled(False)
        self._tree.clear()
        items = []
        for path, reason in self._entries:
            name = os.path.basename(path) or path
            shown = [printable(name), reason, printable(os.path.dirname(path))]
            item = QTreeWidgetItem(shown)
            item.setData(0, Qt.ItemDataRole.UserRole, _PathBox(path))
            item.setToolTip(0, printable(path))
            item.setToolTip(1, reason)
            items.append(item)
        self._tree.addTopLevelItems(items)
        self._tree.setSortingEnabled(True)
        n = len(self._entries)
        self._summary.setText(
            "No problems so far."
            if n == 0
            else f"{n:,} file{'s' if n != 1 else ''} or folder{'s' if n != 1 else ''} "
            "could not be read. They were skipped; nothing was changed."
        )

    def copy_to_clipboard(self) -> None:
        text = "\n".join(f"{printable(path)}\t{reason}" for path, reason in self._entries)
        QGuiApplication.clipboard().setText(text)

    def _selected_path(self) -> str | None:
        item = self._tree.currentItem()
        return None if item is None else _unbox(item.data(0, Qt.ItemDataRole.UserRole))

    def _open_folder(self) -> None:
        path = self._selected_path()
        if path:
            folder = path if os.path.isdir(path) else os.path.dirname(path)
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.photoActivated.emit(_unbox(item.data(0, Qt.ItemDataRole.UserRole)))


class _PathBox:
    """Holds a path in item data: Qt would turn a bare ``str`` into a lossy QString."""

    def __init__(self, path: str) -> None:
        self.path = path


def _unbox(data: object) -> str:
    return data.path if isinstance(data, _PathBox) else str(data)
