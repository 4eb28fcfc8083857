"""The kinds of water the renderer draws, how often each is chosen, and who draws it.

Soft blobs on the lens, dense and sparse drops on glass, a wiped film, drops lit at night
and windscreen specks. Each kind has its working resolution: soft kinds need fewer pixels.
"""

from __future__ import annotations

import numpy as np

from dropletcleaner.core.synthetic.lens_water.film import film_smear
from dropletcleaner.core.synthetic.lens_water.glass import glass, windscreen_specks
from dropletcleaner.core.synthetic.lens_water.lens import bokeh_night, lens_blobs
from dropletcleaner.core.synthetic.lens_water.shading import Layer

KINDS: tuple[str, ...] = (
    "lens_blobs",
    "glass_dense",
    "glass_sparse",
    "film_smear",
    "bokeh_night",
    "windscreen_specks",
)

# Windscreen specks are drawn twice as often as droplet-v4 drew them: they are most of the
# real wet photos that droplet-v4.1 missed (droplet-v5 and droplet-v6 were trained with it).
KIND_WEIGHTS: dict[str, float] = {
    "lens_blobs": 0.26,
    "glass_dense": 0.22,
    "glass_sparse": 0.14,
    "film_smear": 0.10,
    "bokeh_night": 0.08,
    "windscreen_specks": 0.20,
}

# Short side (px) at which each kind's water layer is computed; soft kinds need less.
WORK_SIDE: dict[str, int] = {
    "lens_blobs": 200,
    "glass_dense": 720,
    "glass_sparse": 720,
    "film_smear": 240,
    "bokeh_night": 260,
    "windscreen_specks": 720,
}


_RENDERERS = {
    "lens_blobs": lens_blobs,
    "bokeh_night": bokeh_night,
    "film_smear": film_smear,
    "windscreen_specks": windscreen_specks,
}


def render_layer(
    rng: np.random.Generator, kind: str, img: np.ndarray, s: float, px: float
) -> Layer:
    """Draw one layer of ``kind`` on ``img`` (short side ``s``; ``px``: one output pixel)."""
    if kind == "glass_dense":
        return glass(rng, img, s, px, dense=True)
    if kind == "glass_sparse":
        return glass(rng, img, s, px, dense=False)
    return _RENDERERS[kind](rng, img, s, px)


def pick_kind(rng: np.random.Generator) -> str:
    """A kind drawn at random by :data:`KIND_WEIGHTS`."""
    w = np.array([KIND_WEIGHTS[k] for k in KINDS], dtype=np.float64)
    return KINDS[int(rng.choice(len(KINDS), p=w / w.sum()))]
