"""The droplet map: stored grids, coverage, where the water is, and the absolute-scale overlay."""

from __future__ import annotations

import numpy as np

from dropletcleaner.core.ml.droplet_map import (
    coverage,
    overlay_rgba,
    ramp,
    strongest_zone,
    to_grid,
    where,
)


def _grid(cells: dict[tuple[int, int], float], side: int = 9) -> np.ndarray:
    g = np.zeros((side, side), np.uint8)
    for (r, c), v in cells.items():
        g[r, c] = round(v * 255)
    return g


def test_to_grid_maps_logits_to_coverage_bytes() -> None:
    grid = to_grid(np.array([[-20.0, 0.0], [20.0, 2.0]]))
    assert grid.dtype == np.uint8
    assert grid.tolist() == [[0, 128], [255, 225]]


def test_coverage_is_the_share_of_the_frame() -> None:
    assert coverage(np.zeros((9, 9), np.uint8)) == 0.0
    assert coverage(np.full((9, 9), 255, np.uint8)) == 1.0
    half = _grid({(r, c): 1.0 for r in range(9) for c in range(9) if (r * 9 + c) % 2 == 0})
    assert abs(coverage(half) - 41 / 81) < 1e-6


def test_where_names_the_zone_holding_the_water() -> None:
    assert where(np.zeros((9, 9), np.uint8)) == ""
    top_left = _grid({(0, 0): 1.0, (0, 1): 0.9, (1, 1): 0.8})
    assert where(top_left) == "top-left"
    bottom = _grid({(8, 4): 1.0, (7, 4): 0.7})
    assert where(bottom) == "bottom"
    centre = _grid({(4, 4): 1.0})
    assert where(centre) == "centre"
    assert where(np.full((9, 9), 230, np.uint8)) == "whole frame"


def test_faint_cells_do_not_count_as_wet() -> None:
    assert where(np.full((9, 9), 25, np.uint8)) == ""  # about 10 %: a clean photo's noise


def test_strongest_zone_points_at_faint_traces_that_where_ignores() -> None:
    faint = np.full((9, 9), 10, np.uint8)
    faint[6:, :3] = 28  # under a wet cell everywhere: small drops at the bottom left
    assert where(faint) == ""
    assert strongest_zone(faint) == "bottom-left"
    assert strongest_zone(np.zeros((9, 9), np.uint8)) == "centre"  # flat: no zone stands out


def test_overlay_is_absolute_so_a_clean_photo_shows_no_hot_spot() -> None:
    # A clean photo's map is low everywhere; rescaling per photo would make its largest cell
    # look hot. On the absolute scale nothing is drawn.
    clean = _grid({(3, 3): 0.07, (5, 5): 0.05})  # droplet-v4 reads clean photos at most ~0.1
    assert overlay_rgba(clean)[..., 3].max() == 0
    wet = _grid({(3, 3): 0.3, (5, 5): 0.15})
    alpha = overlay_rgba(wet)[..., 3]
    assert alpha[3, 3] > alpha[5, 5] > 0 and alpha[0, 0] == 0


def test_ramp_runs_from_light_to_deep_colour() -> None:
    colours = ramp(np.array([0.0, 1.0])).astype(int)
    assert colours.shape == (2, 3)
    assert colours[0].sum() > colours[1].sum()
