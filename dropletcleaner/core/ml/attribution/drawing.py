"""Drawing heat maps over photos: the inferno colour map and an alpha ramp on an absolute scale."""

from __future__ import annotations

import numpy as np
from PIL import Image

# matplotlib's "inferno" (CC0) sampled at 17 points; linear interpolation stays within
# 7/255 of the full map. Perceptually uniform and readable for colour-blind viewers.
_INFERNO = np.array(
    [
        [0, 0, 4], [11, 7, 36], [33, 12, 74], [61, 9, 101], [87, 16, 110], [113, 25, 110],
        [138, 34, 106], [163, 44, 97], [188, 55, 84], [210, 70, 68], [228, 90, 49],
        [241, 115, 29], [249, 142, 9], [252, 172, 17], [249, 203, 53], [242, 234, 105],
        [252, 255, 164],
    ],
    dtype=np.float32,
)  # fmt: skip
# Alpha ramps smoothly from 0 to 1 over this heat range: weak evidence leaves the photo clear.
_ALPHA_RAMP = (0.12, 0.8)


def inferno(values: np.ndarray) -> np.ndarray:
    """Map values in ``[0, 1]`` to uint8 RGB with the inferno colour map."""
    v = np.clip(np.asarray(values, dtype=np.float32), 0.0, 1.0) * (len(_INFERNO) - 1)
    lo = np.minimum(v.astype(np.int32), len(_INFERNO) - 2)
    frac = (v - lo)[..., None]
    rgb = _INFERNO[lo] * (1.0 - frac) + _INFERNO[lo + 1] * frac
    return np.rint(rgb).astype(np.uint8)


def resize_heatmap(heatmap: np.ndarray, width: int, height: int) -> np.ndarray:
    """Smoothly (bicubic) resample a heat map to ``height x width``, clipped to ``[0, 1]``."""
    heat = np.asarray(heatmap, dtype=np.float32)
    if heat.shape != (height, width):
        img = Image.fromarray(heat, mode="F").resize((width, height), Image.Resampling.BICUBIC)
        heat = np.asarray(img, dtype=np.float32)
    return np.clip(heat, 0.0, 1.0)


def heat_layer(heatmap: np.ndarray, width: int, height: int) -> np.ndarray:
    """An RGBA uint8 layer (straight alpha) to draw over a photo of ``width x height``.

    Colour comes from :func:`inferno`, alpha grows with the heat, so cold areas leave the
    photo visible. Drawing it at opacity ``o`` equals :func:`overlay` with opacity ``o``.
    """
    heat = resize_heatmap(heatmap, width, height)
    lo, hi = _ALPHA_RAMP
    t = np.clip((heat - lo) / (hi - lo), 0.0, 1.0)
    alpha = np.rint(255.0 * t * t * (3.0 - 2.0 * t)).astype(np.uint8)
    return np.dstack([inferno(heat), alpha])


def overlay(rgb: np.ndarray, heatmap: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    """Blend a heat map (any size, upsampled smoothly) over a uint8 RGB photo ``[H, W, 3]``."""
    photo = np.asarray(rgb)
    if photo.ndim != 3 or photo.shape[2] != 3:
        raise ValueError(f"expected RGB [H, W, 3], got {photo.shape}")
    layer = heat_layer(heatmap, photo.shape[1], photo.shape[0]).astype(np.float32)
    alpha = layer[..., 3:] / 255.0 * float(np.clip(opacity, 0.0, 1.0))
    out = photo.astype(np.float32) * (1.0 - alpha) + layer[..., :3] * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
