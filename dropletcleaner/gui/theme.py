"""The app's theme (system, light or dark), a setting under View ▸ Theme.

The theme is asked for with Qt's colour-scheme hint, so a platform that follows it draws
its own light or dark palette; "system" follows the desktop. Where the platform ignores
the hint (X11 without a desktop theme: the choice did nothing there), the app paints the
Fusion style with a palette of its own instead. Qt's own options (``-style fusion``) come
from the command line (:mod:`dropletcleaner.cli.qt_options`).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QStyleFactory

THEMES = {
    "system": ("&System", Qt.ColorScheme.Unknown),
    "light": ("&Light", Qt.ColorScheme.Light),
    "dark": ("&Dark", Qt.ColorScheme.Dark),
}
KEY = "view/theme"


def theme(settings: QSettings) -> str:
    value = str(settings.value(KEY, "system") or "system")
    return value if value in THEMES else "system"


# The style the app started with, kept the first time a palette of its own replaces it.
_started_with: dict[str, str] = {}


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style, with the roles the app's widgets read."""
    pal = QPalette()
    text, dim = QColor(230, 230, 230), QColor(128, 128, 128)
    for role, colour in (
        (QPalette.ColorRole.Window, QColor(45, 45, 48)),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, QColor(30, 30, 32)),
        (QPalette.ColorRole.AlternateBase, QColor(55, 55, 58)),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor(53, 53, 56)),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 90, 90)),
        (QPalette.ColorRole.Highlight, QColor(42, 130, 218)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.ToolTipBase, QColor(60, 60, 64)),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150)),
        (QPalette.ColorRole.Link, QColor(90, 160, 240)),
    ):
        pal.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, dim)
    return pal


def apply_theme(name: str) -> None:
    """Show this colour scheme: the platform's own where it follows the hint, else Fusion's."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    scheme = THEMES.get(name, THEMES["system"])[1]
    hints = app.styleHints()
    hints.setColorScheme(scheme)
    if scheme == Qt.ColorScheme.Unknown or hints.colorScheme() == scheme:
        if "style" in _started_with:  # back to the platform's own look
            app.setStyle(_started_with.pop("style"))
            app.setPalette(app.style().standardPalette())
        return
    _started_with.setdefault("style", app.style().name())
    app.setStyle("Fusion")
    fusion = QStyleFactory.create("Fusion")
    app.setPalette(dark_palette() if scheme == Qt.ColorScheme.Dark else fusion.standardPalette())


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
