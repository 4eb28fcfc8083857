"""Retraining: labels, fast retrain, the accept rule, versioned models and re-scoring."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import Cancelled, CancelToken, run_job
from dropletcleaner.core.ml import store as registry
from dropletcleaner.core.ml.checkpoint import LoadedModel, load_model
from dropletcleaner.core.ml.metrics import binary_metrics
from dropletcleaner.core.ml.network import EMBEDDING_DIM, DropletNet
from dropletcleaner.core.ml.store import load_default_model
from dropletcleaner.core.training.base import replay_path
from dropletcleaner.core.training.retrain import (
    MIN_PER_CLASS,
    Evaluation,
    RetrainError,
    accept_result,
    accept_rule,
    evaluate_head,
    fast_retrain,
    find_replay,
    fit_head,
    label_counts,
    plan_rescore,
    rescore_catalog,
    sample_weights,
    stratified_folds,
)
from tests.retrain_helpers import (
    BASE_VERSION,
    U,
    V,
    add_photos,
    base_file_fixture,
    base_fixture,
    embeddings,
    label_photos,
    user_photos,
)

# Fixtures this module asks for by name (base_file, base).
SHARED_FIXTURES = (base_file_fixture, base_fixture)


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.db") as cat:
        yield cat


def _user_photos(
    catalog: Catalog, base: LoadedModel, tmp_path: Path, n: int = 60, seed: int = 1
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Photos whose droplet signal lies along V, which the base model cannot see."""
    paths, y = user_photos(catalog, base, tmp_path, n, seed)
    return paths, y, embeddings(y, V, seed=seed)


_label = label_photos


# -- labels -------------------------------------------------------------------------------------
def test_labels_round_trip_and_counts(catalog: Catalog, base: LoadedModel, tmp_path: Path) -> None:
    paths, _, _ = _user_photos(catalog, base, tmp_path, n=8)
    assert catalog.set_label(paths[:3], "droplet") == 3
    catalog.set_label(paths[3:5], "clean")
    assert catalog.labels() == {
        **dict.fromkeys(paths[:3], "droplet"),
        **dict.fromkeys(paths[3:5], "clean"),
    }
    assert catalog.get(paths[0]).label == "droplet"  # type: ignore[union-attr]
    catalog.set_label(paths[:1], None)
    assert paths[0] not in catalog.labels()
    counts = label_counts(catalog)
    assert (counts.droplet, counts.clean, counts.unusable) == (2, 2, 0)
    assert not counts.enough
    assert f"at least {MIN_PER_CLASS}" in counts.shortfall
    with pytest.raises(ValueError):
        catalog.set_label(paths[:1], "maybe")


def test_labelled_photo_without_embedding_is_counted_unusable(catalog: Catalog) -> None:
    from dropletcleaner.core.catalog.photos import ScanResult

    catalog.record_scans([ScanResult(path="/x/broken.jpg", size=0, mtime_ns=0, error="empty")])
    catalog.set_label(["/x/broken.jpg"], "clean")
    assert label_counts(catalog).unusable == 1 and label_counts(catalog).clean == 0


def test_too_few_labels_refuses_to_start(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = _user_photos(catalog, base, tmp_path, n=12)
    _label(catalog, paths[:8], y[:8])
    with pytest.raises(RetrainError, match="more"):
        run_job(fast_retrain(catalog, base))


def test_stratified_folds_cover_each_label_once() -> None:
    y = np.array([0] * 7 + [1] * 12)
    folds = stratified_folds(y, 5, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(y)))
    assert all(set(y[f].tolist()) == {0, 1} for f in folds)


