"""Water on glass in front of the lens: sharp little inverted fisheyes, and windscreen specks.

Glass sits nearer than the focus plane, so its drops range from crisp to clearly soft; each
one refracts a wide-angle, upside-down view of what lies behind it.
"""

from __future__ import annotations

import numpy as np

from dropletcleaner.core.synthetic.imaging import gaussian_blur, luminance
from dropletcleaner.core.synthetic.lens_water.geometry import log_uniform, random_drops, stamp
from dropletcleaner.core.synthetic.lens_water.shading import (
    Layer,
    defocus,
    haze,
    make_look,
    shade,
)


def _glass_sizes(
    rng: np.random.Generator, s: float, px: float, dense: bool
) -> tuple[int, np.ndarray]:
    """How many drops on the glass, and their radii: many small ones, or a few larger."""
    if dense:
        n = int(rng.integers(40, 520))
        hi = rng.uniform(0.02, 0.045) * s
        radius = log_uniform(rng, max(0.004 * s, 1.3 * px), hi, n, rng.uniform(1.2, 3.0))
    else:
        n = int(rng.integers(3, 80))
        hi = rng.uniform(0.03, 0.07) * s
        radius = log_uniform(rng, max(0.012 * s, 2.0 * px), hi, n, rng.uniform(1.0, 2.0))
    return n, radius


def glass(rng: np.random.Generator, img: np.ndarray, s: float, px: float, dense: bool) -> Layer:
    """Drops on glass in front of the lens: sharp little inverted fisheyes with dark rims."""
    shape = img.shape[:2]
    n, radius = _glass_sizes(rng, s, px, dense)
    layout = str(rng.choice(["uniform", "uniform", "cluster", "band"]))
    drops = random_drops(
        rng,
        n,
        shape,
        radius,
        aspect=(rng.uniform(0.65, 0.9), 1.0),
        irregular=rng.uniform(0.0, 0.12),
        sag=(0.0, rng.uniform(0.0, 0.4)),
        power=(0.5, rng.uniform(0.6, 1.1)),
        layout=layout,
    )
    hscale = 0.5
    fld = stamp(shape, drops, hscale)
    # a drop on glass is a fisheye: it may see most of the scene, mostly what lies above
    view = rng.uniform(0.08, 1.0) * s
    rmed = float(np.median(radius))
    src = gaussian_blur(img, float(np.clip(0.25 * view / max(rmed, 1.0), 0.5, 5.0)))
    look = make_look(
        rng,
        n,
        view=view / (2 * hscale),
        bias_y=-rng.uniform(-0.1, 0.6) * view,
        rim=rng.uniform(0.1, 0.85),
        rim_lo=rng.uniform(0.45, 1.0),
        rim_hi=rng.uniform(1.2, 2.2),
        spec=rng.uniform(0.05, 0.8) if rng.random() < 0.75 else 0.0,
        shininess=rng.uniform(20, 250),
        caustic=rng.uniform(0.0, 0.3),
        trans=rng.uniform(0.78, 1.08, n).astype(np.float32),
        gain=rng.uniform(0.9, 1.15, n).astype(np.float32),
    )
    rgb, alpha = shade(src, fld, look)
    # glass is nearer than the focus plane: anything from crisp to clearly soft
    sigma = rng.random() ** 1.2 * 0.9 * float(np.quantile(radius, 0.75))
    rgb, alpha = defocus(rgb, alpha, sigma)
    layer = Layer(rgb, alpha)
    if dense and rng.random() < 0.3:
        layer.haze, layer.veil, hp = haze(rng, img, alpha, s)
        layer.haze *= rng.uniform(0.2, 0.6)
        layer.params.update(hp)
    layer.params.update(
        count=n,
        radius_min=float(radius.min() / s),
        radius_max=float(radius.max() / s),
        layout=layout,
        view=float(view / s),
        defocus=float(sigma / s),
    )
    return layer


def windscreen_specks(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> Layer:
    """A few tiny drops on a windscreen or housing: small dark specks, sometimes a glint."""
    shape = img.shape[:2]
    n = int(1 + rng.integers(0, 30) * rng.random() ** 1.5)
    radius = log_uniform(rng, max(0.005 * s, 1.7 * px), max(0.02 * s, 3.5 * px), n, 1.5)
    drops = random_drops(
        rng,
        n,
        shape,
        radius,
        aspect=(0.6, 1.0),
        irregular=rng.uniform(0.0, 0.2),
        sag=(0.0, 0.3),
        power=(0.5, 0.9),
        layout=str(rng.choice(["uniform", "uniform", "cluster"])),
    )
    hscale = 0.5
    fld = stamp(shape, drops, hscale)
    view = rng.uniform(0.03, 0.2) * s
    look = make_look(
        rng,
        n,
        view=view / (2 * hscale),
        bias_y=rng.uniform(0.0, 0.5) * view,
        rim=rng.uniform(0.55, 0.95),
        rim_lo=rng.uniform(0.2, 0.6),
        rim_hi=rng.uniform(0.8, 1.4),
        spec=rng.uniform(0.0, 0.6) if rng.random() < 0.5 else 0.0,
        shininess=rng.uniform(10, 80),
        caustic=rng.uniform(0.0, 0.5) if rng.random() < 0.5 else 0.0,
        trans=rng.uniform(0.35, 0.9, n).astype(np.float32),
    )
    src = gaussian_blur(img, 1.0 * px)
    # on a dark background a drop shows as a glint of stray light rather than a dark speck
    lum = luminance(src)
    iy = np.clip(drops.cy.astype(np.int32), 0, shape[0] - 1)
    ix = np.clip(drops.cx.astype(np.int32), 0, shape[1] - 1)
    dark = np.clip(1.0 - 3.0 * lum[iy, ix], 0.0, 1.0)
    lit = rng.random(n) < 0.15 + 0.7 * dark
    look.glow = np.where(lit, rng.uniform(0.08, 0.45, n), 0.0).astype(np.float32)
    rgb, alpha = shade(src, fld, look)
    sigma = rng.uniform(0.0, 0.9) * px
    rgb, alpha = defocus(rgb, alpha, sigma)
    layer = Layer(rgb, alpha)
    layer.params.update(
        count=n,
        radius_min=float(radius.min() / s),
        radius_max=float(radius.max() / s),
        defocus=float(sigma / s),
    )
    return layer
