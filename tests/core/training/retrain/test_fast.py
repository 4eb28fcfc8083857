"""Fast retraining: a new head on stored embeddings, compared with the current model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import Cancelled, CancelToken, run_job
from dropletcleaner.core.ml.checkpoint import LoadedModel, load_model
from dropletcleaner.core.ml.metrics import binary_metrics
from dropletcleaner.core.ml.store import load_default_model
from dropletcleaner.core.training.retrain.accept import evaluate_head
from dropletcleaner.core.training.retrain.fast import fast_retrain
from dropletcleaner.core.training.retrain.labels import RetrainError
from dropletcleaner.core.training.retrain.result import accept_result
from tests.retrain_helpers import (
    BASE_VERSION,
    U,
    embeddings,
    label_photos,
    user_photos_with_embeddings,
)


def test_too_few_labels_refuses_to_start(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path, n=12)
    label_photos(catalog, paths[:8], y[:8])
    with pytest.raises(RetrainError, match="more"):
        run_job(fast_retrain(catalog, base))


def test_fast_retrain_moves_labelled_scores_toward_labels(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path)
    labelled = 16
    label_photos(catalog, paths[:labelled], y[:labelled])
    before = np.array([catalog.get(p).score for p in paths])  # type: ignore[union-attr]

    progress = []
    result = run_job(fast_retrain(catalog, base), progress.append)
    assert progress[-1].phase == "done" and progress[0].phase == "reading labels"
    assert (result.labels.droplet, result.labels.clean) == (
        y[:labelled].sum(),
        labelled - y[:labelled].sum(),
    )
    assert result.accepted, result.decision.reason
    assert result.new.metrics.accuracy > result.old.metrics.accuracy
    assert result.new.metrics.n == labelled
    assert result.new.replay is not None
    assert result.new.replay.recall >= 0.9 and result.new.replay.fpr <= 0.1
    assert result.changed_flags > 0 and result.needs_rescan == 0

    changed = accept_result(catalog, result)
    assert changed == result.changed_flags
    after = np.array([catalog.get(p).score for p in paths])  # type: ignore[union-attr]
    lab = slice(0, labelled)
    moved = (after[lab] - before[lab]) * np.where(y[lab] == 1, 1, -1)
    assert moved.mean() > 0.2 and (moved > 0).mean() >= 0.75
    # The photos nobody labelled improve too: they share the user's camera.
    rest = slice(labelled, None)
    old_acc = binary_metrics(y[rest], before[rest], base.threshold).accuracy
    new_acc = binary_metrics(y[rest], after[rest], result.candidate.threshold).accuracy
    assert new_acc > old_acc + 0.15
    assert {catalog.get(p).model_version for p in paths} == {result.version}  # type: ignore[union-attr]
    # It did not forget what the base model knew.
    yu = np.arange(100) % 2
    eu = embeddings(yu, U, seed=9)
    assert (
        evaluate_head(result.candidate.model, result.candidate.threshold, eu, yu).accuracy >= 0.95
    )


def test_second_retrain_compares_on_labels_added_since(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path)
    label_photos(catalog, paths[:12], y[:12])
    first = run_job(fast_retrain(catalog, base))
    accept_result(catalog, first)
    current = load_default_model()
    assert current.version == first.version == f"{BASE_VERSION}-r1"

    label_photos(catalog, paths[12:20], y[12:20])
    second = run_job(fast_retrain(catalog, current))
    assert "8 labels added or changed since" in second.comparison
    assert second.new.metrics.n == 8
    assert second.candidate.card.parent == first.version
    assert second.version == f"{BASE_VERSION}-r2"


def test_cancel_stops_a_fast_retrain(catalog: Catalog, base: LoadedModel, tmp_path: Path) -> None:
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path, n=12)
    label_photos(catalog, paths, y)
    token = CancelToken()
    job = fast_retrain(catalog, base, cancel=token)
    next(job)
    token.cancel()
    with pytest.raises(Cancelled):
        run_job(job)


def test_labels_scored_by_another_backbone_are_not_trained_on(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path, n=20)
    label_photos(catalog, paths, y)
    ids = [catalog.get(p).id for p in paths]  # type: ignore[union-attr]
    catalog.update_scores(ids, [0.5] * len(ids), "unknown-model")
    with pytest.raises(RetrainError, match="20 more labelled photos were scored by a model"):
        run_job(fast_retrain(catalog, base))


def test_fast_retrain_of_a_map_model_keeps_its_map_and_pooling(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    from dropletcleaner.core.ml.card import ModelCard, Scoring
    from dropletcleaner.core.training.map_train import to_map_model
    from dropletcleaner.core.training.retrain.result import install
    from dropletcleaner.core.training.retrain.versions import backbone_digest

    scoring = Scoring("map", top_fraction=0.2, mix=0.4)
    map_model = to_map_model(base.model, scoring)
    card = ModelCard(version=base.version, threshold=0.5, scoring=scoring.to_card())
    map_base = LoadedModel(model=map_model, card=card)
    # The map head guides pooling, so the embeddings are not the plain model's.
    assert backbone_digest(map_model) != backbone_digest(base.model)
    paths, y, _ = user_photos_with_embeddings(catalog, map_base, tmp_path)
    label_photos(catalog, paths[:16], y[:16])
    result = run_job(fast_retrain(catalog, map_base))
    assert result.candidate.card.scoring == scoring.to_card()
    assert result.candidate.model.map_head is not None
    reloaded = load_model(install(result))
    assert reloaded.model.has_map and reloaded.model.scoring == scoring
    assert torch.equal(reloaded.model.map_head.weight.half(), map_model.map_head.weight.half())  # type: ignore[union-attr]


def test_fast_retrain_keeps_the_current_models_calibration(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    from dropletcleaner.core.training.retrain.fast import find_replay
    from dropletcleaner.core.training.retrain.rescore import score_embeddings

    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path)
    label_photos(catalog, paths[:16], y[:16])
    result = run_job(fast_retrain(catalog, base))
    candidate = result.candidate
    # The threshold was chosen on real clean photos; the new head keeps its meaning.
    assert candidate.threshold == base.threshold
    assert float(candidate.model.temperature) == float(base.model.temperature)
    assert candidate.card.training["calibration"] == "base"
    # Where the user said nothing (the base's own examples), the scores stay where they were.
    replay = find_replay(base)
    assert replay is not None
    before = score_embeddings(base.model, replay.embeddings)
    after = score_embeddings(candidate.model, replay.embeddings)
    assert float(np.abs(after - before).mean()) < 0.05


def test_fast_retrain_can_refit_its_threshold_on_the_replay_set(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = user_photos_with_embeddings(catalog, base, tmp_path)
    label_photos(catalog, paths[:16], y[:16])
    result = run_job(fast_retrain(catalog, base, calibration="replay"))
    assert result.candidate.card.training["calibration"] == "replay"
    assert result.new.replay is not None and result.new.replay.recall >= 0.9
