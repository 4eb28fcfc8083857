"""Cross-validation folds over the user's labels."""

from __future__ import annotations

import numpy as np

from dropletcleaner.core.training.retrain.crossval import stratified_folds


def test_stratified_folds_cover_each_label_once() -> None:
    y = np.array([0] * 7 + [1] * 12)
    folds = stratified_folds(y, 5, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(y)))
    assert all(set(y[f].tolist()) == {0, 1} for f in folds)
