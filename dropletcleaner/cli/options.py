"""Options and argument types that several commands share.

The ``type=`` callables reject out-of-range values, so that a bad value ends the command
with argparse's one-line usage error and exit code 2, e.g.
``dropletcleaner evaluate: error: argument --worst: must be 0 or more, not -1``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def int_at_least(minimum: int) -> Callable[[str], int]:
    """A whole number that is ``minimum`` or more."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {value}")
        return value

    parse.__name__ = f"int_at_least_{minimum}"
    return parse


def float_between(low: float, high: float, *, open_low: bool = False) -> Callable[[str], float]:
    """A number in ``[low, high]`` (``(low, high]`` with ``open_low``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        too_low = value <= low if open_low else value < low
        if too_low or value > high or value != value:  # value != value: NaN
            floor = f"above {low:g}" if open_low else f"{low:g} or more"
            limits = floor if high == float("inf") else f"{floor} and at most {high:g}"
            raise argparse.ArgumentTypeError(f"must be {limits}, not {text}")
        return value

    parse.__name__ = "number"
    return parse


non_negative_int = int_at_least(0)
positive_int = int_at_least(1)
positive_float = float_between(0.0, float("inf"), open_low=True)
non_negative_float = float_between(0.0, float("inf"))


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """``--data CLEAN_DIR``, repeatable and required: a user's photos are never assumed."""
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        metavar="CLEAN_DIR",
        required=True,
        help="folder of your own droplet-free photos (repeatable; required, no default)",
    )


def add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        metavar="PATH",
        type=Path,
        default=None,
        help="catalog database to use (default: one per user in the app data folder)",
    )


def threshold_value(text: str) -> float:
    """argparse type for a threshold in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"threshold must be between 0 and 1, not {value}")
    return value


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """``--exclude GLOB`` (repeatable) and ``--no-recursive``, for scan and quarantine."""
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out files and folders whose name or path relative to FOLDER matches "
        "GLOB, e.g. '*.png' or 'raw/*' (repeatable; default: none)",
    )
    parser.add_argument(
        "--no-recursive",
        dest="recursive",
        action="store_false",
        help="only the photos directly in FOLDER (default: its sub-folders too)",
    )


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="draw no progress bar (default: draw one)"
    )


def add_json_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help=f"print {what} as JSON on stdout, for scripts (default: text)",
    )
