"""The app's theme (system, light or dark) and the Qt options given on the command line.

The theme is a setting (View ▸ Theme), applied with Qt's colour-scheme hint, so the
platform's own style draws the light or the dark palette; "system" follows the desktop.
:func:`qt_argv` keeps the options Qt itself understands (``-style fusion``,
``-platform xcb``, ``-reverse`` …) for the QApplication, which used to get only the
program name.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu

THEMES = {
    "system": ("&System", Qt.ColorScheme.Unknown),
    "light": ("&Light", Qt.ColorScheme.Light),
    "dark": ("&Dark", Qt.ColorScheme.Dark),
}
KEY = "view/theme"

# Qt's own options that take a value, and those that do not (QGuiApplication, QApplication).
_WITH_VALUE = {
    "-style",
    "-stylesheet",
    "-platform",
    "-platformpluginpath",
    "-platformtheme",
    "-plugin",
    "-qwindowgeometry",
    "-qwindowicon",
    "-qwindowtitle",
    "-display",
    "-geometry",
    "-session",
    "-name",
    "-title",
    "-visual",
    "-qmljsdebugger",
}
_FLAGS = {"-reverse", "-widgetcount", "-nograb", "-dograb", "-sync", "-qdebug", "-testability"}


def qt_argv(argv: Sequence[str]) -> list[str]:
    """The program name and the Qt options in ``argv`` (``-style=fusion`` or ``-style fusion``)."""
    out = list(argv[:1])
    i = 1
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0]
        bare = "-" + name.lstrip("-")  # Qt accepts -style and --style
        if bare in _WITH_VALUE and "=" in arg:
            out.append(arg)
        elif bare in _WITH_VALUE and i + 1 < len(argv):
            out += [arg, argv[i + 1]]
            i += 1
        elif bare in _FLAGS:
            out.append(arg)
        i += 1
    return out


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
