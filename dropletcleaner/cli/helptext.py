"""Wording shared by the sub-commands: the help layout, plurals and hints to type next."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dropletcleaner.core.wording import plural

__all__ = [
    "EXAMPLES",
    "HelpFormatter",
    "add_command",
    "changed_flag",
    "command_line",
    "plural",
    "rescored_later",
]

EXAMPLES = "Examples:\n"


class HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions as usual, but keeps the lines of an ``Examples:`` epilog as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(EXAMPLES):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def add_command(
    sub: Any, name: str, *, help: str, description: str, examples: Sequence[str] = ()
) -> argparse.ArgumentParser:
    """A sub-command parser with a description and, when given, an epilog of example lines."""
    epilog = EXAMPLES + "".join(f"  {line}\n" for line in examples) if examples else None
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=description, epilog=epilog, formatter_class=HelpFormatter
    )
    return parser


def command_line(words: Sequence[str | Path], catalog: Path | None = None) -> str:
    """A ``dropletcleaner …`` command to show as a hint, repeating ``--catalog`` when one was used.

    Words are quoted for a POSIX shell where they need it (spaces, quotes).
    """
    parts = ["dropletcleaner", *(str(w) for w in words)]
    if catalog is not None:
        parts += ["--catalog", str(catalog)]
    return shlex.join(parts)


def changed_flag(n: int) -> str:
    """``"no photo changed flag"``, ``"1 photo changed flag"``, ``"3 photos changed flag"``."""
    return f"{plural(n, 'photo') if n else 'no photo'} changed flag"


def rescored_later(n: int) -> str:
    """Photos whose scores wait for their folder's next scan (``retrain``, ``model use``)."""
    whose = "its" if n == 1 else "their"
    return f"{plural(n, 'photo')} will be re-scored when {whose} folder is next scanned"
