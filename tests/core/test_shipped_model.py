"""The shipped droplet model: installed with the package, verified, and right on real photos."""

from __future__ import annotations

import json

import pytest

from dropletcleaner.core.evaluate import evaluate_folder
from dropletcleaner.core.model import load_model, shipped_weights_path
from dropletcleaner.core.train import replay_path
from tests.conftest import SHARED_DATA

REAL_DEV = SHARED_DATA / "real-dev"


def test_shipped_model_is_trained_and_carries_its_card() -> None:
    path = shipped_weights_path()
    assert path is not None and path.is_file()
    loaded = load_model(path)  # verifies the checksum recorded in the card
    card = json.loads(path.with_suffix(".json").read_text())
    assert loaded.trained and card["version"] == loaded.version
    assert card["architecture"] == "efficientnet_lite0" and card["input_size"] > 0
    assert card["mean"] and card["std"]
    assert 0.5 <= card["threshold"] < 1.0
    assert card["data_manifest"]["counts"]["train"] > 100
    assert "validation" in card["metrics"]
    assert replay_path(path).is_file()


@pytest.mark.skipif(not REAL_DEV.is_dir(), reason="real development photos not present")
def test_shipped_model_ranks_real_droplet_photos_above_clean_ones(scorer) -> None:  # type: ignore[no-untyped-def]
    gen = evaluate_folder(REAL_DEV, scorer)
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        report = stop.value
    assert report.metrics.n == 36 and not report.unreadable
    assert report.metrics.auroc >= 0.95
    assert report.metrics.fp == 0  # none of the clean real photos is flagged
