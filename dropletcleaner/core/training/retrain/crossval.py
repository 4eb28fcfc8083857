"""Cross-validation over the user's labels: folds, their heads' weights, pooled figures.

Each fold's head trains blind to its fold (a zero weight leaves a sample out) and scores it;
few labels make one k-fold split a lottery, so it is repeated with other splits and the
held-out figures are pooled over the repetitions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dropletcleaner.core.ml.metrics import BinaryMetrics, auroc, binary_metrics
from dropletcleaner.core.training.retrain.heads import sample_weights
from dropletcleaner.core.training.retrain.labels import LabelCounts

MAX_FOLDS = 5
FEW_LABELS = 60  # below this many labels, cross-validation is repeated ...
FEW_LABELS_REPEATS = 3  # ... this many times with other splits


def stratified_folds(labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """``k`` disjoint index sets covering ``labels``, each class spread evenly."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == c))
        for j, i in enumerate(idx):
            folds[(j + offset) % k].append(int(i))
        offset += len(idx)
    return [np.asarray(sorted(f), dtype=np.int64) for f in folds]


@dataclass
class CrossValidation:
    """Stratified k-fold cross-validation over the user's labels, repeated when there are few."""

    k: int
    repeats: int
    folds: list[np.ndarray]

    @classmethod
    def of(cls, y: np.ndarray, counts: LabelCounts, seed: int) -> CrossValidation:
        k = max(2, min(MAX_FOLDS, counts.droplet, counts.clean))
        # Few labels make one k-fold split a lottery: repeat it with other splits and average.
        repeats = FEW_LABELS_REPEATS if len(y) < FEW_LABELS else 1
        folds = [f for r in range(repeats) for f in stratified_folds(y, k, seed + r)]
        return cls(k, repeats, folds)

    @property
    def message(self) -> str:
        heads = f"{len(self.folds)} cross-validation heads"
        return f"{heads} ({self.repeats}× {self.k}-fold) and the final one"

    @property
    def record(self) -> dict[str, int]:
        """What the candidate's card records of the cross-validation."""
        return {"folds": self.k, "repeats": self.repeats}

    @property
    def description(self) -> str:
        if self.repeats == 1:
            return f"{self.k}-fold"
        return f"{self.k}-fold, repeated {self.repeats} times"


def fold_weights(y_user: np.ndarray, y_replay: np.ndarray, folds: list[np.ndarray]) -> np.ndarray:
    """Sample weights: one row per fold's head, blind to that fold; the last, the final head's."""
    n_user = len(y_user)
    weights = np.zeros((len(folds) + 1, n_user + len(y_replay)))
    for f, held in enumerate(folds):
        keep = np.ones(n_user, dtype=bool)
        keep[held] = False
        w = sample_weights(y_user[keep], y_replay)
        weights[f, np.flatnonzero(keep)] = w[: keep.sum()]
        weights[f, n_user:] = w[keep.sum() :]
    weights[-1] = sample_weights(y_user, y_replay)
    return weights


def combine_folds(
    metrics_by_fold: list[tuple[np.ndarray, np.ndarray, float]], y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample scores and flags assembled from folds with their own thresholds."""
    scores = np.zeros(len(y), dtype=np.float64)
    flags = np.zeros(len(y), dtype=bool)
    for idx, s, thr in metrics_by_fold:
        scores[idx] = s
        flags[idx] = s >= thr
    return scores, flags


def pooled_metrics(
    y: np.ndarray, runs: Sequence[tuple[np.ndarray, np.ndarray]], threshold: float
) -> BinaryMetrics:
    """Metrics of held-out ``(scores, flags)`` from repeated cross-validation, averaged.

    Rates are pooled over the repetitions, counts are per repetition (rounded), AUROC is the
    mean of each repetition's. Per-fold thresholds arrive folded into the 0/1 flags.
    """
    reps = len(runs)
    flags = np.concatenate([f for _, f in runs]).astype(np.float64)
    m = binary_metrics(np.tile(y, reps), flags, 0.5)
    aurocs = [auroc(y, s) for s, _ in runs]
    return dataclasses.replace(
        m,
        threshold=threshold,
        n=len(y),
        tp=round(m.tp / reps),
        fp=round(m.fp / reps),
        tn=round(m.tn / reps),
        fn=round(m.fn / reps),
        auroc=float("nan") if any(math.isnan(a) for a in aurocs) else float(np.mean(aurocs)),
    )
