"""Re-scoring the catalog from stored embeddings."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import run_job
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.training.retrain.fast import fast_retrain
from dropletcleaner.core.training.retrain.rescore import plan_rescore, rescore_catalog
from tests.retrain_helpers import (
    add_photos,
    label_photos,
    user_photos_with_embeddings,
)


def test_rescore_records_the_model_version_and_counts_flag_changes(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, emb = user_photos_with_embeddings(catalog, base, tmp_path)
    label_photos(catalog, paths[:12], y[:12])
    result = run_job(fast_retrain(catalog, base))
    before = {p: catalog.get(p).score for p in paths}  # type: ignore[union-attr]
    # A row scored by an unknown model (another backbone) must not be re-scored from its embedding.
    foreign = add_photos(catalog, tmp_path, y[:3], emb[:3], base, prefix="f")
    catalog.update_scores(
        [catalog.get(p).id for p in foreign],  # type: ignore[union-attr]
        [0.99] * 3,
        "someone-else",
    )

    plan = plan_rescore(catalog, result.candidate, previous=[base])
    assert plan.skipped == 3
    changed = rescore_catalog(catalog, result.candidate)
    assert changed == plan.changed
    t = result.candidate.threshold
    flips = sum(
        (before[p] >= base.threshold) != (catalog.get(p).score >= t)  # type: ignore[union-attr,operator]
        for p in paths
    )
    assert changed == flips > 0
    assert {catalog.get(p).model_version for p in paths} == {result.version}  # type: ignore[union-attr]
    assert {catalog.get(p).model_version for p in foreign} == {"someone-else"}  # type: ignore[union-attr]
    assert {catalog.get(p).score for p in foreign} == {0.99}  # type: ignore[union-attr]
