"""Accepted models: installed as versions, listed, switched and reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import run_job
from dropletcleaner.core.ml import store as registry
from dropletcleaner.core.ml.checkpoint import LoadedModel, load_model
from dropletcleaner.core.ml.store import load_default_model
from dropletcleaner.core.training.replay import replay_path
from dropletcleaner.core.training.retrain.fast import fast_retrain, find_replay
from dropletcleaner.core.training.retrain.result import accept_result
from tests.retrain_helpers import (
    BASE_VERSION,
    label_photos,
    user_photos_with_embeddings,
)


def test_models_are_versioned_listed_switched_and_reset(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path)
    label_photos(catalog, paths[:12], y[:12])
    r1 = run_job(fast_retrain(catalog, base))
    accept_result(catalog, r1)
    label_photos(catalog, paths[12:24], y[12:24])
    r2 = run_job(fast_retrain(catalog, load_default_model()))
    accept_result(catalog, r2)

    models = registry.list_models()
    assert [m.version for m in models] == [BASE_VERSION, r1.version, r2.version]
    assert [m.kind for m in models] == ["shipped", "fast", "fast"]
    assert [m.active for m in models] == [False, False, True]
    assert "held-out accuracy" in models[2].summary
    weights = registry.weights_path(r2.version)
    assert weights.parent == tmp_path / "data" / "models"
    assert load_model(weights).card.parent == r1.version  # checksum verified on load
    assert replay_path(weights).is_file()
    replay = find_replay(load_model(weights))
    assert replay is not None and len(replay) == 256

    registry.use_model(r1.version)
    assert load_default_model().version == r1.version
    registry.reset_model()
    assert load_default_model().version == BASE_VERSION
    assert registry.weights_path(r1.version).is_file()  # reset keeps the versions
    registry.use_model(r2.version)
    registry.use_model(BASE_VERSION)  # the shipped model by name is a reset
    assert registry.active_version() is None
    with pytest.raises(registry.UnknownModel, match="no model version"):
        registry.use_model("nope")
