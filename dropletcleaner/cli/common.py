"""Options and helpers shared by sub-commands: catalog location, threshold, model loading."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported when used, so that building the parser stays fast (no torch)
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.ml.checkpoint import LoadedModel


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


def open_catalog(args: argparse.Namespace) -> Catalog:
    from dropletcleaner.core.catalog.photos import Catalog

    return Catalog(getattr(args, "catalog", None))


def load_model_announced(weights: Path | None = None) -> LoadedModel:
    """Load ``weights`` or the active model; warn loudly on stderr when its head is untrained."""
    if weights is not None:
        from dropletcleaner.core.ml.card import ModelLoadError
        from dropletcleaner.core.ml.checkpoint import load_model

        try:
            loaded = load_model(weights)
        except (ModelLoadError, OSError) as exc:
            from dropletcleaner.cli import UsageError

            raise UsageError(f"cannot load model {weights}: {exc}") from exc
    else:
        from dropletcleaner.core.ml.card import ModelLoadError
        from dropletcleaner.core.ml.store import load_default_model

        try:
            loaded = load_default_model()
        except ModelLoadError as exc:  # the shipped model itself: nothing left to fall back on
            from dropletcleaner.cli import UsageError

            raise UsageError(
                f"{exc}; reinstall dropletcleaner to restore the shipped model"
            ) from exc
    if not loaded.trained:
        print(
            "WARNING: no trained droplet model is installed. Scores come from an UNTRAINED "
            "head and mean nothing; do not act on them.",
            file=sys.stderr,
        )
    return loaded


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


@contextlib.contextmanager
def json_stdout(enabled: bool) -> Iterator[Callable[[object], None]]:
    """With ``enabled``, stdout is kept for the one JSON document the command emits.

    Everything else the command prints meanwhile (settled journal entries, hints) goes to
    stderr, so that ``| jq`` reads valid JSON.
    """
    real = sys.stdout

    def emit(doc: object) -> None:
        emit_json(doc, real)

    if not enabled:
        yield emit
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield emit


def emit_json(doc: object, stream: TextIO | None = None) -> None:
    """Write ``doc`` as indented JSON; NaN and infinities (undefined figures) become null."""
    (stream or sys.stdout).write(json.dumps(_finite(doc), indent=1, allow_nan=False) + "\n")


def _finite(doc: object) -> object:
    if isinstance(doc, float):
        return doc if math.isfinite(doc) else None
    if isinstance(doc, dict):
        return {k: _finite(v) for k, v in doc.items()}
    if isinstance(doc, (list, tuple)):
        return [_finite(v) for v in doc]
    return doc
