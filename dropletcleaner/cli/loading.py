"""What commands load before they work: the catalog and the droplet model.

A model that cannot be loaded, or the shipped one missing, is a one-line ``UsageError``; an
untrained model is announced on stderr before any score is shown, so nobody acts on it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dropletcleaner.cli.errors import UsageError

if TYPE_CHECKING:  # imported when used, so that building the parser stays fast (no torch)
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.ml.checkpoint import LoadedModel


def open_catalog(args: argparse.Namespace) -> Catalog:
    """The catalog that ``--catalog`` names, or the user's own one."""
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
            raise UsageError(f"cannot load model {weights}: {exc}") from exc
    else:
        from dropletcleaner.core.ml.card import ModelLoadError
        from dropletcleaner.core.ml.store import load_default_model

        try:
            loaded = load_default_model()
        except ModelLoadError as exc:  # the shipped model itself: nothing left to fall back on
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


def model_threshold() -> float:
    """The active model's threshold, read from its card (the weights are not loaded)."""
    from dropletcleaner.core.ml.card import ModelLoadError
    from dropletcleaner.core.ml.store import default_model_card

    try:
        card = default_model_card()
    except ModelLoadError as exc:
        raise UsageError(f"{exc}; pass --threshold") from exc
    if not card.trained:
        print(
            "WARNING: no trained droplet model is installed; scores mean nothing. Only act on "
            "photos you labelled droplet, or check the dry run (--dry-run) first.",
            file=sys.stderr,
        )
    return card.threshold
