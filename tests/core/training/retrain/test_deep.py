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
