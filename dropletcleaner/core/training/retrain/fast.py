"""Fast retraining: a new head on the embeddings the catalog holds, judged by cross-validation.

The user's labelled embeddings, mixed with the base model's replay set (:func:`find_replay`),
train one head per cross-validation fold and the final head in one stacked pass
(:mod:`.heads`). Every head is calibrated the same way (by default it keeps the current
model's calibration, see :data:`Calibration`), so the held-out figures describe the model
that would be installed; :mod:`.accept` then compares it with the current model on the
labels that model never learned from.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml import store
from dropletcleaner.core.ml.calibration import choose_threshold, fit_temperatures
from dropletcleaner.core.ml.card import valid_version
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.training.replay import ReplaySet, load_replay, replay_path
from dropletcleaner.core.training.retrain.accept import Evaluation, evaluate_head
from dropletcleaner.core.training.retrain.crossval import (
    CrossValidation,
    combine_folds,
    fold_weights,
    pooled_metrics,
)
from dropletcleaner.core.training.retrain.heads import (
    FAST_EPOCHS,
    train_heads,
)
from dropletcleaner.core.training.retrain.labels import (
    LabelCounts,
    Labelled,
    RetrainError,
    labelled_embeddings,
)
from dropletcleaner.core.training.retrain.result import (
    RetrainResult,
    base_target_fpr,
    conclude,
    model_temperature,
    progress_extra,
)
from dropletcleaner.core.training.retrain.versions import (
    Versions,
    model_backbone,
    model_embedding_key,
)

REPLAY_CALIBRATION_FRACTION = 0.2  # replay examples kept out of every head, for calibration
REPLAY_SPLIT_SEED = 1234  # fixed, so later retrains keep the same examples out
# "base": the new head keeps the current model's predictions on the replay set and its
# temperature and threshold (chosen on real clean photos); "replay": the head learns the
# replay labels and its threshold is refitted on held-back replay examples (renders).
Calibration = Literal["base", "replay"]


def find_replay(model: LoadedModel) -> ReplaySet | None:
    """The replay set that belongs to ``model``: beside a retrained version, or the shipped one."""
    candidates: list[Path] = []
    if valid_version(model.version):
        candidates.append(replay_path(store.weights_path(model.version)))
    shipped = store.shipped_weights_path()
    if shipped is not None:
        card = store.read_card(shipped.with_suffix(".json"))
        if card is not None and card.version == model.version:
            candidates.append(replay_path(shipped))
    for path in candidates:
        if path.is_file():
            try:
                return load_replay(path)
            except ValueError as exc:
                raise RetrainError(str(exc)) from exc
    return None


def _split_replay(replay: ReplaySet) -> tuple[np.ndarray, np.ndarray]:
    """Fixed (train, calibration) split of the replay set, stratified."""
    rng = np.random.default_rng(REPLAY_SPLIT_SEED)
    calib: list[np.ndarray] = []
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(replay.labels == c))
        calib.append(idx[: round(len(idx) * REPLAY_CALIBRATION_FRACTION)])
    cal = np.sort(np.concatenate(calib))
    train = np.setdiff1d(np.arange(len(replay)), cal)
    return train, cal


def _logits(head: nn.Linear, x: np.ndarray) -> torch.Tensor:
    with torch.no_grad():
        return head(torch.from_numpy(np.asarray(x, dtype=np.float32)))


def _calibrate_heads(
    heads: Sequence[nn.Linear], x: np.ndarray, labels: np.ndarray, target_fpr: float
) -> list[tuple[float, float]]:
    """Temperature and threshold of each head, fitted on held-back embeddings."""
    logits = np.stack([_logits(h, x).numpy() for h in heads]).astype(np.float64)
    temperatures = fit_temperatures(logits, labels)
    out = []
    for lg, t in zip(logits, temperatures, strict=True):
        scores = 1.0 / (1.0 + np.exp(-(lg[:, 1] - lg[:, 0]) / t))
        out.append((float(t), choose_threshold(scores, labels, target_fpr)))
    return out


def _fresh(base: LoadedModel, keys: Sequence[str]) -> tuple[np.ndarray, str]:
    """Labels the current model did not learn from (all of them for the shipped model)."""
    learned = set(base.card.training.get("label_keys", []))
    fresh = np.asarray([k not in learned for k in keys])
    if fresh.any():
        if fresh.all():
            return fresh, f"all {len(keys)} labels"
        return fresh, (
            f"the {int(fresh.sum())} labels added or changed since {base.version} "
            f"(it learned the other {int((~fresh).sum())})"
        )
    return np.ones(len(keys), dtype=bool), (
        f"all {len(keys)} labels, although {base.version} already learned them all, so its "
        "figures are optimistic"
    )


@dataclass
class _Pool:
    """The replay set in one retrain: what every head trains on, and what calibrates them."""

    x: np.ndarray  # float32 [R, D]
    y: np.ndarray
    cal_x: np.ndarray | None = None  # kept out of every head, for calibration
    cal_y: np.ndarray | None = None


def _pool(rep: ReplaySet | None, dim: int) -> _Pool:
    if rep is None:
        return _Pool(np.zeros((0, dim), np.float32), np.zeros(0, np.int64))
    r_train, r_cal = _split_replay(rep)
    return _Pool(
        rep.embeddings[r_train].astype(np.float32),
        rep.labels[r_train],
        rep.embeddings[r_cal].astype(np.float32),
        rep.labels[r_cal],
    )


def _read_labels(catalog: Catalog, base: LoadedModel) -> tuple[Labelled, LabelCounts, list[str]]:
    """The labelled embeddings ``base`` can read, their counts, and notes on those left out."""
    notes: list[str] = []
    book = Versions(base)
    data, foreign = labelled_embeddings(catalog, book, model_embedding_key(base))
    counts = LabelCounts(int((data.y == 1).sum()), int((data.y == 0).sum()))
    if not counts.enough:
        if foreign:
            raise RetrainError(
                f"{counts.shortfall} {foreign} more labelled photos were scored by a model "
                "whose embeddings differ (a deep retrain or an app update changes them): "
                "scan their folders again."
            )
        raise RetrainError(counts.shortfall)
    if foreign:
        notes.append(
            f"{foreign} labelled photos were scored by a model whose embeddings differ and are "
            "left out until they are scanned again"
        )
    return data, counts, notes


def _replay_for(
    base: LoadedModel, replay: ReplaySet | Literal["auto"] | None, notes: list[str]
) -> ReplaySet | None:
    """The replay set to use (``"auto"``: the one beside ``base``); a note when there is none."""
    rep = find_replay(base) if replay == "auto" else replay
    if rep is None:
        notes.append(f"no replay set for {base.version}: the new head learns from your labels only")
    return rep


def _train(
    init: nn.Linear,
    data: Labelled,
    pool: _Pool,
    cv: CrossValidation,
    epochs: int,
    cancel: CancelToken,
    calibration: Calibration = "base",
) -> Generator[Progress, None, list[nn.Linear]]:
    """Every fold's head and the final one (:func:`train_heads`), cancellable; returns them."""
    x, y = np.concatenate([data.x, pool.x]), np.concatenate([data.y, pool.y])
    soft = None
    if calibration == "base" and len(pool.x):
        # Learning without forgetting: on the replay set the head keeps the current model's
        # own predictions, so where the user said nothing its scores (and the meaning of
        # its threshold, chosen on real clean photos) stay as they were.
        user_rows = np.full((len(data.x), 2), np.nan, np.float32)
        soft = np.concatenate([user_rows, torch.softmax(_logits(init, pool.x), 1).numpy()])
    job = train_heads(
        init, x, y, fold_weights(data.y, pool.y, cv.folds), epochs=epochs, soft_targets=soft
    )
    while True:
        cancel.raise_if_cancelled()
        try:
            done = next(job)
        except StopIteration as stop:
            heads: list[nn.Linear] = stop.value
            return heads
        yield Progress("training", done=done, total=epochs, message=cv.message)


