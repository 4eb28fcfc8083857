"""A photo-like test scene for the lens-water tests."""

from __future__ import annotations

import numpy as np


def scene(h: int = 168, w: int = 224, seed: int = 0) -> np.ndarray:
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
