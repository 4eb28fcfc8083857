"""Re-scoring the catalog with a model, from the stored embeddings: plan first, then apply.

:func:`plan_rescore` scores every stored embedding a model can read and counts the photos
whose flag would change, writing nothing (the retrain dialog shows it before Accept);
:func:`apply_rescore` writes a plan in one transaction. No photo is decoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.training.retrain.versions import Versions


def score_embeddings(model: DropletNet, embeddings: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Calibrated P(droplet) for stored embeddings, in large vectorised chunks."""
    out = np.empty(len(embeddings), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(embeddings), chunk):
            emb = torch.from_numpy(np.asarray(embeddings[i : i + chunk], dtype=np.float32))
            out[i : i + chunk] = model.proba_from_embedding(emb).numpy()
    return out


@dataclass
class RescorePlan:
    """New scores for every stored embedding a model can read, and what would change."""

    version: str
    ids: np.ndarray
    scores: np.ndarray
    changed: int  # photos whose flag (score >= threshold) would flip
    skipped: int  # embeddings from another backbone: they are re-scored at the next scan


def plan_rescore(
    catalog: Catalog, model: LoadedModel, *, previous: Sequence[LoadedModel] = ()
) -> RescorePlan:
    """Score every compatible stored embedding with ``model``; writes nothing.

    A row's old flag uses the threshold of the model version that gave its score.
    """
    ids, emb, old_scores, version_list = catalog.scored_embeddings()
    if len(ids) == 0:
        return RescorePlan(model.version, ids, np.zeros(0, np.float32), 0, 0)
    versions = np.asarray([v or "" for v in version_list], dtype=object)
    book = Versions(model, *previous)
    mine = book.backbone(model.version)
    compatible = np.zeros(len(ids), dtype=bool)
    old_threshold = np.full(len(ids), 0.5)
    for v in set(versions.tolist()):
        rows = versions == v
        compatible[rows] = book.backbone(v or None) == mine
        old_threshold[rows] = book.threshold(v or None)
    scores = score_embeddings(model.model, emb[compatible])
    was_flagged = np.nan_to_num(old_scores[compatible], nan=-1.0) >= old_threshold[compatible]
    changed = int((was_flagged != (scores >= model.threshold)).sum())
    return RescorePlan(model.version, ids[compatible], scores, changed, int((~compatible).sum()))


def apply_rescore(catalog: Catalog, plan: RescorePlan) -> None:
    """Write a plan's scores and model version in one transaction (one executemany)."""
    catalog.update_scores(plan.ids.tolist(), plan.scores.tolist(), plan.version)


def rescore_catalog(catalog: Catalog, model: LoadedModel) -> int:
    """Re-score every stored embedding ``model`` can read, without decoding any photo.

    Records ``model.version`` on each re-scored row; returns how many photos changed flag.
    """
    plan = plan_rescore(catalog, model)
    apply_rescore(catalog, plan)
    return plan.changed
