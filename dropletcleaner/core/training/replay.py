"""The replay set beside a model: base-training embeddings that keep retraining from forgetting.

Base training, map training and deep retraining write one next to the weights
(``<stem>.replay.safetensors``: float16 embeddings, uint8 labels); fast retraining mixes it
with the user's labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save

from dropletcleaner.core.atomic import atomic_write_bytes
from dropletcleaner.core.ml.network import EMBEDDING_DIM


@dataclass
class ReplaySet:
    """Base-training embeddings (float16) and labels (1 = droplet) kept beside a model."""

    embeddings: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def replay_path(weights: Path) -> Path:
    return weights.with_name(weights.stem + ".replay.safetensors")


def load_replay(path: Path) -> ReplaySet:
    """Read a replay set; ``ValueError`` when it does not hold embeddings of this model."""
    tensors = load_file(str(path))
    emb = tensors["embeddings"].numpy().astype(np.float16)
    labels = tensors["labels"].numpy().astype(np.int64)
    if emb.ndim != 2 or emb.shape[1] != EMBEDDING_DIM or len(emb) != len(labels):
        raise ValueError(f"replay set {path.name} has the wrong shape {tuple(emb.shape)}")
    return ReplaySet(emb, labels)


def save_replay(replay: ReplaySet, path: Path) -> None:
    """Write a replay set atomically (float16 embeddings, uint8 labels)."""
    data = save(
        {
            "embeddings": torch.from_numpy(np.ascontiguousarray(replay.embeddings, np.float16)),
            "labels": torch.from_numpy(np.ascontiguousarray(replay.labels, np.uint8)),
        }
    )
    atomic_write_bytes(path, data)
