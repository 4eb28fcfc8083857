"""The ``gui`` sub-command: open the desktop app, optionally scanning a folder at once."""

from __future__ import annotations

import argparse
import sys
from typing import Any

ORDER = 90  # place in --help


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the desktop app (the default with no command)")
    p.add_argument("folder", nargs="?", help="folder to open and scan")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        from dropletcleaner.gui.app import run_app
    except ImportError as exc:
        print(f"dropletcleaner: the desktop app is not available: {exc}", file=sys.stderr)
        return 1
    return run_app(args.folder)