# -- fast retrain -------------------------------------------------------------------------------
def test_fast_retrain_moves_labelled_scores_toward_labels(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = _user_photos(catalog, base, tmp_path)
    labelled = 16
    _label(catalog, paths[:labelled], y[:labelled])
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


def test_accept_rule_rejects_a_model_trained_on_shuffled_labels(base: LoadedModel) -> None:
    """A head trained on shuffled labels is rejected; the same head on true labels is kept."""
    y = np.arange(60) % 2
    x = embeddings(y, U, seed=3).astype(np.float32)
    shuffled = np.random.default_rng(0).permutation(y)
    fresh_head = torch.nn.Linear(EMBEDDING_DIM, 2)

    def candidate(labels: np.ndarray) -> DropletNet:
        model = copy.deepcopy(base.model)
        head = fit_head(fresh_head, x, labels, sample_weights(labels, None))
        model.head.load_state_dict(head.state_dict())
        return model.eval()

    # Held-out photos with their true labels, which neither head saw.
    yt = np.arange(200) % 2
    truth = embeddings(yt, U, seed=11)
    old = Evaluation(evaluate_head(base.model, base.threshold, truth, yt))
    assert old.metrics.accuracy > 0.95
    bad = Evaluation(evaluate_head(candidate(shuffled), base.threshold, truth, yt))
    decision = accept_rule(old, bad)
    assert not decision.accepted
    assert decision.reason.startswith("kept the current model")
    good = Evaluation(evaluate_head(candidate(y), base.threshold, truth, yt))
    assert accept_rule(old, good).accepted


def test_accept_rule_cases() -> None:
    y = np.array([0, 0, 1, 1])
    good = binary_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]), 0.5)
    meh = binary_metrics(y, np.array([0.1, 0.6, 0.8, 0.9]), 0.5)
    assert accept_rule(Evaluation(meh), Evaluation(good)).accepted
    assert "better" in accept_rule(Evaluation(meh), Evaluation(good)).reason
    assert "no worse" in accept_rule(Evaluation(good), Evaluation(good)).reason
    assert not accept_rule(Evaluation(good), Evaluation(meh)).accepted
    # Forgetting is judged by what users notice on the held-back base examples: water it no
    # longer finds, and clean photos it starts to flag.
    yb = np.array([0] * 100 + [1] * 100)
    base_ok = binary_metrics(yb, np.r_[np.full(100, 0.1), np.full(100, 0.9)], 0.5)
    misses = binary_metrics(yb, np.r_[np.full(100, 0.1), np.full(95, 0.9), np.full(5, 0.1)], 0.5)
    alarms = binary_metrics(yb, np.r_[np.full(97, 0.1), np.full(3, 0.9), np.full(100, 0.9)], 0.5)
    slight = binary_metrics(yb, np.r_[np.full(100, 0.1), np.full(99, 0.9), np.full(1, 0.1)], 0.5)
    missed = accept_rule(Evaluation(good, base_ok), Evaluation(good, misses))
    assert not missed.accepted and "miss water" in missed.reason
    flagged = accept_rule(Evaluation(good, base_ok), Evaluation(good, alarms))
    assert not flagged.accepted and "flag more clean photos" in flagged.reason
    assert accept_rule(Evaluation(good, base_ok), Evaluation(good, slight)).accepted
    # Same accuracy, worse ranking: rejected.
    y6 = np.array([0, 0, 0, 1, 1, 1])
    ranked = binary_metrics(y6, np.array([0.1, 0.2, 0.6, 0.4, 0.8, 0.9]), 0.5)
    misranked = binary_metrics(y6, np.array([0.1, 0.95, 0.2, 0.7, 0.8, 0.05]), 0.5)
    assert misranked.accuracy == ranked.accuracy and misranked.auroc < ranked.auroc
    assert not accept_rule(Evaluation(ranked), Evaluation(misranked)).accepted
    # One class only: AUROC is undefined and accuracy decides.
    one = binary_metrics(np.array([1, 1]), np.array([0.9, 0.2]), 0.5)
    assert math.isnan(one.auroc) and accept_rule(Evaluation(one), Evaluation(one)).accepted


