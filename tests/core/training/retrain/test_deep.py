"""Deep retraining: fine-tuning the last block on the labelled photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import run_job
from dropletcleaner.core.ml.checkpoint import LoadedModel


def test_deep_retrain_fine_tunes_on_photos(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    pytest.importorskip("dropletcleaner.core.synthetic.lens_water.render")
    from dropletcleaner.core.catalog.photos import ScanResult
    from dropletcleaner.core.training.retrain.deep import deep_retrain
    from tests.helpers import write_jpeg

    results = []
    for i in range(12):
        path = write_jpeg(tmp_path / "photos" / f"d{i}.jpg", size=(160, 120), seed=i)
        results.append(ScanResult(str(path), path.stat().st_size, 0, fingerprint=f"fp{i}"))
    catalog.record_scans(results)
    paths = [r.path for r in results]
    catalog.set_label(paths[:6], "droplet")
    catalog.set_label(paths[6:], "clean")
    progress = []
    result = run_job(deep_retrain(catalog, base, epochs=1, variants=1), progress.append)
    assert result.kind == "deep"
    assert any(p.phase == "fine-tuning" for p in progress)
    assert result.candidate.card.training["backbone"] != base.card.training.get("backbone")
    assert result.new.metrics.n == 4  # a quarter of each kind, rounded up to at least one
    assert result.replay is not None and result.replay.embeddings.shape[1] == 1280


def test_deep_retrain_checks_forgetting_on_the_users_clean_photos(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    pytest.importorskip("dropletcleaner.core.synthetic.lens_water.render")
    from dropletcleaner.core.catalog.photos import ScanResult
    from dropletcleaner.core.training.retrain.deep import deep_retrain
    from tests.helpers import write_jpeg

    results = []
    for i in range(16):
        path = write_jpeg(tmp_path / "photos" / f"d{i}.jpg", size=(160, 120), seed=i)
        # The last four are unlabelled and scored clean by the current model.
        score, version = (0.01, base.version) if i >= 12 else (None, None)
        results.append(
            ScanResult(
                str(path),
                path.stat().st_size,
                0,
                fingerprint=f"fp{i}",
                score=score,
                model_version=version,
            )
        )
    catalog.record_scans(results)
    paths = [r.path for r in results]
    catalog.set_label(paths[:6], "droplet")
    catalog.set_label(paths[6:12], "clean")
    progress = []
    result = run_job(deep_retrain(catalog, base, epochs=1, variants=1), progress.append)
    assert any(p.phase == "checking for forgetting" for p in progress)
    for evaluation in (result.old, result.new):
        assert evaluation.replay is not None and evaluation.replay.n == 8  # 4 photos, 2 twins
    assert "forgetting checked on 4 of your clean photos" in result.comparison
