"""Scoring decoded photos as the model card says: a first look, and a second for a few.

Every path that scores photos (the scan, ``evaluate``, calibration) goes through
:func:`score_photos`, so a threshold chosen on one means the same on the others.

The first look sees the whole frame at the card's input size. Tiny drops (windscreen specks)
cover few cells of that grid, and the false alarms of one look are view-specific, so a photo
whose first-look score reaches the card's ``look_above`` is seen again at each of its
``looks`` sizes, and its embedding becomes the mean of the looks' pooled embeddings. The
head is linear, so that is the mean of the looks' margins, and the embedding stored in the
catalog stays what the score is computed from (fast retraining reuses it). The gate sits far
below the threshold, so the photos below it could not have been flagged anyway; they keep
their first look's embedding. The droplet map is always the first look's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from dropletcleaner.core.ml.inference.protocol import DropletScorer


class Frames(Protocol):
    """A photo as the model sees it: the first look's pixels and each further look's.

    A scan's :class:`~dropletcleaner.core.photos.decode.DecodedPhoto` is one; so are the
    rendered examples that judge a retrain.
    """

    @property
    def pixels(self) -> np.ndarray: ...

    @property
    def looks(self) -> dict[int, np.ndarray]: ...


@dataclass
class PhotoScores:
    """What scoring a batch of photos gives: one row per photo, in order."""

    embeddings: np.ndarray  # float16 [B, C]: what the catalog stores and scores come from
    scores: np.ndarray  # calibrated P(droplet) [B]
    cells: np.ndarray  # the first look's droplet-map logits [B, h, w]
    looked_again: np.ndarray  # bool [B]: whether the photo got its further looks


def score_photos(scorer: DropletScorer, photos: Sequence[Frames]) -> PhotoScores:
    """Score decoded photos (decoded with ``looks=scorer.looks``) as the model card says."""
    emb32, cells = scorer.embed_and_map(np.stack([p.pixels for p in photos]))
    # Scores come from the stored float16 embedding, so a re-score from the catalog matches.
    emb = emb32.astype(np.float16)
    scores = scorer.scores_from_embeddings(emb)
    again = np.zeros(len(photos), dtype=bool)
    if scorer.looks:
        again = scores >= scorer.look_above
    picked = np.flatnonzero(again)
    if picked.size:
        total = emb32[picked].astype(np.float64)
        for size in scorer.looks:
            pixels = np.stack([_look(photos[int(i)], size) for i in picked])
            total += scorer.embed_and_map(pixels)[0]
        emb[picked] = (total / (1 + len(scorer.looks))).astype(np.float16)
        scores = np.array(scores, copy=True)
        scores[picked] = scorer.scores_from_embeddings(emb[picked])
    return PhotoScores(emb, np.asarray(scores), cells, again)


def _look(photo: Frames, size: int) -> np.ndarray:
    try:
        return photo.looks[size]
    except KeyError:
        raise ValueError(f"photo was not decoded for a {size} px look") from None


__all__ = ["Frames", "PhotoScores", "score_photos"]
