"""The shipped droplet model: installed with the package, verified, and right on real photos.

The floors are checked on real photos the model never trained or calibrated on: the
held-out clean photos its card lists, hard negatives and scene-water copies made from them,
against the real droplet photos of ``real-dev``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dropletcleaner.core.jobs import run_job
from dropletcleaner.core.ml.checkpoint import load_model
from dropletcleaner.core.ml.store import shipped_weights_path
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.evaluate import evaluate_folder, make_hard_negative_set
from dropletcleaner.core.training.map_calibrate import write_scene_water_set
from dropletcleaner.core.training.replay import replay_path
from tests.conftest import SHARED_DATA

REAL_DEV = SHARED_DATA / "real-dev"
# What droplet-v6 measurably holds, as regression guards. Real-dev recall is just below the
# 0.90 we aim for: droplet-v6 measures 0.897 at its threshold (droplet-v5 0.76, droplet-v4.1
# 0.62), and 0.48-0.83 % on three renders of the hard negatives; see the README's model
# section. Its ranking is the guard that matters most: recall 1.0 at a 1 % FPR on the
# held-out photos (droplet-v5 0.93, droplet-v4.1 0.86).
REAL_DEV_RECALL = 0.85
RECALL_AT_1_PERCENT = 0.9
FPR_CEILING = {"plain": 0.01, "hard negatives": 0.01, "scene water": 0.03}
needs_data = pytest.mark.skipif(not REAL_DEV.is_dir(), reason="real development photos absent")


def _held_out() -> list[Path]:
    path = shipped_weights_path()
    assert path is not None
    listed = load_model(path).card.data_manifest["test"]
    return [SHARED_DATA / rel for rel in listed if (SHARED_DATA / rel).is_file()]


def test_shipped_model_is_a_map_model_and_carries_its_card() -> None:
    path = shipped_weights_path()
    assert path is not None and path.is_file()
    loaded = load_model(path)  # verifies the checksum recorded in the card
    card = json.loads(path.with_suffix(".json").read_text())
    assert loaded.trained and card["version"] == loaded.version
    assert card["architecture"] == "efficientnet_lite0"
    assert card["input_size"] == PREPROCESS.input_size
    assert card["mean"] and card["std"]
    assert card["scoring"]["pooling"] == "map" and loaded.model.has_map
    # A second look at 416 px for the photos that could be flagged, gated far below the flag.
    assert card["scoring"]["looks"] == [416] and card["scoring"]["look_above"] < card["threshold"]
    assert 0.5 <= card["threshold"] < 1.0
    assert card["data_manifest"]["counts"]["train"] > 1000
    curve = card["metrics"]["fpr_curve"]
    assert curve["photos"] > 300 and len(curve["thresholds"]) == len(curve["fpr"])
    assert replay_path(path).is_file()


@needs_data
def test_real_droplet_photos_are_found_and_real_clean_ones_are_not(scorer) -> None:  # type: ignore[no-untyped-def]
    report = run_job(evaluate_folder(REAL_DEV, scorer))
    assert report.metrics.n == 36 and not report.unreadable
    assert report.metrics.recall >= REAL_DEV_RECALL
    assert report.metrics.fp == 0


@needs_data
@pytest.mark.parametrize("kind", ["plain", "hard negatives", "scene water"])
def test_false_alarms_on_held_out_real_clean_photos_stay_at_the_floor(  # type: ignore[no-untyped-def]
    scorer, tmp_path: Path, kind: str
) -> None:
    sources = _held_out()
    assert len(sources) > 500
    folder = tmp_path / "set"
    clean = folder / "clean"
    if kind == "hard negatives":
        make_hard_negative_set(sources, clean, seed=21)
    elif kind == "scene water":
        write_scene_water_set(sources, clean, seed=21)
    else:
        clean.mkdir(parents=True)
        for i, src in enumerate(sources):
            shutil.copy(src, clean / f"{i:04d}{src.suffix}")
    shutil.copytree(REAL_DEV / "droplet", folder / "droplet")
    report = run_job(evaluate_folder(folder, scorer))
    assert report.metrics.fpr <= FPR_CEILING[kind]
    assert report.metrics.auroc >= 0.965
    if kind == "plain":
        assert report.recall_at_fpr["0.01"] >= RECALL_AT_1_PERCENT
