"""The grid's context menu, keyboard help built from the actions, and dropping a folder.

* Right-clicking a photo offers what a photographer expects of a culling tool: reveal it in
  the file manager, open it with the default app, copy its path, label it, quarantine it.
  The desktop is reached only through :data:`open_url` (``QDesktopServices.openUrl``), so
  tests replace that one call.
* The keyboard help (:mod:`.shortcuts_dialog`) is re-exported from here for the window.
* A folder dropped on the window is opened and scanned.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
)
from PySide6.QtWidgets import QMenu

# The keyboard help lives in its own module; these names stay importable from here.
from dropletcleaner.gui.shortcuts_dialog import shortcut_rows as shortcut_rows
from dropletcleaner.gui.shortcuts_dialog import shortcuts_html as shortcuts_html
from dropletcleaner.gui.shortcuts_dialog import show_shortcuts as show_shortcuts

if TYPE_CHECKING:
    from dropletcleaner.gui.window.parts import WindowParts

# The one call that reaches the desktop (file manager, default app); tests replace it.
open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl


class PhotoMenu(QObject):
    """Builds the grid's context menu and carries out its desktop actions."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        self.reveal_action = QAction("&Reveal in File Manager", window)
        self.reveal_action.triggered.connect(self.reveal)
        self.open_action = QAction("&Open with Default App", window)
        self.open_action.triggered.connect(self.open_default)
        self.copy_action = QAction("&Copy Path", window)
        self.copy_action.triggered.connect(self.copy_paths)
        # How a built menu is shown (modal, at a screen position); tests record it instead.
        # A function of its own, not the unbound ``QMenu.exec``: PySide6 before 6.12 rejects
        # that called as ``exec(menu, pos)``, and right-click raised an error banner.
        self.show_menu: Callable[[QMenu, QPoint], object] = lambda menu, pos: menu.exec(pos)
        grid = window.grid
        grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        grid.customContextMenuRequested.connect(self.popup)

    def build(self) -> QMenu:
        w = self._window
        menu = QMenu(w.grid)
        many = len(w.selected_paths()) > 1
        self.copy_action.setText("&Copy Paths" if many else "&Copy Path")
        for act in (self.reveal_action, self.open_action, self.copy_action):
            menu.addAction(act)
        menu.addSeparator()
        for act in (
            w.droplet_action,
            w.clean_action,
            w.clear_label_action,
            w.same_shot.select_action,
        ):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(w.quarantine_action)
        menu.addAction(w.details_action)
        return menu

    def popup(self, pos: QPoint) -> None:
        if not self._window.selected_paths():
            return
        self.show_menu(self.build(), self._window.grid.viewport().mapToGlobal(pos))

    def reveal(self) -> None:
        """Open the folder of the photo on show in the file manager."""
        paths = self._window.selected_paths()
        if paths:
            open_url(QUrl.fromLocalFile(os.path.dirname(paths[0])))

    def open_default(self) -> None:
        """Open the selected photos (at most 10: a slip must not launch hundreds of apps)."""
        for path in self._window.selected_paths()[:10]:
            open_url(QUrl.fromLocalFile(path))

    def copy_paths(self) -> None:
        paths = self._window.selected_paths()
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))


class FolderDrop(QObject):
    """Lets a folder dragged from the file manager onto the window open it."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    @staticmethod
    def folder_of(event: QDragEnterEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            path = url.toLocalFile()
            if path and os.path.isdir(path):
                return path
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QDragEnterEvent | QDropEvent) and watched is self._window:
            folder = self.folder_of(event)
            if folder is None:
                event.ignore()
                return True
            event.acceptProposedAction()
            if isinstance(event, QDropEvent) and event.type() == QEvent.Type.Drop:
                self._window.open_folder(folder)
            return True
        return False
