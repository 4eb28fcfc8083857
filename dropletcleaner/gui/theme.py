"""The app's theme (system, light or dark), a setting under View ▸ Theme.

The theme is applied with Qt's colour-scheme hint, so the platform's own style draws the
light or the dark palette; "system" follows the desktop. Qt's own options (``-style
fusion``) come from the command line (:mod:`dropletcleaner.cli.qt_options`).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu

THEMES = {
    "system": ("&System", Qt.ColorScheme.Unknown),
    "light": ("&Light", Qt.ColorScheme.Light),
    "dark": ("&Dark", Qt.ColorScheme.Dark),
}
KEY = "view/theme"


def theme(settings: QSettings) -> str:
    value = str(settings.value(KEY, "system") or "system")
    return value if value in THEMES else "system"


def apply_theme(name: str) -> None:
    """Ask the platform style for this colour scheme ("system": the desktop's own)."""
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        app.styleHints().setColorScheme(THEMES.get(name, THEMES["system"])[1])


def set_theme(settings: QSettings, name: str) -> None:
    settings.setValue(KEY, name)
    apply_theme(name)


def install_theme_menu(window: QMainWindow, settings: QSettings) -> QMenu:
    """Add View ▸ Theme to ``window``'s menu bar and apply the saved theme."""
    view = next(
        (
            a.menu()
            for a in window.menuBar().actions()
            if a.text().replace("&", "") == "View" and isinstance(a.menu(), QMenu)
        ),
        None,
    )
    parent = view if isinstance(view, QMenu) else window.menuBar().addMenu("&View")
    menu = parent.addMenu("&Theme")
    group = QActionGroup(menu)
    current = theme(settings)
    for name, (text, _scheme) in THEMES.items():
        action = QAction(text, menu, checkable=True)
        action.setData(name)
        action.setChecked(name == current)
        action.triggered.connect(lambda _=False, n=name: set_theme(settings, n))
        group.addAction(action)
        menu.addAction(action)
    apply_theme(current)
    return menu
