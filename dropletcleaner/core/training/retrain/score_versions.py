"""A threshold judges only the scores of its own model version.

The active model is global but scores live in each catalog, so a catalog may hold scores
from a model that is no longer active (switched in another catalog, or by ``model use``
while this one was closed). Applying the active threshold to them would flag the wrong
photos. Before a command acts on the active threshold, :func:`align_scores` re-scores such
rows from their stored embeddings when the active model can read them; what is left must
be rescanned, and the command refuses until then.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from dropletcleaner.core.catalog.photos import STATE_PRESENT, Catalog

if TYPE_CHECKING:
    from dropletcleaner.core.ml.checkpoint import LoadedModel


def other_versions(catalog: Catalog, root: Path, version: str) -> Counter[str]:
    """Model versions other than ``version`` whose scores decide photos under ``root``.

    A labelled photo is decided by its label, not its score, so it does not count.
    """
    counts: Counter[str] = Counter()
    for r in catalog.photos(os.path.abspath(root)):
        if r.state != STATE_PRESENT or r.error or r.label is not None or r.score is None:
            continue
        if r.model_version != version:
            counts[r.model_version or "an unknown model"] += 1
    return counts


def align_scores(catalog: Catalog, root: Path, model: LoadedModel) -> Counter[str]:
    """Re-score rows of other versions with ``model`` where it can; returns what is left."""
    from dropletcleaner.core.training.retrain.rescore import apply_rescore, plan_rescore

    if not other_versions(catalog, root, model.version):
        return Counter()
    # The whole catalog, as `model use` does: every compatible row gets the active version.
    apply_rescore(catalog, plan_rescore(catalog, model))
    return other_versions(catalog, root, model.version)
