"""Tests for the lens-water entry point: seeds, inputs left alone, odd sizes, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from dropletcleaner.core.synthetic.lens_water.kinds import KINDS
from dropletcleaner.core.synthetic.lens_water.render import render_droplets
from tests.core.synthetic.lens_water.lens_helpers import scene


def test_same_seed_same_render_and_different_seeds_differ() -> None:
    img = scene()
    a = render_droplets(img, np.random.default_rng(7))
    b = render_droplets(img, np.random.default_rng(7))
    c = render_droplets(img, np.random.default_rng(8))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert a.params == b.params
    assert not np.array_equal(a.image, c.image)


def test_input_is_not_modified_and_odd_sizes_work() -> None:
    img = scene(97, 131, seed=3)
    before = img.copy()
    for kind in KINDS:
        res = render_droplets(img, np.random.default_rng(1), kind)
        assert res.image.shape == (97, 131, 3)
    assert np.array_equal(img, before)


def test_rejects_bad_input() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        render_droplets(np.zeros((10, 10), np.uint8), rng)
    with pytest.raises(ValueError):
        render_droplets(np.zeros((10, 10, 3), np.float32), rng)
    with pytest.raises(ValueError):
        render_droplets(np.zeros((10, 10, 3), np.uint8), rng, "snow")
