"""Helpers shared by the desktop-app tests."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel

from dropletcleaner.gui.window import MainWindow


def select_rows(win: MainWindow, *rows: int) -> None:
    """Select exactly these grid rows, the first one current."""
    sel = win.grid.selectionModel()
    sel.clearSelection()
    for r in rows:
        sel.select(win.model.index(r), QItemSelectionModel.SelectionFlag.Select)
    sel.setCurrentIndex(win.model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate)