def _calibrations(
    heads: Sequence[nn.Linear],
    pool: _Pool,
    base: LoadedModel,
    target_fpr: float,
    calibration: Calibration = "base",
) -> list[tuple[float, float]]:
    # The same way for every fold and the final head, so the held-out figures describe it.
    if calibration == "replay" and pool.cal_x is not None and pool.cal_y is not None:
        return _calibrate_heads(heads, pool.cal_x, pool.cal_y, target_fpr)
    return [(model_temperature(base.model), base.threshold)] * len(heads)


def _with_head(base: DropletNet, head: nn.Linear, temperature: float) -> DropletNet:
    """A copy of ``base`` with a new head and temperature."""
    model = copy.deepcopy(base)
    model.head.load_state_dict(head.state_dict())
    model.temperature.fill_(temperature)  # type: ignore[operator]
    model.eval()
    return model


def _compare(
    base: LoadedModel,
    model: DropletNet,
    threshold: float,
    data: Labelled,
    cv: CrossValidation,
    heads: Sequence[nn.Linear],
    calibrations: Sequence[tuple[float, float]],
    pool: _Pool,
) -> tuple[Evaluation, Evaluation, str]:
    """Both models on the labels the current model never learned from; which labels those are."""
    per_fold: list[tuple[np.ndarray, np.ndarray, float]] = []
    for held, fold_head, (temp, thr) in zip(cv.folds, heads, calibrations, strict=False):
        scores = torch.softmax(_logits(fold_head, data.x[held]) / temp, 1)[:, 1].numpy()
        per_fold.append((held, scores, thr))
    thresholds = [thr for _, thr in calibrations[:-1]]
    fresh, description = _fresh(base, data.keys)
    k = cv.k
    runs = [combine_folds(per_fold[r * k : (r + 1) * k], data.y) for r in range(cv.repeats)]
    new_m = pooled_metrics(
        data.y[fresh], [(sc[fresh], fl[fresh]) for sc, fl in runs], float(np.mean(thresholds))
    )
    old_m = evaluate_head(base.model, base.threshold, data.x[fresh], data.y[fresh])
    old_replay = new_replay = None
    if pool.cal_x is not None and pool.cal_y is not None:
        old_replay = evaluate_head(base.model, base.threshold, pool.cal_x, pool.cal_y)
        new_replay = evaluate_head(model, threshold, pool.cal_x, pool.cal_y)
    comparison = f"{description}, each scored by a model trained without it ({cv.description})"
    return Evaluation(old_m, old_replay), Evaluation(new_m, new_replay), comparison


