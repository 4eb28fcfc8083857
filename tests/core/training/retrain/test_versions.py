"""Which stored embeddings a model can read."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import run_job
from dropletcleaner.core.ml import store as registry
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.training.retrain.fast import fast_retrain
from dropletcleaner.core.training.retrain.labels import RetrainError
from dropletcleaner.core.training.retrain.rescore import plan_rescore
from tests.retrain_helpers import (
    label_photos,
    user_photos_with_embeddings,
)


def test_embeddings_from_another_input_size_are_not_reused(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    # Same backbone weights, but an earlier release scored photos at another input size:
    # those embeddings are not comparable, so neither trained on nor re-scored.
    from dataclasses import replace

    from dropletcleaner.core.ml.checkpoint import save_model
    from dropletcleaner.core.training.retrain.versions import model_backbone

    old_card = replace(
        base.card,
        version="old-r1",
        input_size=base.card.input_size - 64,
        training={"backbone": model_backbone(base)},
    )
    save_model(base.model, old_card, registry.weights_path("old-r1"))
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path, n=20)
    label_photos(catalog, paths, y)
    ids = [catalog.get(p).id for p in paths]  # type: ignore[union-attr]
    catalog.update_scores(ids, [0.5] * len(ids), "old-r1")
    assert plan_rescore(catalog, base).skipped == 20
    with pytest.raises(RetrainError, match="20 more labelled photos were scored by a model"):
        run_job(fast_retrain(catalog, base))
