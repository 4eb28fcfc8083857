"""Sub-command ``install-desktop``: the menu entry, AppStream metainfo and icons, for the user."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command

ORDER = 85  # after the model commands in --help


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "install-desktop",
        help="add DropletCleaner to your desktop's application menu (Linux)",
        description="Install the desktop entry, the AppStream metainfo and the icons into "
        "your own data folder ($XDG_DATA_HOME, or ~/.local/share), so that the app appears "
        "in the application menu with its icon. Nothing is written outside that folder.",
        examples=(
            "dropletcleaner install-desktop",
            "dropletcleaner install-desktop --prefix ~/.local/share",
        ),
    )
    p.add_argument(
        "--prefix",
        type=Path,
        metavar="DIR",
        default=None,
        help="data folder to install into (default: $XDG_DATA_HOME, or ~/.local/share)",
    )
    p.set_defaults(func=run_install_desktop)


def run_install_desktop(args: argparse.Namespace) -> int:
    from dropletcleaner.core.desktop import APP_ID, install_desktop

    try:
        written = install_desktop(args.prefix)
    except OSError as exc:
        raise UsageError(f"cannot install the desktop files: {exc}") from exc
    for path in written:
        print(f"  {path}")
    print(f"Installed {APP_ID}: {len(written)} files. It appears in the menu as DropletCleaner.")
    return 0
