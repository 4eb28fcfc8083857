"""Base training: a tiny end-to-end run on generated photos learns and writes a usable model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dropletcleaner.core.jobs import Progress, run_job
from dropletcleaner.core.ml.calibration import choose_threshold
from dropletcleaner.core.ml.checkpoint import load_model
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.synthetic.lens_water.kinds import KINDS
from dropletcleaner.core.training.base import (
    ROLE_DROPLET,
    ROLE_HARD,
    TrainConfig,
    make_sample,
    plan_samples,
    recalibrate,
    train_base,
)
from dropletcleaner.core.training.data import dedupe_by_phash, split_of
from dropletcleaner.core.training.optim import class_weights
from dropletcleaner.core.training.replay import load_replay, replay_path
from tests.helpers import write_jpeg


@pytest.fixture
def clean_dir(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    for i in range(8):
        write_jpeg(root / f"p{i}.jpg", size=(320, 240), seed=i)
    return root


def tiny_config(clean_dir: Path) -> TrainConfig:
    return TrainConfig(
        data=[str(clean_dir)],
        variants_per_image=6,
        render_size=160,
        val_fraction=0.3,
        test_fraction=0.0,
        head_epochs=6,
        finetune_epochs=2,
        batch_size=16,
        workers=0,
        replay_size=16,
        calibration_variants=4,
    )


def run_to_end(gen):  # type: ignore[no-untyped-def]
    progress: list[Progress] = []
    return progress, run_job(gen, progress.append)


def test_tiny_training_run_lowers_loss_and_writes_model(clean_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "m" / "tiny.safetensors"
    progress, result = run_to_end(train_base(tiny_config(clean_dir), out, version="tiny"))
    head = [h for h in result.history if h["phase"] == 1]
    assert head[-1]["train_loss"] < head[0]["train_loss"]
    assert progress[-1].phase == "done"
    loaded = load_model(out)
    assert loaded.card.version == "tiny"
    assert 0.5 <= loaded.card.threshold <= 0.95
    assert loaded.card.temperature > 0
    assert (
        loaded.card.data_manifest["counts"]["train"] + loaded.card.data_manifest["counts"]["val"]
        == 8
    )
    assert replay_path(out).is_file()
    assert not out.with_name("tiny.checkpoint.safetensors").exists()
    # Calibrated as scans see photos: whole frames at the scoring size, and the threshold
    # keeps false alarms on degraded frames within the target too.
    assert loaded.card.input_size == PREPROCESS.input_size
    hard = loaded.card.metrics["validation_vs_hard_negatives"]
    assert hard["fpr"] <= 0.02 and hard["tn"] + hard["fp"] > 0
    assert "whole-frame" in loaded.card.metrics["validation_set"]
    by_kind = loaded.card.metrics["validation_recall_by_kind"]
    assert set(by_kind) == set(KINDS) and all(0.0 <= r <= 1.0 for r in by_kind.values())
    replay = load_replay(replay_path(out))
    n_train = loaded.card.data_manifest["counts"]["train"]
    assert len(replay) == 2 * min(n_train, 8) and sorted(set(replay.labels.tolist())) == [0, 1]


def test_recalibrate_keeps_the_weights_and_refits_threshold(
    clean_dir: Path, tmp_path: Path
) -> None:
    import torch

    base = tmp_path / "base.safetensors"
    run_to_end(train_base(tiny_config(clean_dir), base, version="tiny"))
    out = tmp_path / "cal.safetensors"
    progress, card = run_to_end(recalibrate(base, out, "tiny-cal", workers=0))
    assert progress[-1].phase == "done" and card.version == "tiny-cal"
    before, after = load_model(base), load_model(out)
    assert after.card.version == "tiny-cal" and "calibrated" in after.card.training
    for key, value in before.model.state_dict().items():
        if key != "temperature":
            assert torch.equal(value, after.model.state_dict()[key]), key
    assert 0.5 <= after.card.threshold <= 0.95
    assert after.card.metrics["validation_vs_hard_negatives"]["fpr"] <= 0.02
    assert replay_path(out).is_file()


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


def _blocky_photo(path: Path, seed: int, size: tuple[int, int] = (640, 480)) -> Path:
    """Low-frequency random content: distinct per seed, stable under resizing."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    cells = Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8))
    cells.resize(size, Image.Resampling.BICUBIC).save(path, "JPEG", quality=92)
    return path


def test_dedupe_drops_near_duplicates(tmp_path: Path) -> None:
    from PIL import Image

    a = _blocky_photo(tmp_path / "a.jpg", seed=1)
    _blocky_photo(tmp_path / "b.jpg", seed=1)  # same content again
    Image.open(a).resize((400, 300)).save(tmp_path / "c.jpg")  # resized copy
    _blocky_photo(tmp_path / "d.jpg", seed=5, size=(500, 500))
    kept, dropped = dedupe_by_phash(sorted(tmp_path.glob("*.jpg")))
    assert [p.name for p in kept] == ["a.jpg", "d.jpg"]
    assert sorted(p.name for p in dropped) == ["b.jpg", "c.jpg"]


def test_split_is_deterministic_and_roughly_proportional(tmp_path: Path) -> None:
    paths = [tmp_path / f"{i}.jpg" for i in range(2000)]
    splits = [split_of(p, 0, 0.15, 0.10) for p in paths]
    assert splits == [split_of(p, 0, 0.15, 0.10) for p in paths]
    assert 0.07 < splits.count("test") / 2000 < 0.13
    assert 0.12 < splits.count("val") / 2000 < 0.18


def test_class_weights_and_threshold() -> None:
    w = class_weights(np.array([0, 0, 0, 1]))
    assert float(w[1]) == pytest.approx(3 * float(w[0]))
    scores = np.concatenate([np.linspace(0, 0.7, 100), np.full(10, 0.99)])
    labels = np.concatenate([np.zeros(100, int), np.ones(10, int)])
    t = choose_threshold(scores, labels, target_fpr=0.02)
    assert ((scores[labels == 0] >= t).mean()) <= 0.02 and t >= 0.5


def test_samples_come_in_twins_that_differ_only_by_water(clean_dir: Path) -> None:
    from dropletcleaner.core.training.base import (
        DROPLET_ROLES,
        ROLE_CLEAN,
        TrainConfig,
        plan_samples,
    )

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
