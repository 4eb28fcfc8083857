"""The ``dropletcleaner`` command: a thin argparse front over :mod:`dropletcleaner.core`.

Each sub-command group lives in its own ``commands_*.py`` module exposing
``ORDER: int`` (its place in ``--help``) and ``register(subparsers)``; the module sets
``func`` on its parser, which receives the parsed namespace and returns an exit code.
Modules are discovered, so adding a command never edits this file.
Bad usage exits with code 2 and a one-line message (no usage block), and so does a
catalog that cannot be used (damaged, locked, read-only, disk full). Output into a closed pipe
(``dropletcleaner model list | head -1``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import pkgutil
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from dropletcleaner import __version__


def command_modules() -> list[ModuleType]:
    """Every ``dropletcleaner.cli.commands_*`` module, in their declared ``ORDER``."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("commands_")
    ]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


class UsageError(Exception):
    """Bad usage detected after parsing (e.g. a folder that does not exist): exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """Bad usage is one line on stderr, with where to read more, and exit code 2.

    argparse's own error repeats the whole usage block (five lines and more for the larger
    commands), which buries the one line that says what was wrong. Sub-command parsers are
    made from the same class, so every command behaves alike.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="dropletcleaner",
        description="Find photos spoiled by water drops on the lens, explain and quarantine them.",
        epilog="Run `dropletcleaner COMMAND --help` for a command's options and examples. "
        "With no command, the desktop app opens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _print_any_file_name(sys.stdout)
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        _drop_stdout()
        return 0  # whoever read the output stopped early (| head): not an error


def _print_any_file_name(stream: object) -> None:
    """Print a path that is not valid UTF-8 as its own bytes instead of failing."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        with contextlib.suppress(ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="surrogateescape")


def _drop_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _catalog_path(args: argparse.Namespace) -> Path:
    from dropletcleaner.core.paths import default_catalog_path

    path = getattr(args, "catalog", None)
    return Path(path) if path is not None else default_catalog_path()


def _main(argv: Sequence[str] | None) -> int:
    from dropletcleaner.cli.qt_options import app_arguments
    from dropletcleaner.core.catalog.db import CatalogError, catalog_error

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        args_list = ["gui"]
    # Qt's own options (-style fusion) are the app's, not ours: argparse would refuse them.
    args_list, qt_options = app_arguments(args_list)
    args = parser.parse_args(args_list)
    args.qt_options = qt_options
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
            from dropletcleaner.cli.commands_catalog import set_aside_hint

            hint = f"; to set it aside and start a new one, run: {set_aside_hint(args.catalog)}"
        print(f"dropletcleaner {args.command}: error: {exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def gui_main() -> int:
    """Entry point of the ``dropletcleaner-gui`` launcher (no console window on Windows)."""
    return main(["gui", *sys.argv[1:]])