def fast_retrain(
    catalog: Catalog,
    base: LoadedModel,
    *,
    epochs: int | None = None,
    replay: ReplaySet | Literal["auto"] | None = "auto",
    seed: int = 0,
    calibration: Calibration = "base",
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, RetrainResult]:
    """Train a new head on the catalog's labelled embeddings (+ replay); compare with ``base``.

    ``replay="auto"`` uses ``base``'s replay set, a :class:`ReplaySet` another, ``None`` none.
    ``calibration``: see :data:`Calibration`. Writes nothing; keep it with :func:`.accept_result`.
    """
    cancel = cancel or CancelToken()
    epochs = epochs or FAST_EPOCHS
    start = time.perf_counter()
    torch.manual_seed(seed)
    yield Progress("reading labels", total=1, message="reading labelled embeddings")
    data, counts, notes = _read_labels(catalog, base)
    rep = _replay_for(base, replay, notes)
    target_fpr = base_target_fpr(base.card)
    pool = _pool(rep, data.x.shape[1])
    cv = CrossValidation.of(data.y, counts, seed)
    heads = yield from _train(base.model.head, data, pool, cv, epochs, cancel, calibration)
    yield Progress("calibrating", done=0, total=1)
    calibrations = _calibrations(heads, pool, base, target_fpr, calibration)
    temperature, threshold = calibrations[-1]
    model = _with_head(base.model, heads[-1], temperature)
    old, new, comparison = _compare(base, model, threshold, data, cv, heads, calibrations, pool)
    yield Progress("checking the catalog", done=0, total=1)
    result = conclude(
        catalog,
        base,
        model,
        kind="fast",
        threshold=threshold,
        temperature=temperature,
        old=old,
        new=new,
        comparison=comparison,
        counts=counts,
        replay=rep,
        training={
            "backbone": model_backbone(base),  # the head is new; the backbone is the base's
            "target_fpr": target_fpr,
            "epochs": epochs,
            **cv.record,
            "replay": 0 if rep is None else len(rep),
            "label_keys": sorted(data.keys),
            "seed": seed,
            "calibration": calibration,
        },
        manifest={"labelled_photos": len(data.y)},
        notes=notes,
        start=start,
    )
    yield Progress("done", done=1, total=1, extra=progress_extra(result))
    return result
