"""Calibration as scans see photos: recalibrating keeps the weights and refits the threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.ml.checkpoint import load_model
from dropletcleaner.core.training.base import train_base
from dropletcleaner.core.training.calibrate import recalibrate
from dropletcleaner.core.training.replay import replay_path
from tests.training_helpers import run_to_end, tiny_config


@pytest.mark.slow  # renders, trains and calibrates a tiny model end to end
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
