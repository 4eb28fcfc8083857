"""Tests for the lens-water renderer."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

from dropletcleaner.core.synthetic.lens_water import (
    KIND_WEIGHTS,
    KINDS,
    SynthResult,
    render_droplets,
)


def _scene(h: int = 168, w: int = 224, seed: int = 0) -> np.ndarray:
    """A photo-like test scene: sky gradient, textured ground, a few edges and a light."""
    rng = np.random.default_rng(seed)
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    sky = yy < h * 0.45
    img[sky] = np.stack([120 + 60 * yy / h, 160 + 50 * yy / h, 230 - 20 * yy / h], -1)[sky]
    ground = ~sky
    tex = rng.normal(0, 18, (h, w))
    img[ground] = np.stack([70 + tex, 110 + tex, 50 + tex], -1)[ground]
    img[int(h * 0.3) : int(h * 0.7), w // 5 : w // 5 + w // 8] = (180, 60, 50)
    img[10:16, w - 30 : w - 24] = 255
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_the_right_shapes_and_a_visible_mask(kind: str) -> None:
    img = _scene()
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


def test_same_seed_same_render_and_different_seeds_differ() -> None:
    img = _scene()
    a = render_droplets(img, np.random.default_rng(7))
    b = render_droplets(img, np.random.default_rng(7))
    c = render_droplets(img, np.random.default_rng(8))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert a.params == b.params
    assert not np.array_equal(a.image, c.image)


def test_input_is_not_modified_and_odd_sizes_work() -> None:
    img = _scene(97, 131, seed=3)
    before = img.copy()
    for kind in KINDS:
        res = render_droplets(img, np.random.default_rng(1), kind)
        assert res.image.shape == (97, 131, 3)
    assert np.array_equal(img, before)


@pytest.mark.parametrize("kind", ["windscreen_specks", "glass_sparse"])
def test_sparse_kinds_leave_dry_areas_alone(kind: str) -> None:
    img = _scene(240, 320)
    res = render_droplets(img, np.random.default_rng(11), kind)
    diff = np.abs(res.image.astype(int) - img.astype(int)).max(axis=-1)
    # dilate the wet area generously, then everything else must be (nearly) untouched
    wet = res.mask > 0.01
    far = ~ndimage.binary_dilation(wet, iterations=6)
    assert far.mean() > 0.3
    assert np.percentile(diff[far], 99) <= 3
    assert diff[res.mask > 0.5].mean() > 2.0


def test_random_kind_follows_the_weights() -> None:
    img = _scene(60, 80)
    rng = np.random.default_rng(0)
    kinds = [render_droplets(img, rng).params["kind"] for _ in range(60)]
    assert set(kinds) <= set(KINDS)
    assert len(set(kinds)) >= 4


def test_rejects_bad_input() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        render_droplets(np.zeros((10, 10), np.uint8), rng)
    with pytest.raises(ValueError):
        render_droplets(np.zeros((10, 10, 3), np.float32), rng)
    with pytest.raises(ValueError):
        render_droplets(np.zeros((10, 10, 3), np.uint8), rng, "snow")
