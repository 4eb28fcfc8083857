"""Water that belongs to the scene: rendered negatives that stay clean photos."""

from __future__ import annotations

import numpy as np
import pytest

from dropletcleaner.core.synthetic.scene_water import SCENE_WATER_KINDS, render_scene_water


def _photo(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.linspace(40, 200, 160, dtype=np.float32)[None, :, None].repeat(120, 0)
    return np.clip(base + rng.normal(0, 12, (120, 160, 3)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("kind", SCENE_WATER_KINDS)
def test_each_kind_changes_the_photo_and_keeps_its_shape(kind: str) -> None:
    img = _photo()
    out, got = render_scene_water(img, np.random.default_rng(1), kind)
    assert got == kind and out.shape == img.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - img).mean() > 0.2
    assert np.array_equal(img, _photo())  # the input is not modified


def test_renders_are_reproducible_from_the_seed() -> None:
    a, ka = render_scene_water(_photo(), np.random.default_rng(5))
    b, kb = render_scene_water(_photo(), np.random.default_rng(5))
    assert ka == kb and np.array_equal(a, b)


def test_surface_drops_stay_on_one_surface_not_over_the_frame() -> None:
    img = _photo()
    out, _ = render_scene_water(img, np.random.default_rng(3), "surface_drops")
    changed = np.abs(out.astype(int) - img).max(axis=-1) > 10
    assert 0 < changed.mean() < 0.5  # confined, unlike water on a lens


def test_wet_street_leaves_the_top_of_the_frame_alone() -> None:
    img = _photo()
    out, _ = render_scene_water(img, np.random.default_rng(2), "wet_street")
    assert np.array_equal(out[: img.shape[0] // 2], img[: img.shape[0] // 2])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scene-water kind"):
        render_scene_water(_photo(), np.random.default_rng(0), "puddle")
    with pytest.raises(ValueError, match="uint8"):
        render_scene_water(np.zeros((4, 4), np.float32), np.random.default_rng(0))
