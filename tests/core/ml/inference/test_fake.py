"""The fake scorer: deterministic scores from pixel content, shaped like the real scorer's."""

from __future__ import annotations

import numpy as np

from dropletcleaner.core.ml.inference.fake import GRID, FakeScorer
from dropletcleaner.core.ml.inference.protocol import DropletScorer


def test_blue_pixels_read_as_water_where_they_are() -> None:
    scorer: DropletScorer = FakeScorer(threshold=0.5)
    clean = np.full((1, 288, 288, 3), 120, dtype=np.uint8)
    wet = clean.copy()
    wet[0, :96, :96] = (0, 0, 255)  # the top-left ninth
    emb, cells = scorer.embed_and_map(np.concatenate([clean, wet]))
    assert emb.shape == (2, 1280) and cells.shape == (2, GRID, GRID)
    scores = scorer.scores_from_embeddings(emb)
    assert scores[0] < 0.1 < 0.5 < scores[1]
    assert cells[1, 0, 0] > 0 > cells[1, -1, -1] and (cells[0] < 0).all()


def test_scores_agree_between_score_and_embeddings() -> None:
    scorer = FakeScorer()
    pixels = np.random.default_rng(0).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    emb, scores = scorer.score(pixels)
    assert np.array_equal(scores, scorer.scores_from_embeddings(emb))
    assert ((scores > 0) & (scores < 1)).all()
