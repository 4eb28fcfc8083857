"""What every trainer shares: the two classes weigh the same in the loss."""

from __future__ import annotations

import numpy as np
import pytest

from dropletcleaner.core.training.optim import class_weights


def test_class_weights() -> None:
    w = class_weights(np.array([0, 0, 0, 1]))
    assert float(w[1]) == pytest.approx(3 * float(w[0]))
