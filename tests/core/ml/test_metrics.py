"""Metrics: AUROC against hand-computed cases and the confusion counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dropletcleaner.core.ml.metrics import auroc, binary_metrics


def test_auroc_perfect_inverted_and_ties() -> None:
    y = np.array([0, 0, 1, 1])
    assert auroc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert auroc(y, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert auroc(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    # one positive (0.4) below one negative (0.6): 3 of 4 pairs ordered
    assert auroc(y, np.array([0.1, 0.6, 0.4, 0.9])) == pytest.approx(0.75)
    assert math.isnan(auroc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_binary_metrics_counts() -> None:
    m = binary_metrics(np.array([1, 1, 1, 0, 0]), np.array([0.9, 0.6, 0.2, 0.7, 0.1]), 0.5)
    assert (m.tp, m.fn, m.fp, m.tn) == (2, 1, 1, 1)
    assert m.precision == pytest.approx(2 / 3) and m.recall == pytest.approx(2 / 3)
    assert m.accuracy == pytest.approx(3 / 5) and m.fpr == pytest.approx(0.5)
