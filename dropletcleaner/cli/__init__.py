"""The ``dropletcleaner`` command: a thin argparse front over :mod:`dropletcleaner.core`.

Each sub-command group lives in its own ``commands_*.py`` module exposing
``ORDER: int`` (its place in ``--help``) and ``register(subparsers)``; the module sets
``func`` on its parser, which receives the parsed namespace and returns an exit code.
Modules are discovered, so adding a command never edits this file.
Bad usage exits with code 2 and a one-line message.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        args_list = ["gui"]
    args = parser.parse_args(args_list)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args))
    except UsageError as exc:
        print(f"dropletcleaner {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def gui_main() -> int:
    """Entry point of the ``dropletcleaner-gui`` launcher (no console window on Windows)."""
    return main(["gui", *sys.argv[1:]])
