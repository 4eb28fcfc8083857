"""The replay set beside a model: named after the weights, saved and read back, shape checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from dropletcleaner.core.ml.network import EMBEDDING_DIM
from dropletcleaner.core.training.replay import ReplaySet, load_replay, replay_path, save_replay


def test_the_replay_set_sits_beside_the_weights() -> None:
    weights = Path("/m/droplet-v4-r2.safetensors")
    assert replay_path(weights) == Path("/m/droplet-v4-r2.replay.safetensors")


def test_a_replay_set_round_trips_as_float16_embeddings_and_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(6, EMBEDDING_DIM)).astype(np.float32)
    labels = np.array([0, 1, 1, 0, 1, 0])
    path = tmp_path / "m.replay.safetensors"
    save_replay(ReplaySet(emb, labels), path)
    back = load_replay(path)
    assert len(back) == 6
    assert back.embeddings.dtype == np.float16 and back.labels.dtype == np.int64
    np.testing.assert_array_equal(back.labels, labels)
    np.testing.assert_array_equal(back.embeddings, emb.astype(np.float16))
    assert [p.name for p in tmp_path.iterdir()] == ["m.replay.safetensors"]  # atomic


@pytest.mark.parametrize(
    ("rows", "dim", "n_labels"), [(4, EMBEDDING_DIM - 1, 4), (4, EMBEDDING_DIM, 3)]
)
def test_a_set_that_is_not_this_model_s_embeddings_is_refused(
    tmp_path: Path, rows: int, dim: int, n_labels: int
) -> None:
    path = tmp_path / "bad.replay.safetensors"
    save_file(
        {
            "embeddings": torch.zeros(rows, dim, dtype=torch.float16),
            "labels": torch.zeros(n_labels, dtype=torch.uint8),
        },
        str(path),
    )
    with pytest.raises(ValueError, match=r"bad\.replay\.safetensors has the wrong shape"):
        load_replay(path)
