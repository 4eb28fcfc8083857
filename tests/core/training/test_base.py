"""Base training: a tiny end-to-end run on generated photos learns and writes a usable model."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.ml.checkpoint import load_model
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.synthetic.lens_water.kinds import KINDS
from dropletcleaner.core.training.base import train_base
from dropletcleaner.core.training.replay import load_replay, replay_path
from tests.training_helpers import run_to_end, tiny_config


@pytest.mark.slow  # renders, trains and calibrates a tiny model end to end
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
