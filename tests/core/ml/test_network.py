"""The droplet network: map-guided pooling, one pass for embedding and map, the CAM fallback."""

from __future__ import annotations

import torch

from dropletcleaner.core.ml.card import Scoring
from dropletcleaner.core.ml.network import DropletNet, map_pool


def test_mean_pooling_is_the_global_average() -> None:
    feats = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
    out = map_pool(feats, torch.zeros(2, 2, 2), Scoring())
    assert torch.allclose(out, feats.mean(dim=(2, 3)))


def test_map_pooling_mixes_the_frame_mean_with_the_wettest_cells() -> None:
    feats = torch.zeros(1, 2, 2, 2)
    feats[0, :, 0, 1] = torch.tensor([4.0, 8.0])  # the one wet cell
    cells = torch.tensor([[[-5.0, 5.0], [-5.0, -5.0]]])
    out = map_pool(feats, cells, Scoring("map", top_fraction=0.25, mix=0.5))
    # mean over 4 cells is (1, 2); the top cell is (4, 8): half of each
    assert torch.allclose(out, torch.tensor([[2.5, 5.0]]))


def test_one_hot_cell_moves_a_map_score_less_than_a_max_would() -> None:
    feats = torch.zeros(1, 1, 4, 4)
    feats[0, 0, 0, 0] = 16.0
    cells = feats[:, 0]
    pooled = map_pool(feats, cells, Scoring("map", top_fraction=0.25, mix=0.5))
    assert float(pooled) < 16.0 / 2  # averaged with three dry top cells and the frame mean


def test_map_model_gives_embedding_and_map_in_one_pass() -> None:
    model = DropletNet(scoring=Scoring("map")).eval()
    with torch.no_grad():
        emb, cells = model.embed_with_map(torch.zeros(2, 3, 96, 96))
        logits = model(torch.zeros(2, 3, 96, 96))
    assert emb.shape == (2, 1280) and cells.shape == (2, 3, 3) and logits.shape == (2, 2)
    assert model.has_map and not DropletNet().has_map


def test_a_model_without_map_head_still_has_an_activation_map() -> None:
    model = DropletNet().eval()
    with torch.no_grad():
        feats = model.forward_features(torch.zeros(1, 3, 64, 64))
        cells = model.droplet_map(feats)
        direct = model.head(feats.mean(dim=(2, 3)))
    # The mean of the per-cell droplet-minus-clean logits is the photo's logit difference.
    assert torch.allclose(cells.mean(), direct[0, 1] - direct[0, 0], atol=1e-4)