def test_second_retrain_compares_on_labels_added_since(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = _user_photos(catalog, base, tmp_path)
    _label(catalog, paths[:12], y[:12])
    first = run_job(fast_retrain(catalog, base))
    accept_result(catalog, first)
    current = load_default_model()
    assert current.version == first.version == f"{BASE_VERSION}-r1"

    _label(catalog, paths[12:20], y[12:20])
    second = run_job(fast_retrain(catalog, current))
    assert "8 labels added or changed since" in second.comparison
    assert second.new.metrics.n == 8
    assert second.candidate.card.parent == first.version
    assert second.version == f"{BASE_VERSION}-r2"


def test_cancel_stops_a_fast_retrain(catalog: Catalog, base: LoadedModel, tmp_path: Path) -> None:
    paths, y, _ = _user_photos(catalog, base, tmp_path, n=12)
    _label(catalog, paths, y)
    token = CancelToken()
    job = fast_retrain(catalog, base, cancel=token)
    next(job)
    token.cancel()
    with pytest.raises(Cancelled):
        run_job(job)


# -- versions -----------------------------------------------------------------------------------
def test_models_are_versioned_listed_switched_and_reset(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = _user_photos(catalog, base, tmp_path)
    _label(catalog, paths[:12], y[:12])
    r1 = run_job(fast_retrain(catalog, base))
    accept_result(catalog, r1)
    _label(catalog, paths[12:24], y[12:24])
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
    with pytest.raises(KeyError, match="no model version"):
        registry.use_model("nope")


# -- re-scoring ---------------------------------------------------------------------------------
def test_rescore_records_the_model_version_and_counts_flag_changes(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, emb = _user_photos(catalog, base, tmp_path)
    _label(catalog, paths[:12], y[:12])
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


def test_deep_retrain_fine_tunes_on_photos(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    pytest.importorskip("dropletcleaner.core.synthetic.lens_water.render")
    from dropletcleaner.core.catalog.photos import ScanResult
    from dropletcleaner.core.training.retrain import deep_retrain
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


def test_labels_scored_by_another_backbone_are_not_trained_on(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths, y, _ = _user_photos(catalog, base, tmp_path, n=20)
    _label(catalog, paths, y)
    ids = [catalog.get(p).id for p in paths]  # type: ignore[union-attr]
    catalog.update_scores(ids, [0.5] * len(ids), "unknown-model")
    with pytest.raises(RetrainError, match="20 more labelled photos were scored by a model"):
        run_job(fast_retrain(catalog, base))


def test_embeddings_from_another_input_size_are_not_reused(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    # Same backbone weights, but an earlier release scored photos at another input size:
    # those embeddings are not comparable, so neither trained on nor re-scored.
    from dataclasses import replace

    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.ml.checkpoint import save_model
    from dropletcleaner.core.training.retrain import model_backbone

    old_card = replace(
        base.card,
        version="old-r1",
        input_size=base.card.input_size - 64,
        training={"backbone": model_backbone(base)},
    )
    save_model(base.model, old_card, registry.weights_path("old-r1"))
    paths, y, _ = _user_photos(catalog, base, tmp_path, n=20)
    _label(catalog, paths, y)
    ids = [catalog.get(p).id for p in paths]  # type: ignore[union-attr]
    catalog.update_scores(ids, [0.5] * len(ids), "old-r1")
    assert plan_rescore(catalog, base).skipped == 20
    with pytest.raises(RetrainError, match="20 more labelled photos were scored by a model"):
        run_job(fast_retrain(catalog, base))


def test_an_active_model_made_for_another_input_size_is_set_aside(base: LoadedModel) -> None:
    from dataclasses import replace

    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.ml.checkpoint import save_model

    for version, size in (("fits-r1", base.card.input_size), ("old-r2", base.card.input_size - 64)):
        save_model(
            base.model,
            replace(base.card, version=version, input_size=size),
            registry.weights_path(version),
        )
    registry.set_active("fits-r1")
    assert load_default_model().version == "fits-r1"
    registry.set_active("old-r2")
    assert registry.active_weights_path() is None
    assert load_default_model().version != "old-r2"  # the shipped model scores instead


def test_fast_retrain_of_a_map_model_keeps_its_map_and_pooling(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    from dropletcleaner.core.ml.card import ModelCard, Scoring
    from dropletcleaner.core.training.map_train import to_map_model
    from dropletcleaner.core.training.retrain import backbone_digest, install

    scoring = Scoring("map", top_fraction=0.2, mix=0.4)
    map_model = to_map_model(base.model, scoring)
    card = ModelCard(version=base.version, threshold=0.5, scoring=scoring.to_card())
    map_base = LoadedModel(model=map_model, card=card)
    # The map head guides pooling, so the embeddings are not the plain model's.
    assert backbone_digest(map_model) != backbone_digest(base.model)
    paths, y, _ = _user_photos(catalog, map_base, tmp_path)
    _label(catalog, paths[:16], y[:16])
    result = run_job(fast_retrain(catalog, map_base))
    assert result.candidate.card.scoring == scoring.to_card()
    assert result.candidate.model.map_head is not None
    reloaded = load_model(install(result))
    assert reloaded.model.has_map and reloaded.model.scoring == scoring
    assert torch.equal(reloaded.model.map_head.weight.half(), map_model.map_head.weight.half())  # type: ignore[union-attr]
