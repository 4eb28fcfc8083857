"""A thin water film with streaks, as left by wiping a wet lens or a wiper on glass."""

from __future__ import annotations

import math

import numpy as np

from dropletcleaner.core.synthetic.imaging import gaussian_blur, sample_bilinear, smoothstep
from dropletcleaner.core.synthetic.lens_water.shading import Layer, haze


def _value_noise(
    rng: np.random.Generator, u: np.ndarray, v: np.ndarray, su: float, sv: float
) -> np.ndarray:
    """Smooth random field of coordinates (u, v), with feature sizes su along u and sv along v."""
    uu = (u - u.min()) / su
    vv = (v - v.min()) / sv
    grid = rng.standard_normal((int(vv.max()) + 3, int(uu.max()) + 3, 1)).astype(np.float32)
    # smoothstep the fractional part so the field has no visible grid
    fu, iu = np.modf(uu)
    fv, iv = np.modf(vv)
    fu = fu * fu * (3 - 2 * fu)
    fv = fv * fv * (3 - 2 * fv)
    return sample_bilinear(grid, iv + fv, iu + fu)[..., 0]


def film_smear(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> Layer:
    """A thin water film with streaks, as left by wiping a wet lens or a wiper on glass."""
    hh, ww = img.shape[:2]
    yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
    arcs = rng.random() < 0.5
    if arcs:
        # wiped in arcs around a pivot outside the frame
        py = hh * rng.uniform(1.0, 2.5) if rng.random() < 0.7 else -hh * rng.uniform(0.0, 1.5)
        pxv = ww * rng.uniform(-0.5, 1.5)
        dist = np.hypot(yy - py, xx - pxv)
        u = np.arctan2(yy - py, xx - pxv) * float(dist.mean())
        v = dist
    else:
        th = rng.uniform(0, math.pi)
        u = xx * math.cos(th) + yy * math.sin(th)
        v = yy * math.cos(th) - xx * math.sin(th)
    sv = rng.uniform(0.008, 0.04) * s
    su = rng.uniform(0.3, 1.5) * s
    t = _value_noise(rng, u, v, su, sv) + 0.5 * _value_noise(rng, u, v, su * 0.5, sv * 0.4)
    region = _value_noise(rng, xx, yy, 0.5 * s, 0.5 * s)
    cover = rng.uniform(-0.6, 0.6)
    region = smoothstep(cover - 0.4, cover + 0.4, region)
    # threshold the streak field so that a random share of the wet region is covered
    wet = region > 0.5
    share = rng.uniform(0.25, 0.8)
    thr = float(np.quantile(t[wet] if wet.any() else t, 1.0 - share))
    film = smoothstep(thr - 0.15, thr + rng.uniform(0.15, 0.8), t) * region
    film = gaussian_blur(film, 0.6).astype(np.float32)
    gy, gx = np.gradient(film)
    disp = rng.uniform(2.0, 10.0) * sv
    warped = sample_bilinear(img, yy + disp * gy, xx + disp * gx)
    blurred = gaussian_blur(warped, rng.uniform(0.004, 0.02) * s)
    bmix = rng.uniform(0.5, 1.0)
    col = warped * (1 - bmix) + blurred * bmix
    slope = np.hypot(gx, gy) * sv
    edge = smoothstep(0.05, 0.4, slope)
    col = col * (1.0 - rng.uniform(-0.3, 0.35) * edge)[..., None]
    col = col * rng.uniform(0.9, 1.12)
    # the film scatters light along its streaks: a milky sheen where it is thick
    sheen = gaussian_blur(img, 0.05 * s).reshape(-1, 3).mean(axis=0) * rng.uniform(1.0, 1.5)
    milk = (film * rng.uniform(0.05, 0.4))[..., None]
    col = col * (1 - milk) + np.minimum(sheen + 0.1, 1.0) * milk
    strength = rng.uniform(0.6, 1.0)
    alpha = np.clip(film * strength, 0.0, 1.0).astype(np.float32)
    layer = Layer((col * alpha[..., None]).astype(np.float32), alpha)
    layer.haze, layer.veil, hp = haze(rng, img, film, s)
    layer.params.update(hp)
    layer.params.update(
        arcs=bool(arcs),
        streak_width=float(sv / s),
        coverage=float(alpha.mean()),
    )
    return layer
