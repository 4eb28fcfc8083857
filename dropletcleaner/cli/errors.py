"""How a command's failure reaches the user: one line on stderr and an exit code, no traceback.

Exit codes: 0 it worked, 1 it ran but did not do all it was asked (a photo that failed to
move, a retrain that was not accepted), 2 bad usage, a catalog that cannot be used
(damaged, locked, read-only, disk full), or no display for the app; 130 interrupted.
Output into a closed pipe (``dropletcleaner model list | head -1``) ends the command
quietly with 0: whoever read it stopped early.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
import sys
import traceback
from pathlib import Path

from dropletcleaner.cli.helptext import command_line


class UsageError(Exception):
    """Bad usage detected after parsing (e.g. a folder that does not exist): exit code 2."""


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command; what a user can fix becomes one line and exit code 2."""
    from dropletcleaner.core.catalog.db import CatalogError, catalog_error

    func = getattr(args, "func", None)
    if func is None:
        print(
            "dropletcleaner: error: no command given (see `dropletcleaner --help`)", file=sys.stderr
        )
        return 2
    try:
        return int(func(args))
    except UsageError as exc:
        print(f"dropletcleaner {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (CatalogError, sqlite3.Error) as exc:
        if not isinstance(exc, CatalogError):  # failed after it opened: a lock, a full disk
            exc = catalog_error(exc, _catalog_path(args))
        hint = ""
        if exc.damaged:
            hint = f"; to set it aside and start a new one, run: {set_aside_hint(args.catalog)}"
        print(f"dropletcleaner {args.command}: error: {exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # the reader went away (| head): main() ends quietly
    except Exception as exc:  # a bug: one line for the user, the traceback kept for a report
        where = _keep_traceback()
        kept = f"; details in {where}" if where else ""
        text = " ".join(str(exc).split())[:200]
        print(
            f"dropletcleaner {args.command}: internal error: {type(exc).__name__}: {text}{kept}",
            file=sys.stderr,
        )
        return 1


def _keep_traceback() -> Path | None:
    """Write the current exception's traceback to the cache folder; ``None`` if it cannot."""
    from dropletcleaner.core.atomic import atomic_write_text
    from dropletcleaner.core.paths import cache_dir

    path = cache_dir() / "last-error.txt"
    try:
        atomic_write_text(path, traceback.format_exc())
    except OSError:
        return None
    return path


def set_aside_hint(catalog: Path | None) -> str:
    """The command a user types to set a damaged catalog aside."""
    return command_line(["catalog", "set-aside"], catalog)


def _catalog_path(args: argparse.Namespace) -> Path:
    from dropletcleaner.core.paths import default_catalog_path

    path = getattr(args, "catalog", None)
    return Path(path) if path is not None else default_catalog_path()


def print_any_file_name(stream: object) -> None:
    """Print a path that is not valid UTF-8 as its own bytes instead of failing."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        with contextlib.suppress(ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="surrogateescape")


def drop_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
