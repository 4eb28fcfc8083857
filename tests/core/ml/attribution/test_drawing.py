"""Drawing heat maps: the inferno colour map, and an alpha ramp that leaves cold areas clear."""

from __future__ import annotations

import numpy as np
import pytest

from dropletcleaner.core.ml.attribution.drawing import heat_layer, inferno, overlay


def test_inferno_endpoints_and_monotonic_lightness() -> None:
    colours = inferno(np.linspace(0.0, 1.0, 64)).astype(np.float32)
    assert colours.dtype == np.float32 and colours.shape == (64, 3)
    np.testing.assert_array_equal(inferno(np.array([0.0, 1.0])), [[0, 0, 4], [252, 255, 164]])
    luma = colours @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    assert (np.diff(luma) > 0).all()


def test_overlay_blends_by_heat_and_opacity() -> None:
    photo = np.full((90, 120, 3), 40, np.uint8)
    heat = np.zeros((7, 7), np.float32)
    heat[0, 0] = 1.0  # hot top-left corner, cold elsewhere

    untouched = overlay(photo, heat, opacity=0.0)
    np.testing.assert_array_equal(untouched, photo)

    blended = overlay(photo, heat, opacity=1.0)
    assert blended.shape == photo.shape and blended.dtype == np.uint8
    np.testing.assert_array_equal(blended[0, 0], inferno(np.array(1.0)))
    np.testing.assert_array_equal(blended[-1, -1], photo[-1, -1])  # cold areas stay clear

    half = overlay(photo, heat, opacity=0.5)
    assert (
        np.abs(half[0, 0].astype(int) - (40 + inferno(np.array(1.0)).astype(int)) // 2).max() <= 1
    )

    layer = heat_layer(heat, 120, 90)
    assert layer.shape == (90, 120, 4)
    assert layer[0, 0, 3] == 255 and layer[-1, -1, 3] == 0


def test_inferno_clips_values_outside_the_range() -> None:
    np.testing.assert_array_equal(inferno(np.array([-3.0, 7.0])), inferno(np.array([0.0, 1.0])))
    assert inferno(np.zeros((4, 5))).shape == (4, 5, 3)


def test_weak_evidence_leaves_the_photo_clear_and_strong_evidence_is_opaque() -> None:
    heat = np.array([[0.0, 0.1, 0.12, 0.3], [0.5, 0.7, 0.8, 1.0]], np.float32)
    alpha = heat_layer(heat, 4, 2)[..., 3]
    # Below the start of the ramp nothing is drawn; at its end and above, fully opaque.
    assert alpha[0, :3].tolist() == [0, 0, 0]
    assert alpha[1, 2:].tolist() == [255, 255]
    ramp = [int(alpha[0, 3]), int(alpha[1, 0]), int(alpha[1, 1])]
    assert 0 < ramp[0] < ramp[1] < ramp[2] < 255  # smooth and rising in between

    photo = np.full((2, 4, 3), 90, np.uint8)
    drawn = overlay(photo, heat, opacity=1.0)
    np.testing.assert_array_equal(drawn[0, :3], photo[0, :3])  # weak evidence: untouched
    np.testing.assert_array_equal(drawn[1, 3], inferno(np.array(1.0)))


def test_the_heat_map_is_resampled_to_the_photo_and_kept_in_range() -> None:
    heat = np.zeros((7, 7), np.float32)
    heat[3, 3] = 1.0
    layer = heat_layer(heat, 70, 50)
    assert layer.shape == (50, 70, 4) and layer.dtype == np.uint8
    assert layer[25, 35, 3] > 0 and layer[0, 0, 3] == 0  # hot in the centre, clear at the edge


def test_overlay_refuses_what_is_not_an_rgb_photo() -> None:
    with pytest.raises(ValueError, match=r"expected RGB \[H, W, 3\]"):
        overlay(np.zeros((4, 4), np.uint8), np.zeros((2, 2), np.float32))
