"""The droplet map of a photo: where water covers the lens, as a small grid of coverages.

A map model predicts, for every cell of its stride-32 grid, the share of the cell that
water on the lens covers. The scan stores it compactly (one byte a cell, 0-255), the report
derives ``coverage`` and ``where`` from it, and the app draws it on an *absolute* scale: a
cell is coloured by its own coverage, never rescaled per photo, so a clean photo shows no
hot spot.
"""

from __future__ import annotations

import numpy as np

# Drops rarely fill a whole cell (32x32 input pixels): on real wet photos droplet-v4's cells
# read 0.1-0.4, on clean ones at most about 0.1. So the scale tops out at FULL_SCALE.
# A cell counts as wet for ``where`` when the map says at least this share of it is covered.
WET_CELL = 0.12
# Below this coverage a cell is drawn fully transparent: faint noise is not water.
DRAW_FLOOR = 0.08
# Coverage drawn in the strongest colour (and everything above it).
FULL_SCALE = 0.3

_ZONES_V = ("top", "", "bottom")
_ZONES_H = ("left", "", "right")


def to_grid(cell_logits: np.ndarray) -> np.ndarray:
    """Map logits ``[H, W]`` to stored coverages: uint8, 255 = fully covered."""
    p = 1.0 / (1.0 + np.exp(-np.asarray(cell_logits, dtype=np.float32)))
    return np.clip(np.rint(p * 255.0), 0, 255).astype(np.uint8)


def cell_coverage(grid: np.ndarray) -> np.ndarray:
    """Stored uint8 grid back to coverages in [0, 1]."""
    return np.asarray(grid, dtype=np.float32) / 255.0


def coverage(grid: np.ndarray) -> float:
    """Share of the frame covered by water, 0-1."""
    return float(cell_coverage(grid).mean())


def where(grid: np.ndarray) -> str:
    """Where the water is: ``""`` (nowhere), ``whole frame``, or a zone such as ``top-left``.

    The frame is cut into a 3x3 board of zones; the zone holding most of the wet cells'
    coverage names the place. Water spread over most zones is ``whole frame``.
    """
    cov = cell_coverage(grid)
    wet = np.where(cov >= WET_CELL, cov, 0.0)
    total = float(wet.sum())
    if total <= 0.0:
        return ""
    mass = _zone_mass(wet)
    share = mass / total
    if (share > 0.05).sum() >= 6 or (cov >= WET_CELL).mean() > 0.5:
        return "whole frame"
    return _zone_name(mass)


def strongest_zone(grid: np.ndarray) -> str:
    """The zone holding most of the map's coverage, faint cells included (``centre`` if flat).

    For a map with no clearly wet cell, this still says where to look: drops smaller than a
    cell fill little of it and read faint.
    """
    return _zone_name(_zone_mass(cell_coverage(grid)))


def _zone_mass(cov: np.ndarray) -> np.ndarray:
    h, w = cov.shape
    mass = np.zeros((3, 3), np.float32)
    for i in range(3):
        for j in range(3):
            ys = slice(i * h // 3, (i + 1) * h // 3)
            xs = slice(j * w // 3, (j + 1) * w // 3)
            mass[i, j] = cov[ys, xs].sum()
    return mass


def _zone_name(mass: np.ndarray) -> str:
    if float(np.ptp(mass)) <= 1e-6:
        return "centre"  # an even map: no zone stands out, so no corner is named
    row, col = (int(v) for v in np.unravel_index(int(np.argmax(mass)), mass.shape))
    name = "-".join(part for part in (_ZONES_V[row], _ZONES_H[col]) if part)
    return name or "centre"


# Colour ramp of the overlay, by coverage: cyan for a trace of water to deep blue-violet
# for fully covered. Water-like colours, and far from the skin and foliage tones a red
# "heat" map would hide in.
_RAMP_STOPS = np.array([0.0, 0.5, 1.0], np.float32)
_RAMP_RGB = np.array([[64, 224, 255], [40, 120, 255], [120, 40, 220]], np.float32)


def ramp(values: np.ndarray) -> np.ndarray:
    """RGB (uint8) of the overlay colour for coverages in [0, 1] (saturating at FULL_SCALE)."""
    v = np.clip(np.asarray(values, np.float32) / FULL_SCALE, 0.0, 1.0)
    channels = [np.interp(v, _RAMP_STOPS, _RAMP_RGB[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.uint8)


def overlay_rgba(grid: np.ndarray, max_alpha: float = 0.6) -> np.ndarray:
    """``[H, W, 4]`` uint8 overlay of the grid on the absolute scale (scale it up to draw)."""
    cov = cell_coverage(grid)
    rgba = np.zeros((*cov.shape, 4), np.uint8)
    rgba[..., :3] = ramp(cov)
    alpha = np.clip((cov - DRAW_FLOOR) / (FULL_SCALE - DRAW_FLOOR), 0.0, 1.0) * max_alpha
    rgba[..., 3] = np.rint(alpha * 255.0).astype(np.uint8)
    return rgba


__all__ = ["FULL_SCALE", "cell_coverage", "coverage", "overlay_rgba", "ramp", "to_grid", "where"]
