"""Map training on tiny data: the loss falls and the map lights up where the water is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from dropletcleaner.core.jobs import CancelToken, run_job
from dropletcleaner.core.ml.card import Scoring
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.network import build_imagenet_model
from dropletcleaner.core.training.map_data import ROLE_CLEAN, ROLE_WET, coverage_grid, plan_map_jobs
from dropletcleaner.core.training.map_train import (
    CachedSamples,
    MapTrainConfig,
    cache_features,
    fit_map_model,
    predict,
    to_map_model,
)
from tests.helpers import write_jpeg

SIZE, GRID, SPLIT = 128, 4, 5


def _tiny_samples(n: int, seed: int, model: torch.nn.Module) -> CachedSamples:
    """Grey noise photos; the wet ones carry a bright, soft blob in one quadrant."""
    rng = np.random.default_rng(seed)
    pixels, grids, jobs = [], [], []
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    for i in range(n):
        img = rng.normal(110, 25, (SIZE, SIZE, 3))
        mask = np.zeros((SIZE, SIZE), np.float32)
        if i % 2:
            qy, qx = rng.integers(0, 2, 2) * (SIZE // 2)
            mask[qy : qy + SIZE // 2, qx : qx + SIZE // 2] = 1.0
            blob = np.exp(-(((yy - qy - 32) ** 2 + (xx - qx - 32) ** 2) / 300.0))
            img = img * (1 - 0.6 * mask[..., None]) + 230 * 0.6 * (mask * (0.5 + blob))[..., None]
        pixels.append(np.clip(img, 0, 255).astype(np.uint8))
        grids.append(coverage_grid(mask, GRID))
        jobs.append(("tiny", i, ROLE_WET if i % 2 else ROLE_CLEAN, GRID))
    with torch.inference_mode():
        feats = model.stem_features(to_model_tensor(np.stack(pixels)), SPLIT)  # type: ignore[operator]
    return CachedSamples(
        features=feats.to(torch.float16),
        grids=torch.from_numpy(np.stack(grids)).to(torch.float16),
        labels=torch.tensor([i % 2 for i in range(n)]),
        jobs=jobs,
    )


def test_map_training_lowers_the_loss_and_lights_the_wet_cells() -> None:
    base = build_imagenet_model().eval()
    model = to_map_model(base, Scoring("map", top_fraction=0.25, mix=0.5))
    train = _tiny_samples(32, 0, base)
    val = _tiny_samples(16, 1, base)
    cfg = MapTrainConfig(epochs=4, batch_size=8, lr_tail=1e-3, lr_heads=1e-2, hard_fraction=0.25)
    run_job(fit_map_model(model, train, val, cfg))
    losses = [h["train_loss"] for h in cfg.history]
    assert losses[-1] < losses[0]
    _, cells = predict(model, val.features, SPLIT)
    wet = val.grids.float() > 0.5
    assert cells[wet].mean() > cells[~wet].mean() + 1.0
    assert cfg.history[-1]["val_auroc"] > 0.9


def test_cache_features_renders_jobs_in_workers(tmp_path: Path) -> None:
    photos = [write_jpeg(tmp_path / f"p{i}.jpg", size=(320, 240), seed=i) for i in range(2)]
    jobs = plan_map_jobs(photos, seed=3, grid=9, scene_fraction=0.0)
    base = build_imagenet_model().eval()
    cached = run_job(cache_features(base, jobs, SPLIT, CancelToken(), workers=1))
    assert len(cached.jobs) == 4 and cached.labels.tolist() == [1, 0, 1, 0]
    assert cached.features.shape == (4, 112, 18, 18)  # 288 px frames at stride 16
    assert cached.grids.shape == (4, 9, 9)
    assert float(cached.grids[0].max()) > 0 and float(cached.grids[1].max()) == 0


def test_a_further_round_keeps_the_parents_droplet_map() -> None:
    scoring = Scoring("map", top_fraction=0.25, mix=0.5)
    parent = to_map_model(build_imagenet_model().eval(), scoring)
    assert parent.map_head is not None
    with torch.no_grad():
        parent.map_head.weight.normal_()
    child = to_map_model(parent, scoring)
    assert child.map_head is not None
    assert torch.equal(child.map_head.weight, parent.map_head.weight)
