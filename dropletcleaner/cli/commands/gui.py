"""The ``gui`` sub-command: open the desktop app, optionally scanning a folder at once."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dropletcleaner.cli.helptext import add_command, command_line
from dropletcleaner.cli.options import add_catalog_option

ORDER = 90  # place in --help


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "gui",
        help="open the desktop app (the default with no command)",
        description="Open the desktop app to review scores and heat maps, label photos, "
        "retrain, quarantine and undo. With FOLDER, open it and scan it at once.",
        examples=(
            "dropletcleaner gui",
            "dropletcleaner gui ~/Pictures/2024",
            "dropletcleaner gui dropletcleaner-demo --catalog demo.db",
        ),
    )
    p.add_argument(
        "folder",
        nargs="?",
        metavar="FOLDER",
        help="folder to open and scan (default: the folder open when the app last closed)",
    )
    add_catalog_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dropletcleaner.cli.display import display_problem
    from dropletcleaner.cli.qt_options import qt_environment

    qt_options = getattr(args, "qt_options", [])  # set by main (Qt's -style fusion …)
    # `-platform offscreen` needs no display, as QT_QPA_PLATFORM=offscreen does not.
    problem = display_problem(qt_environment(qt_options))
    if problem is not None:
        # Qt would abort with raw messages (exit 134): say it in one line instead.
        hint = command_line(["scan", "FOLDER"], args.catalog)
        print(
            f"dropletcleaner gui: error: {problem}; to scan from this terminal, run: {hint}",
            file=sys.stderr,
        )
        return 2
    broken = broken_qt_binding()
    if broken is not None:
        print(f"dropletcleaner gui: error: {broken}", file=sys.stderr)
        return 1
    try:
        from dropletcleaner.gui.app import run_app
    except ImportError as exc:
        print(f"dropletcleaner: the desktop app is not available: {exc}", file=sys.stderr)
        return 1
    return run_app(args.folder, catalog=args.catalog, qt_options=qt_options)


# Qt binding releases that cannot run the app on this Python: (version, below which Python).
BROKEN_QT_BINDINGS = (("6.12.0", (3, 12)),)


def broken_qt_binding(python: tuple[int, int] | None = None) -> str | None:
    """Why the installed Qt binding would abort the app here; ``None`` when it is fine.

    Shiboken 6.12.0 drops a reference to ``None`` on every Qt call that returns nothing
    when run on Python 3.10 or 3.11 (3.12 made ``None`` immortal), so the app aborts
    ("deallocating None") after seconds of scrolling. pip does not install it there (see
    pyproject.toml), but another installer might.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("shiboken6")
    except PackageNotFoundError:
        return None
    here = python or (sys.version_info.major, sys.version_info.minor)
    for bad, below in BROKEN_QT_BINDINGS:
        if installed == bad and here < below:
            return (
                f"PySide6 {bad} aborts on Python {here[0]}.{here[1]}; install another "
                "version: python3 -m pip install 'pyside6-essentials!=6.12.0'"
            )
    return None
