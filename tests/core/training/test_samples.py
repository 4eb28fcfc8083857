"""Training samples: deterministic, whole frames for calibration, twins that differ by water."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.config import TrainConfig
from dropletcleaner.core.training.samples import ROLE_DROPLET, ROLE_HARD, make_sample, plan_samples


def test_full_frame_samples_are_whole_photos_at_the_scoring_size(clean_dir: Path) -> None:
    cfg = TrainConfig(variants_per_image=6, render_size=160)
    jobs = plan_samples(sorted(clean_dir.glob("*.jpg"))[:2], cfg, 3, variants=2, full_frame=True)
    assert len(jobs) == 4
    path, seed, _, params = jobs[0]
    pixels = make_sample(path, seed, ROLE_HARD, params)
    assert pixels.shape == (PREPROCESS.input_size, PREPROCESS.input_size, 3)


def test_make_sample_is_deterministic(clean_dir: Path) -> None:
    cfg = TrainConfig()
    from dataclasses import asdict

    params = asdict(cfg)
    a = make_sample(str(clean_dir / "p0.jpg"), 7, ROLE_DROPLET, params)
    b = make_sample(str(clean_dir / "p0.jpg"), 7, ROLE_DROPLET, params)
    c = make_sample(str(clean_dir / "p0.jpg"), 7, ROLE_HARD, params)
    assert (
        a.shape == (PREPROCESS.train_input_size,) * 2 + (3,)
        and np.array_equal(a, b)
        and not np.array_equal(a, c)
    )


def test_samples_come_in_twins_that_differ_only_by_water(clean_dir: Path) -> None:
    from dropletcleaner.core.training.config import TrainConfig
    from dropletcleaner.core.training.samples import DROPLET_ROLES, ROLE_CLEAN, plan_samples

    cfg = TrainConfig(variants_per_image=6, render_size=160)
    jobs = plan_samples(sorted(clean_dir.glob("*.jpg")), cfg, split_seed=3)
    assert len(jobs) == 8 * 6
    for pos, neg in zip(jobs[::2], jobs[1::2], strict=True):
        assert pos[0] == neg[0] and pos[1] == neg[1]  # same photo, same seed
        assert pos[2] in DROPLET_ROLES and neg[2] not in DROPLET_ROLES
    params = jobs[0][3]
    path, seed = jobs[0][0], jobs[0][1]
    clean_a = make_sample(path, seed, ROLE_CLEAN, params)
    clean_b = make_sample(path, seed, ROLE_CLEAN, params)
    wet = make_sample(path, seed, ROLE_DROPLET, params)
    assert np.array_equal(clean_a, clean_b)
    diff = np.abs(wet.astype(int) - clean_a.astype(int)).max(axis=2)
    # The water changes part of the frame; the rest is the very same crop.
    assert 0.0 < (diff > 12).mean() < 0.995
    assert np.median(diff) <= 8
