"""Calibration: the temperature fit recovers a known temperature, one head or many at once;
the threshold keeps false positives at the target."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dropletcleaner.core.ml.calibration import choose_threshold, fit_temperature, fit_temperatures


def _logits_at(temperature: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits ``[n, 2]`` whose labels are drawn from softmax(logits / ``temperature``)."""
    rng = np.random.default_rng(seed)
    margin = rng.normal(0.0, 3.0, n)
    p_droplet = 1.0 / (1.0 + np.exp(-margin / temperature))
    labels = (rng.random(n) < p_droplet).astype(np.int64)
    return np.stack([-margin / 2, margin / 2], axis=1), labels


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.5])
def test_recovers_a_known_temperature(temperature: float) -> None:
    logits, labels = _logits_at(temperature, 20_000, seed=1)
    assert fit_temperature(logits, labels) == pytest.approx(temperature, rel=0.08)


def test_fits_many_heads_at_once_as_each_alone() -> None:
    heads = [_logits_at(t, 5_000, seed=2) for t in (0.7, 1.5)]
    labels = heads[0][1]
    stacked = np.stack([heads[0][0], heads[1][0]])
    together = fit_temperatures(stacked, labels)
    alone = [fit_temperature(lg, labels) for lg in stacked]
    assert together == pytest.approx(alone, rel=1e-9)
    assert together[0] == pytest.approx(0.7, rel=0.1)


def test_takes_torch_tensors_and_minimises_the_nll() -> None:
    logits, labels = _logits_at(1.8, 4_000, seed=3)
    t = fit_temperature(torch.from_numpy(logits).float(), torch.from_numpy(labels))
    margin = (logits[:, 1] - logits[:, 0]) * (labels * 2 - 1)
    nll = [np.logaddexp(0, -margin / temp).mean() for temp in (t, t * 0.9, t * 1.1)]
    assert nll[0] <= min(nll[1:])


def test_perfectly_separated_logits_stop_at_the_clamp() -> None:
    y = np.random.default_rng(0).integers(0, 2, 300)
    sep = np.stack([-(y * 2 - 1.0), y * 2 - 1.0], axis=1) * 10
    assert fit_temperatures(sep[None], y)[0] == pytest.approx(0.05, rel=1e-3)


def test_threshold_keeps_false_positives_at_the_target() -> None:
    scores = np.concatenate([np.linspace(0, 0.7, 100), np.full(10, 0.99)])
    labels = np.concatenate([np.zeros(100, int), np.ones(10, int)])
    t = choose_threshold(scores, labels, target_fpr=0.02)
    assert ((scores[labels == 0] >= t).mean()) <= 0.02 and t >= 0.5
