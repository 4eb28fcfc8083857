"""A scorer without a network, for tests of everything around the model (the app, scans).

Scores are a deterministic function of the pixels, so a test can make a photo score high
or low by its content: a photo's score is the share of its pixels that are pure blue
(0, 0, 255), squashed into 0-1, and its droplet map marks the cells where those pixels lie.
No torch model is built, so a test using it starts in milliseconds. It implements
:class:`~dropletcleaner.core.ml.inference.protocol.DropletScorer`.
"""

from __future__ import annotations

import numpy as np

EMBEDDING_DIM = 1280
GRID = 9  # the droplet map's grid, as the real model gives at 288 px


class FakeScorer:
    """Deterministic scores from pixel content: pure blue reads as water."""

    backend_name = "fake"

    def __init__(
        self,
        version: str = "fake-model",
        threshold: float = 0.5,
        input_size: int = 288,
        has_map: bool = True,
        looks: tuple[int, ...] = (),
        look_above: float = 1.0,
    ) -> None:
        self._version, self._threshold, self._has_map = version, threshold, has_map
        self.input_size = input_size
        self._looks, self._look_above = looks, look_above
        self.batches_seen = 0
        self.sizes_seen: list[int] = []  # the input size of every batch, in order

    @property
    def version(self) -> str:
        return self._version

    @property
    def threshold(self) -> float:
        return self._threshold

    @property
    def trained(self) -> bool:
        return True

    @property
    def has_map(self) -> bool:
        return self._has_map

    @property
    def looks(self) -> tuple[int, ...]:
        return self._looks

    @property
    def look_above(self) -> float:
        return self._look_above

    def embed_and_map(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(embeddings [B, 1280], map logits [B, 9, 9])`` from where the blue pixels are."""
        self.batches_seen += 1
        self.sizes_seen.append(int(np.shape(pixels)[1]))
        p = np.asarray(pixels, dtype=np.int16)
        blue = (p[..., 0] == 0) & (p[..., 1] == 0) & (p[..., 2] == 255)  # [B, H, W]
        b, h, w = blue.shape
        rows = np.array_split(np.arange(h), GRID)
        cols = np.array_split(np.arange(w), GRID)
        share = np.array(
            [[[blue[i][np.ix_(r, c)].mean() for c in cols] for r in rows] for i in range(b)],
            dtype=np.float32,
        )
        cells = np.log((share + 1e-3) / (1.0 - share + 1e-3)).astype(np.float32)
        embeddings = np.zeros((b, EMBEDDING_DIM), dtype=np.float32)
        embeddings[:, 0] = blue.reshape(b, -1).mean(axis=1)
        embeddings[:, 1] = p.reshape(b, -1).mean(axis=1) / 255.0  # brightness: varies a little
        return embeddings, cells

    def embed(self, pixels: np.ndarray) -> np.ndarray:
        return self.embed_and_map(pixels)[0]

    def scores_from_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        """Blue share 0 -> 0.05, 0.1 -> 0.5, 0.3 and more -> about 0.99."""
        blue = np.asarray(embeddings, dtype=np.float32)[:, 0]
        return (1.0 / (1.0 + np.exp(-(blue - 0.1) * 30.0)) * 0.98 + 0.01).astype(np.float32)

    def score(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        emb = self.embed(pixels)
        return emb, self.scores_from_embeddings(emb)
