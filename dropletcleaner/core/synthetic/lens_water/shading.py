"""Shading for the lens-water renderer: from a drop height field to water colour.

Surface normals displace where each pixel samples the scene (refraction); steep edges darken
(Fresnel reflection and total internal reflection); a light direction adds specular highlights
and a caustic crescent. The water layer is then blurred by its distance from the focus plane,
and a wet lens scatters light into a hazy veil.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dropletcleaner.core.synthetic.imaging import (
    gaussian_blur,
    luminance,
    sample_bilinear,
    smoothstep,
)
from dropletcleaner.core.synthetic.lens_water.geometry import Field

_MAX_SLOPE = 6.0


@dataclass
class Layer:
    """Premultiplied water colour and its coverage on the working grid, plus haze."""

    rgb: np.ndarray
    alpha: np.ndarray
    haze: np.ndarray | None = None  # HxW amount
    veil: np.ndarray | None = None  # HxWx3 colour the haze tends to
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Look:
    """How a drop field turns into colour."""

    view: float  # px: radius of the scene region one drop shows (negative: upright, magnified)
    bias_y: float  # px: drops look a little up or down
    rim: float  # Fresnel edge darkening strength (negative brightens the edge)
    rim_lo: float
    rim_hi: float
    spec: float
    shininess: float
    light: tuple[float, float, float]
    caustic: float
    trans: np.ndarray  # per-drop transmission
    gain: np.ndarray  # per-drop core gain (brighter or darker centre)
    opacity: np.ndarray  # per-drop coverage of the aperture
    tint: np.ndarray  # (3,) colour of the water
    glow: np.ndarray | None = None  # per-drop light added (drops lit by lamps at night)


def _light(rng: np.random.Generator) -> tuple[float, float, float]:
    az = rng.uniform(-math.pi, math.pi) if rng.random() < 0.3 else rng.normal(-math.pi / 2, 0.6)
    el = rng.uniform(0.35, 1.2)
    return (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))


def shade(src: np.ndarray, fld: Field, look: Look) -> tuple[np.ndarray, np.ndarray]:
    """Refract, darken the edges and add highlights; returns (premultiplied rgb, alpha)."""
    hh, ww = fld.h.shape
    out = np.zeros((hh, ww, 3), np.float32)
    idx = np.flatnonzero(fld.alpha > 0)
    if idx.size == 0:
        return out, np.zeros((hh, ww), np.float32)
    gy, gx = np.gradient(fld.h)
    gy = gy.reshape(-1)[idx]
    gx = gx.reshape(-1)[idx]
    slope = np.hypot(gx, gy)
    over = slope > _MAX_SLOPE
    if over.any():
        s = _MAX_SLOPE / slope[over]
        gx[over] *= s
        gy[over] *= s
        slope[over] = _MAX_SLOPE
    yy, xx = np.divmod(idx, ww)
    k = look.view
    col = sample_bilinear(src, yy + k * gy + look.bias_y, xx + k * gx)
    ids = fld.ids.reshape(-1)[idx]
    ids = np.maximum(ids, 0)
    hn = np.clip(fld.h.reshape(-1)[idx] / np.maximum(fld.peak[ids], 1e-3), 0.0, 1.0)
    col *= (look.trans[ids] * (1.0 + (look.gain[ids] - 1.0) * hn))[:, None]
    col *= look.tint
    rim = smoothstep(look.rim_lo, look.rim_hi, slope)
    col *= (1.0 - look.rim * rim)[:, None]
    inv = 1.0 / np.sqrt(1.0 + slope * slope)
    nx, ny, nz = -gx * inv, -gy * inv, inv
    lx, ly, lz = look.light
    hx, hy, hz = lx, ly, lz + 1.0
    hn_ = math.sqrt(hx * hx + hy * hy + hz * hz)
    ndh = np.clip((nx * hx + ny * hy + nz * hz) / hn_, 0.0, 1.0)
    spec = look.spec * ndh**look.shininess
    # light focused by the drop lands on the far side as a soft bright crescent
    crescent = look.caustic * np.clip(-(nx * lx + ny * ly), 0.0, 1.0) ** 2 * (1.0 - hn)
    col += (spec + crescent)[:, None] * np.float32(1.0)
    if look.glow is not None:
        col += (look.glow[ids] * (0.3 + 0.7 * hn))[:, None]
    alpha = fld.alpha.reshape(-1)[idx] * look.opacity[ids]
    out.reshape(-1, 3)[idx] = col * alpha[:, None]
    a = np.zeros(hh * ww, np.float32)
    a[idx] = alpha
    return out, a.reshape(hh, ww)


def defocus(rgb: np.ndarray, alpha: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    if sigma < 0.3:
        return rgb, alpha
    stack = gaussian_blur(np.concatenate([rgb, alpha[..., None]], axis=-1), sigma)
    return stack[..., :3], np.clip(stack[..., 3], 0.0, 1.0)


def boost_highlights(img: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Undo some of the clipping of bright lights, so that they bloom when blurred."""
    lum = luminance(img)
    t = rng.uniform(0.72, 0.9)
    hl = smoothstep(t, 1.0, lum) ** 2
    return np.asarray(img * (1.0 + amount * hl)[..., None], dtype=np.float32)


def airlight(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Colour of light scattered by water: mostly from the bright parts (sky, lamps)."""
    sub = img[::4, ::4].reshape(-1, 3)
    lum = luminance(sub)
    bright = sub[lum >= np.quantile(lum, rng.uniform(0.3, 0.97))]
    air = bright.mean(axis=0) * rng.uniform(0.9, 1.25)
    air = air * (1 - 0.4 * rng.random()) + rng.random() * 0.4 * rng.uniform(0.7, 1.0)
    return np.asarray(np.clip(air, 0.0, 1.2), dtype=np.float32)


def haze(
    rng: np.random.Generator,
    img: np.ndarray,
    near: np.ndarray | None,
    s: float,
    local_range: tuple[float, float] = (0.05, 0.45),
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Scattering by a wet lens: a veil of blurred scene and airlight, strongest near water."""
    hh, ww = img.shape[:2]
    glob = rng.uniform(0.0, 0.28) if rng.random() < 0.75 else 0.0
    amount: np.ndarray = np.full((hh, ww), glob, np.float32)
    local = 0.0
    if near is not None:
        local = rng.uniform(*local_range)
        amount = amount + local * gaussian_blur(near, rng.uniform(0.03, 0.12) * s)
    air = airlight(rng, img)
    veil = gaussian_blur(img, rng.uniform(0.04, 0.12) * s)
    mix = rng.uniform(0.2, 0.8)
    veil = veil * mix + air.astype(np.float32) * (1 - mix)
    amount = np.clip(amount, 0.0, 0.7)
    return (
        amount,
        veil.astype(np.float32),
        {"haze_global": round(glob, 3), "haze_local": round(local, 3)},
    )


def make_look(rng: np.random.Generator, n: int, **kw: Any) -> Look:
    tint = 1.0 + rng.normal(0, 0.03, 3)
    defaults: dict[str, Any] = dict(
        view=0.0,
        bias_y=0.0,
        rim=0.0,
        rim_lo=0.6,
        rim_hi=1.2,
        spec=0.0,
        shininess=40.0,
        light=_light(rng),
        caustic=0.0,
        trans=np.ones(n, np.float32),
        gain=np.ones(n, np.float32),
        opacity=np.ones(n, np.float32),
        tint=tint.astype(np.float32),
    )
    defaults.update(kw)
    return Look(**defaults)
