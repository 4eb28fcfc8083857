"""Start the desktop app: the Qt application, its identity and icon, hooks, and the window."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from dropletcleaner import __version__
from dropletcleaner.core.paths import resource_folders
from dropletcleaner.gui import excepthook
from dropletcleaner.gui.gc_guard import collect_on_gui_thread
from dropletcleaner.gui.notifier import Notifier
from dropletcleaner.gui.settings import AppSettings
from dropletcleaner.gui.theme import install_theme_menu
from dropletcleaner.gui.window import AppContext, MainWindow

APP_ID = "io.github.dropletcleaner.DropletCleaner"  # the .desktop file's name, reverse-DNS
ORGANIZATION = "DropletCleaner"
APP_NAME = "DropletCleaner"
ICON_NAME = "dropletcleaner"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def icons_dir() -> Path | None:
    """Folder holding the app icon: inside the installed package, or in a source checkout."""
    for folder in resource_folders("icons"):
        if (folder / f"{ICON_NAME}.svg").is_file():
            return folder
    return None


def app_icon() -> QIcon:
    """The app icon at every size shipped, preferring the desktop theme's installed copy."""
    icon = QIcon()
    folder = icons_dir()
    if folder is not None:
        for size in ICON_SIZES:
            png = folder / f"{ICON_NAME}-{size}.png"
            if png.is_file():
                icon.addFile(str(png))
        icon.addFile(str(folder / f"{ICON_NAME}.svg"))
    return QIcon.fromTheme(APP_ID, icon)


def configure_application(app: QCoreApplication) -> None:
    """Names used by QSettings and the desktop, and the app's icon."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setApplicationDisplayName(APP_NAME)
    # Ties windows to packaging/io.github.dropletcleaner.DropletCleaner.desktop (Wayland).
    QGuiApplication.setDesktopFileName(APP_ID)
    if isinstance(app, QGuiApplication):
        app.setWindowIcon(app_icon())


def create_window(context: AppContext | None = None) -> MainWindow:
    window = MainWindow(context)
    window.setWindowIcon(QGuiApplication.windowIcon())
    window.welcome_icon.setPixmap(QGuiApplication.windowIcon().pixmap(96, 96))
    install_theme_menu(window, window.settings.qsettings)  # View ▸ Theme, applied now
    return window


def _quit_on_interrupt(app: QApplication, window: MainWindow) -> None:
    """Ctrl+C in the terminal closes the window properly (workers stop, settings saved)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, lambda *_: window.close())
    # Python only runs signal handlers between bytecodes: wake it up now and then.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def run_app(
    folder: str | None = None, catalog: Path | None = None, qt_options: Sequence[str] = ()
) -> int:
    """Run the desktop app; with ``folder``, open and scan it. Returns the exit code.

    ``catalog`` is the catalog database to use (``None``: the per-user default).
    ``qt_options`` are Qt's own options (``-style fusion``), as the command line took them
    out of its arguments, for the QApplication that this call creates. When this
    call creates the QApplication, the process ends with the app (:func:`exit_now`);
    with an application already running (tests, an embedding program) it returns.
    """
    if folder is not None and not os.path.isdir(folder):
        print(f"dropletcleaner gui: error: not a folder: {folder}", file=sys.stderr)
        return 2
    if catalog is not None and os.path.isdir(catalog):
        print(f"dropletcleaner gui: error: --catalog is a folder: {catalog}", file=sys.stderr)
        return 2
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        app = QApplication([sys.argv[0] if sys.argv else APP_NAME, *qt_options])
    configure_application(app)
    collect_on_gui_thread(app)
    notifier = Notifier()
    uninstall = excepthook.install(notifier)
    try:
        context = AppContext(
            catalog_path=catalog,
            settings=AppSettings(QSettings()),
            notifier=notifier,
        )
        window = create_window(context)
        window.ends_process = existing is None
        _quit_on_interrupt(app, window)
        window.show()
        if folder is not None:
            window.open_folder(folder)
        else:
            last = context.settings.last_folder()
            if last and os.path.isdir(last):
                window.open_folder(last)
        code = int(app.exec())
        window.shutdown()  # already done when the window closed; Quit from elsewhere too
    finally:
        uninstall()
    if existing is None:
        exit_now(code)
    return code


def exit_now(code: int) -> NoReturn:
    """End the process at once, skipping the interpreter's teardown.

    By now every worker has stopped, the catalog is closed and the settings are synced.
    What is left is freeing torch, onnxruntime and Qt objects one by one and garbage
    collecting them, which took 3.6-7.7 s after the window had gone: the user sees a
    closed app still running. The app owns the process (it made the QApplication), so
    nothing else needs the teardown; only the output streams are flushed.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
