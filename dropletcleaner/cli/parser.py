"""The argparse parser of ``dropletcleaner``, built from the modules of :mod:`.commands`.

Each module of ``dropletcleaner.cli.commands`` is one command group: it exposes ``ORDER: int``
(its place in ``--help``) and ``register(subparsers)``, which adds its parsers and sets
``func`` on each, a function of the parsed namespace that returns the exit code. Modules
are discovered, so adding a command never edits this file. Building the parser imports no
model code (no torch), so that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from types import ModuleType
from typing import NoReturn

from dropletcleaner import __version__
from dropletcleaner.cli import commands


def command_modules() -> list[ModuleType]:
    """Every ``dropletcleaner.cli.commands`` module, in their declared ``ORDER``."""
    modules = [
        importlib.import_module(f"{commands.__name__}.{info.name}")
        for info in pkgutil.iter_modules(commands.__path__)
    ]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


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
