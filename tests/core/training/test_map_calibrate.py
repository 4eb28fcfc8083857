"""Calibration on real clean photos: the second-look gate, and photos that cannot be read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.core.jobs import run_job
from dropletcleaner.core.ml.card import Scoring
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.training.map_calibrate import scan_photos, scan_scores, threshold_on_real


def _map_model() -> DropletNet:
    torch.manual_seed(0)
    return DropletNet(scoring=Scoring("map")).eval()


def test_the_gate_is_the_score_the_chosen_share_of_plain_photos_reaches(
    clean_dir: Path,
) -> None:
    model = _map_model()
    photos = sorted(clean_dir.iterdir())
    fitted = run_job(threshold_on_real(model, photos, 0.01, looks=(320,), look_share=0.5))
    assert model.scoring.looks == (320,)
    first = np.sort(scan_scores(_map_model(), scan_photos(photos)))
    assert model.scoring.look_above == pytest.approx(first[len(first) // 2], abs=1e-4)
    assert model.scoring.look_above < fitted["threshold"]
    assert fitted["metrics"]["calibration_photos"]["plain"] == len(photos)


def test_calibration_photos_that_cannot_be_read_stop_it_with_a_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a photo")
    with pytest.raises(ValueError, match="could be read"):
        run_job(threshold_on_real(_map_model(), [junk], 0.01))
