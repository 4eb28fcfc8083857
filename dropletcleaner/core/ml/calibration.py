"""Calibration: the one temperature fit (one head or many at once), and the threshold choice.

A droplet head has two classes, so its negative log-likelihood depends on the logits only
through the margin ``logit[1] - logit[0]`` and is convex in ``s = 1 / T``. Bisection on the
NLL's slope over ``log s`` therefore finds the global minimum in a fixed number of steps,
with no learning rate or iteration limit to tune, and vectorises across heads: fast
retraining calibrates every cross-validation head in one call (:func:`fit_temperatures`),
base training and map calibration one head (:func:`fit_temperature`).
:func:`choose_threshold` picks the threshold that keeps false positives at a target rate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# The range a temperature may take: beyond it the scores would be all but binary or flat.
MIN_TEMPERATURE = 0.05
MAX_TEMPERATURE = 20.0
_BISECTION_STEPS = 50  # halves the log-range 50 times: far below float precision of T


def _as_array(values: Any) -> np.ndarray:
    """A NumPy float64 copy of ``values`` (a NumPy array or a torch tensor, on any device)."""
    if hasattr(values, "detach"):  # a torch tensor; ml need not import torch for this
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def fit_temperatures(logits: Any, labels: Any) -> np.ndarray:
    """NLL-minimising temperature of each of M heads' logits ``[M, N, 2]`` (clamped 0.05-20).

    ``labels`` ``[N]`` are shared by every head (1 = droplet). Returns ``[M]`` temperatures.
    """
    lg = _as_array(logits)
    y = _as_array(labels)
    margin = (lg[..., 1] - lg[..., 0]) * np.where(y == 1, 1.0, -1.0)  # [M, N]

    def slope(log_s: np.ndarray) -> np.ndarray:
        # d/ds mean(softplus(-s * margin)) = mean(-margin * sigmoid(-s * margin))
        z = -np.exp(log_s)[:, None] * margin
        return (-margin * 0.5 * (1.0 + np.tanh(z / 2))).mean(axis=1)

    lo = np.full(len(margin), math.log(1 / MAX_TEMPERATURE))
    hi = np.full(len(margin), math.log(1 / MIN_TEMPERATURE))
    for _ in range(_BISECTION_STEPS):
        mid = (lo + hi) / 2
        rising = slope(mid) > 0
        hi = np.where(rising, mid, hi)
        lo = np.where(rising, lo, mid)
    return np.asarray(1.0 / np.exp((lo + hi) / 2))


def fit_temperature(logits: Any, labels: Any) -> float:
    """NLL-minimising temperature of one head's logits ``[N, 2]`` (clamped 0.05-20)."""
    return float(fit_temperatures(_as_array(logits)[None], labels)[0])


def choose_threshold(scores: np.ndarray, labels: np.ndarray, target_fpr: float) -> float:
    """Lowest threshold (not below 0.5) keeping validation false positives at ``target_fpr``."""
    negatives = np.sort(scores[labels == 0])
    if len(negatives) == 0:
        return 0.5
    k = math.floor(len(negatives) * (1.0 - target_fpr))
    q = float(negatives[min(k, len(negatives) - 1)])
    return float(min(0.95, max(0.5, q + 1e-4)))


__all__ = [
    "MAX_TEMPERATURE",
    "MIN_TEMPERATURE",
    "choose_threshold",
    "fit_temperature",
    "fit_temperatures",
]
