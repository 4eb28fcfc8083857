"""The shipped droplet model: installed with the package, verified, and right on real photos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropletcleaner.core.config import PREPROCESS
from dropletcleaner.core.evaluate import (
    evaluate_folder,
    held_out_photos,
    make_hard_negative_set,
)
from dropletcleaner.core.model import load_model, shipped_weights_path
from dropletcleaner.core.progress import run_job
from dropletcleaner.core.train import replay_path
from tests.conftest import SHARED_DATA

REAL_DEV = SHARED_DATA / "real-dev"


def test_shipped_model_is_trained_and_carries_its_card() -> None:
    path = shipped_weights_path()
    assert path is not None and path.is_file()
    loaded = load_model(path)  # verifies the checksum recorded in the card
    card = json.loads(path.with_suffix(".json").read_text())
    assert loaded.trained and card["version"] == loaded.version
    assert card["architecture"] == "efficientnet_lite0"
    assert card["input_size"] == PREPROCESS.input_size  # calibrated at the size scans use
    assert card["mean"] and card["std"]
    assert 0.5 <= card["threshold"] < 1.0
    assert card["data_manifest"]["counts"]["train"] > 100
    assert "validation" in card["metrics"]
    assert replay_path(path).is_file()


@pytest.mark.skipif(not REAL_DEV.is_dir(), reason="real development photos not present")
def test_shipped_model_ranks_real_droplet_photos_above_clean_ones(scorer) -> None:  # type: ignore[no-untyped-def]
    report = run_job(evaluate_folder(REAL_DEV, scorer))
    assert report.metrics.n == 36 and not report.unreadable
    assert report.metrics.auroc >= 0.95
    assert report.metrics.fp == 0  # none of the clean real photos is flagged


@pytest.mark.skipif(not REAL_DEV.is_dir(), reason="real development photos not present")
def test_shipped_model_keeps_hard_negatives_apart_from_real_droplets(  # type: ignore[no-untyped-def]
    scorer, tmp_path: Path
) -> None:
    # The real droplet photos against blurred, dark, foggy, upscaled and blocky copies of the
    # clean photos the model never trained or validated on: the floors it must meet.
    config = load_model(shipped_weights_path()).card.training["config"]  # type: ignore[arg-type]
    sources = held_out_photos(
        [SHARED_DATA / "clean"], config["seed"], config["val_fraction"], config["test_fraction"]
    )
    assert len(sources) > 50
    folder = tmp_path / "hard"
    make_hard_negative_set(sources, folder / "clean", variants=2)
    (folder / "droplet").symlink_to(REAL_DEV / "droplet")
    report = run_job(evaluate_folder(folder, scorer))
    assert report.metrics.tn + report.metrics.fp == 2 * len(sources)
    assert report.metrics.auroc >= 0.95
    assert report.metrics.fpr <= 0.05
