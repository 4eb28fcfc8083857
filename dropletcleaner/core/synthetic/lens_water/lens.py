"""Water on the lens itself: large, soft, defocused blobs, and drops lit at night.

A drop on the front element is far out of focus: it shows a hazy, magnified blob, or, in the
dark, a glowing disc and smeared flare around each light source.
"""

from __future__ import annotations

import numpy as np

from dropletcleaner.core.synthetic.imaging import gaussian_blur, luminance
from dropletcleaner.core.synthetic.lens_water.geometry import log_uniform, random_drops, stamp
from dropletcleaner.core.synthetic.lens_water.shading import (
    Layer,
    airlight,
    boost_highlights,
    defocus,
    haze,
    make_look,
    shade,
)


def _blob_view(rng: np.random.Generator, img: np.ndarray, s: float) -> tuple[float, np.ndarray]:
    """How far a blob's view reaches (negative: upright, magnified), and the soft scene it sees."""
    sign = 1.0 if rng.random() < 0.65 else -1.0
    view = sign * rng.uniform(0.04, 0.3) * s
    src = gaussian_blur(img, rng.uniform(0.004, 0.03) * s)
    if rng.random() < 0.5:
        src = boost_highlights(src, rng, rng.uniform(0.5, 3.0))
    return view, src


def lens_blobs(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> Layer:
    """Drops on the lens itself: large, soft, defocused, hazy blobs."""
    shape = img.shape[:2]
    n = int(2 + 24 * rng.random() ** 1.5)
    radius = log_uniform(rng, 0.04 * s, rng.uniform(0.1, 0.25) * s, n, rng.uniform(1.0, 2.0))
    layout = str(rng.choice(["uniform", "uniform", "cluster", "band"]))
    drops = random_drops(
        rng,
        n,
        shape,
        radius,
        aspect=(0.55, 1.0),
        irregular=rng.uniform(0.0, 0.3),
        sag=(0.0, rng.uniform(0.0, 0.5)),
        power=(0.7, rng.uniform(1.0, 2.2)),
        layout=layout,
    )
    hscale = 0.5
    fld = stamp(shape, drops, hscale)
    view, src = _blob_view(rng, img, s)
    g = rng.uniform(0.75, 1.5)
    look = make_look(
        rng,
        n,
        view=view / (2 * hscale),
        bias_y=rng.uniform(-0.05, 0.05) * s,
        rim=rng.uniform(-0.5, 0.4),
        rim_lo=rng.uniform(0.3, 0.8),
        rim_hi=rng.uniform(0.9, 2.0),
        spec=rng.uniform(0.0, 0.3) if rng.random() < 0.6 else 0.0,
        shininess=rng.uniform(3, 25),
        caustic=rng.uniform(0.0, 0.25),
        trans=rng.uniform(0.85, 1.1, n).astype(np.float32),
        gain=(g * rng.uniform(0.85, 1.15, n)).astype(np.float32),
        opacity=rng.uniform(0.5, 1.0, n).astype(np.float32),
    )
    rgb, alpha = shade(src, fld, look)
    # light scattered inside the water makes the blobs milky
    milk = rng.uniform(0.0, 0.6) if rng.random() < 0.8 else 0.0
    rgb = rgb * (1 - milk) + airlight(rng, img) * (alpha * milk)[..., None]
    rmed = float(np.median(radius))
    sigma = rng.uniform(0.15, 0.6) * rmed
    rgb, alpha = defocus(rgb, alpha, sigma)
    layer = Layer(rgb, alpha)
    layer.haze, layer.veil, hp = haze(rng, img, alpha, s, (0.15, 0.6))
    layer.params.update(hp)
    layer.params.update(
        count=n,
        radius_min=float(radius.min() / s),
        radius_max=float(radius.max() / s),
        layout=layout,
        view=float(view / s),
        core_gain=round(g, 3),
        milk=round(milk, 3),
        defocus=float(sigma / s),
    )
    return layer


def _night_glow(
    rng: np.random.Generator, img: np.ndarray, s: float
) -> tuple[np.ndarray, np.ndarray]:
    """The scene with its lights unclipped, and the glow (with flare) that night drops show."""
    boosted = boost_highlights(img, rng, rng.uniform(2.0, 8.0))
    glow = gaussian_blur(boosted, rng.uniform(0.02, 0.07) * s)
    if rng.random() < 0.6:
        # streaky flare: light smeared along the direction water runs or was wiped
        sy, sx = rng.uniform(0.03, 0.12) * s, rng.uniform(0.002, 0.01) * s
        if rng.random() < 0.35:
            sy, sx = sx, sy
        glow = glow + rng.uniform(0.3, 1.2) * gaussian_blur(boosted - img, sy, sx)
    return boosted, glow


def bokeh_night(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> Layer:
    """Drops lit by bright lights: glowing discs and smeared flare around light sources."""
    shape = img.shape[:2]
    n = int(rng.integers(3, 45))
    radius = log_uniform(rng, 0.02 * s, rng.uniform(0.06, 0.16) * s, n, rng.uniform(1.0, 2.0))
    drops = random_drops(
        rng,
        n,
        shape,
        radius,
        aspect=(0.6, 1.0),
        irregular=rng.uniform(0.0, 0.25),
        sag=(0.0, rng.uniform(0.0, 0.5)),
        power=(0.5, rng.uniform(0.8, 1.6)),
        layout=str(rng.choice(["uniform", "cluster"])),
    )
    hscale = 0.5
    fld = stamp(shape, drops, hscale)
    boosted, glow = _night_glow(rng, img, s)
    look = make_look(
        rng,
        n,
        view=rng.uniform(0.0, 0.2) * s / (2 * hscale),
        rim=rng.uniform(-0.8, 0.6),
        rim_lo=rng.uniform(0.3, 0.8),
        rim_hi=rng.uniform(0.9, 1.8),
        spec=rng.uniform(0.0, 0.4),
        shininess=rng.uniform(5, 60),
        caustic=rng.uniform(0.0, 0.4),
        trans=rng.uniform(0.8, 1.1, n).astype(np.float32),
        gain=rng.uniform(0.8, 2.2, n).astype(np.float32),
        opacity=rng.uniform(0.4, 1.0, n).astype(np.float32),
    )
    # in the dark a drop is seen only by the light it gathers: scale highlights by scene light
    light = np.clip(gaussian_blur(luminance(boosted), 0.08 * s) * 3.0, 0.05, 1.0)
    look.spec *= 1.0
    rgb, alpha = shade(glow, fld, look)
    rgb = rgb * (0.5 + 0.5 * light)[..., None]
    rmed = float(np.median(radius))
    sigma = rng.uniform(0.05, 0.4) * rmed
    rgb, alpha = defocus(rgb, alpha, sigma)
    layer = Layer(rgb, alpha)
    if rng.random() < 0.6:
        layer.haze, layer.veil, hp = haze(rng, boosted, alpha, s)
        layer.haze *= rng.uniform(0.3, 1.0)
        layer.params.update(hp)
    layer.params.update(
        count=n,
        radius_min=float(radius.min() / s),
        radius_max=float(radius.max() / s),
        defocus=float(sigma / s),
    )
    return layer
