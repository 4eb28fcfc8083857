"""The ``demo`` sub-command: a folder of generated photos, and ``--tour`` through the loop."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command, command_line, plural

ORDER = 11  # place in --help: after scan


def register(sub: Any) -> None:
    d = add_command(
        sub,
        "demo",
        help="write a small demo folder of generated photos to try the app on",
        description="Write a folder of photos the app generates itself: some with water drops "
        "on the lens, some clean (a dim room, a blurred one and dew on a leaf among them), "
        "and two broken files, with "
        "demo-manifest.json saying which is which. Scan it, or open it in the app; --tour "
        "takes you through the whole loop on it.",
        examples=(
            "dropletcleaner demo",
            "dropletcleaner demo ~/demo --tour",
            "dropletcleaner scan dropletcleaner-demo",
        ),
    )
    d.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar="FOLDER",
        default=Path("dropletcleaner-demo"),
        help="where to write it; it must be new or empty (default: ./dropletcleaner-demo)",
    )
    d.add_argument(
        "--tour",
        action="store_true",
        help="then walk through scan, review, label, retrain, quarantine and undo on it, "
        "printing each command (default: only write the folder)",
    )
    d.add_argument(
        "--catalog",
        metavar="PATH",
        type=Path,
        default=None,
        help="with --tour: the catalog the tour uses (default: FOLDER.catalog.db beside FOLDER, "
        "so your own catalog is left alone)",
    )
    d.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from dropletcleaner.core.synthetic.demo import DemoFolderError, make_demo_folder

    if args.tour:
        return _run_tour(args)
    if args.catalog is not None:
        raise UsageError("--catalog is for --tour; scan the demo folder with --catalog instead")
    try:
        manifest = make_demo_folder(args.folder)
    except DemoFolderError as exc:
        raise UsageError(str(exc)) from exc
    print(
        f"Demo folder written to {manifest.folder}: {plural(len(manifest.droplet), 'photo')} "
        f"with water drops, {plural(len(manifest.clean), 'clean photo')} (a dim room, a "
        f"blurred one and dew on a leaf among them) and "
        f"{plural(len(manifest.broken), 'broken file')}."
    )
    print(f"Try:  {command_line(['scan', manifest.folder])}")
    print(f"  or: {command_line(['gui', manifest.folder])}")
    print(f"  or, for a guided walk-through: {command_line(['demo', 'NEW-FOLDER', '--tour'])}")
    return 0


def _run_tour(args: argparse.Namespace) -> int:
    from dropletcleaner.cli.demo_tour import run_tour
    from dropletcleaner.core.synthetic.demo import DemoFolderError

    try:
        result = run_tour(args.folder, args.catalog)
    except DemoFolderError as exc:
        raise UsageError(str(exc)) from exc
    if result.code == 0:
        print("Tour finished: every step worked.")
    else:
        print("Tour stopped early; the step above says why.")
    return result.code
