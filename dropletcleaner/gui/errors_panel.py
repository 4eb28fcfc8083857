"""The errors panel: every file or folder that could not be read, with the reason.

Rows open sorted by file name, ascending, as the header's indicator says; clicking a header
sorts by that column (again: the other way). Names and folders sort naturally and ignoring
case, as the grid's Sort by Name does ("img_2" before "IMG_10").
"""

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
from dropletcleaner.gui.grid.rows import natural_key

NAME, REASON, FOLDER = range(3)  # the columns
_PATH = Qt.ItemDataRole.UserRole  # column 0's data: the exact path, boxed


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
        # Qt's header starts at column 0 *descending*; the list opens by name, A first.
        self._tree.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
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
        self._entries = sorted(entries, key=lambda e: (natural_key(printable(e[0])), e))
        self._tree.setSortingEnabled(False)
        self._tree.clear()
        self._tree.addTopLevelItems([_ErrorItem(path, reason) for path, reason in self._entries])
        # Re-enabling sorts by the header's indicator: the column the user chose stays.
        self._tree.setSortingEnabled(True)
        n = len(self._entries)
        self._summary.setText(
            "No problems so far."
            if n == 0
            else f"{n:,} file{'s' if n != 1 else ''} or folder{'s' if n != 1 else ''} "
            "could not be read. They were skipped; nothing was changed."
        )

    def shown(self) -> list[tuple[str, str]]:
        """The ``(path, reason)`` pairs in the order the rows show them."""
        rows = (self._tree.topLevelItem(i) for i in range(self._tree.topLevelItemCount()))
        return [(_unbox(r.data(0, _PATH)), r.text(REASON)) for r in rows if r is not None]

    def shown_paths(self) -> list[str]:
        return [path for path, _reason in self.shown()]

    def copy_to_clipboard(self) -> None:
        """Every path and reason, in the order shown, so the paste reads like the list."""
        text = "\n".join(f"{printable(path)}\t{reason}" for path, reason in self.shown())
        QGuiApplication.clipboard().setText(text)

    def _selected_path(self) -> str | None:
        item = self._tree.currentItem()
        return None if item is None else _unbox(item.data(0, _PATH))

    def _open_folder(self) -> None:
        path = self._selected_path()
        if path:
            folder = path if os.path.isdir(path) else os.path.dirname(path)
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.photoActivated.emit(_unbox(item.data(0, _PATH)))


class _ErrorItem(QTreeWidgetItem):
    """A row that sorts by natural, case-insensitive keys, ending in the path for ties."""

    def __init__(self, path: str, reason: str) -> None:
        name = os.path.basename(path) or path
        folder = os.path.dirname(path)
        shown = [printable(name), reason, printable(folder)]
        super().__init__(shown)
        self.setData(0, _PATH, _PathBox(path))
        self.setToolTip(0, printable(path))
        self.setToolTip(1, reason)
        by_name = (natural_key(shown[NAME]), natural_key(shown[FOLDER]))
        # Keys of what each column shows, then the others, then the exact text: rows
        # never tie, so an order is the same every time.
        self._keys: dict[int, tuple[str, ...]] = {
            NAME: (*by_name, shown[NAME], path),
            REASON: (reason.casefold(), *by_name, reason, path),
            FOLDER: (natural_key(shown[FOLDER]), natural_key(shown[NAME]), shown[NAME], path),
        }

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else NAME
        if not isinstance(other, _ErrorItem) or column not in self._keys:
            return super().__lt__(other)
        return self._keys[column] < other._keys[column]


class _PathBox:
    """Holds a path in item data: Qt would turn a bare ``str`` into a lossy QString."""

    def __init__(self, path: str) -> None:
        self.path = path


def _unbox(data: object) -> str:
    return data.path if isinstance(data, _PathBox) else str(data)
