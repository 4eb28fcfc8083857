"""Tests for the kinds of lens water: each kind draws visible water, weights, sparse kinds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

from dropletcleaner.core.synthetic.lens_water.kinds import KIND_WEIGHTS, KINDS
from dropletcleaner.core.synthetic.lens_water.render import SynthResult, render_droplets
from tests.core.synthetic.lens_water.lens_helpers import scene


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_the_right_shapes_and_a_visible_mask(kind: str) -> None:
    img = scene()
    for seed in range(3):
        res = render_droplets(img, np.random.default_rng(seed), kind)
        assert isinstance(res, SynthResult)
        assert res.image.shape == img.shape and res.image.dtype == np.uint8
        assert res.mask.shape == img.shape[:2] and res.mask.dtype == np.float32
        assert res.mask.min() >= 0.0 and res.mask.max() <= 1.0
        assert res.mask.max() > 0.5, f"{kind} seed {seed}: no water drawn"
        assert res.params["kind"] == kind
        json.dumps(res.params)  # recorded in training manifests
        changed = np.abs(res.image.astype(int) - img.astype(int)).max(axis=-1)
        assert changed[res.mask > 0.5].mean() > 2.0, f"{kind} seed {seed}: water is invisible"


def test_weights_cover_the_kinds_and_favour_lens_and_glass() -> None:
    assert set(KIND_WEIGHTS) == set(KINDS)
    top = sorted(KIND_WEIGHTS, key=KIND_WEIGHTS.__getitem__, reverse=True)[:2]
    assert set(top) == {"lens_blobs", "glass_dense"}


@pytest.mark.parametrize("kind", ["windscreen_specks", "glass_sparse"])
def test_sparse_kinds_leave_dry_areas_alone(kind: str) -> None:
    img = scene(240, 320)
    res = render_droplets(img, np.random.default_rng(11), kind)
    diff = np.abs(res.image.astype(int) - img.astype(int)).max(axis=-1)
    # dilate the wet area generously, then everything else must be (nearly) untouched
    wet = res.mask > 0.01
    far = ~ndimage.binary_dilation(wet, iterations=6)
    assert far.mean() > 0.3
    assert np.percentile(diff[far], 99) <= 3
    assert diff[res.mask > 0.5].mean() > 2.0


def test_random_kind_follows_the_weights() -> None:
    img = scene(60, 80)
    rng = np.random.default_rng(0)
    kinds = [render_droplets(img, rng).params["kind"] for _ in range(60)]
    assert set(kinds) <= set(KINDS)
    assert len(set(kinds)) >= 4
