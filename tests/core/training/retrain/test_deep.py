"""Deep retraining: fine-tuning the last block on the labelled photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import Progress, run_job
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.training.retrain.result import RetrainResult
from tests.retrain_helpers import scanned_jpegs


def _retrain(
    catalog: Catalog, base: LoadedModel, folder: Path, unlabelled: int
) -> tuple[RetrainResult, list[Progress]]:
    """Six droplet and six clean labels, ``unlabelled`` photos scored clean; one quick epoch."""
    pytest.importorskip("dropletcleaner.core.synthetic.lens_water.render")
    from dropletcleaner.core.training.retrain.deep import deep_retrain

    scores: list[float | None] = [None] * 12 + [0.01] * unlabelled
    paths = scanned_jpegs(catalog, folder, scores, base.version)
    catalog.set_label(paths[:6], "droplet")
    catalog.set_label(paths[6:12], "clean")
    progress: list[Progress] = []
    result = run_job(deep_retrain(catalog, base, epochs=1, variants=1), progress.append)
    return result, progress


def test_deep_retrain_fine_tunes_on_photos(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    result, progress = _retrain(catalog, base, tmp_path / "photos", unlabelled=0)
    assert result.kind == "deep"
    assert any(p.phase == "fine-tuning" for p in progress)
    assert result.candidate.card.training["backbone"] != base.card.training.get("backbone")
    assert result.new.metrics.n == 4  # a quarter of each kind, rounded up to at least one
    assert result.replay is not None and result.replay.embeddings.shape[1] == 1280
    # No unlabelled photo scored clean: nothing to check forgetting on, and it says so.
    assert result.new.replay is None and "forgetting not checked" in result.comparison


def test_deep_retrain_checks_forgetting_on_the_users_clean_photos(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    result, progress = _retrain(catalog, base, tmp_path / "photos", unlabelled=4)
    assert any(p.phase == "checking for forgetting" for p in progress)
    for evaluation in (result.old, result.new):
        assert evaluation.replay is not None and evaluation.replay.n == 8  # 4 photos, 2 twins
        assert evaluation.replay_set == "own photos"
    assert "forgetting checked on 4 of your clean photos" in result.comparison
