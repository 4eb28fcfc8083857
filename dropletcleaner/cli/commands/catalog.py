"""The ``catalog`` sub-command: set a damaged catalog aside (renamed, never deleted)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command
from dropletcleaner.cli.options import add_catalog_option

ORDER = 80  # place in --help


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "catalog",
        help="set a damaged catalog aside and start a new one",
        description="`catalog set-aside` renames a catalog that cannot be opened because it is "
        "damaged (with its -wal and -shm files) to NAME.damaged-DATE, so the next command "
        "starts a new, empty catalog. Nothing is deleted; a healthy catalog is left alone.",
        examples=(
            "dropletcleaner catalog set-aside",
            "dropletcleaner catalog set-aside --catalog c.db",
        ),
    )
    p.add_argument("action", choices=("set-aside",), help="what to do with the catalog")
    add_catalog_option(p)
    p.set_defaults(func=run_catalog)


def run_catalog(args: argparse.Namespace) -> int:
    from dropletcleaner.core.catalog.db import CatalogError, set_aside
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.paths import default_catalog_path

    path: Path = args.catalog if args.catalog is not None else default_catalog_path()
    if not path.is_file():
        raise UsageError(f"there is no catalog file at {path}")
    try:
        Catalog(path).close()
    except CatalogError as exc:
        if not exc.damaged:
            raise
    else:
        print(f"The catalog {path} opens fine; it was left as it is.")
        return 0
    moved = set_aside(path)
    print(f"Set the damaged catalog aside as {moved}; the next scan starts a new one at {path}.")
    return 0
