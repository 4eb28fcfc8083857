"""Physically based rendering of water on (or in front of) a camera lens, for training data.

No large labelled set of real droplet photos exists, so positives are clean photos with
rendered water. Each drop is a height field (elliptical or irregular, merged with its
neighbours, sagging under gravity). Its surface normals displace where the pixel samples the
scene, so a drop on glass shows a blurred, inverted, wide-angle view of what lies behind it;
a drop on the lens itself is far out of focus and shows a soft, hazy, magnified blob. Steep
edges darken (Fresnel reflection and total internal reflection) and a light direction adds
specular highlights. The water layer is then blurred by its distance from the focus plane
and composited over the photo as a partial occluder.

Every count, size, shape, position and strength is random, so that a classifier cannot
learn a renderer artefact; noise and JPEG are left to the caller, which applies them to
the whole photo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dropletcleaner.core.synthetic.imaging import (
    gaussian_blur,
    luminance,
    resize,
    sample_bilinear,
    smoothstep,
    to_float,
    to_uint8,
)

KINDS: tuple[str, ...] = (
    "lens_blobs",
    "glass_dense",
    "glass_sparse",
    "film_smear",
    "bokeh_night",
    "windscreen_specks",
)

KIND_WEIGHTS: dict[str, float] = {
    "lens_blobs": 0.30,
    "glass_dense": 0.22,
    "glass_sparse": 0.16,
    "film_smear": 0.12,
    "bokeh_night": 0.10,
    "windscreen_specks": 0.10,
}

# Short side (px) at which each kind's water layer is computed; soft kinds need less.
_WORK_SIDE: dict[str, int] = {
    "lens_blobs": 200,
    "glass_dense": 720,
    "glass_sparse": 720,
    "film_smear": 240,
    "bokeh_night": 260,
    "windscreen_specks": 720,
}

# A second, lighter layer is sometimes added when the kind is chosen at random.
_SECOND_LAYER_P = 0.2
_MAX_SLOPE = 6.0
# mean change (0-255) under the mask below which a render is drawn again
_MIN_VISIBILITY = 7.0


@dataclass
class SynthResult:
    """A rendered photo, its droplet coverage mask in [0, 1] and the render parameters."""

    image: np.ndarray
    mask: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Drops:
    cy: np.ndarray
    cx: np.ndarray
    ry: np.ndarray
    rx: np.ndarray
    angle: np.ndarray
    sag: np.ndarray
    power: np.ndarray
    harm: np.ndarray  # (n, 3) amplitudes of angular harmonics 2..4
    phase: np.ndarray  # (n, 3)

    def __len__(self) -> int:
        return int(self.cy.shape[0])

    @property
    def rmean(self) -> np.ndarray:
        return np.sqrt(self.rx * self.ry)


@dataclass
class _Field:
    """Merged height field of a set of drops on the working grid."""

    h: np.ndarray  # height in px (so its gradient is the surface slope)
    alpha: np.ndarray  # antialiased coverage
    ids: np.ndarray  # index of the drop on top at each pixel, -1 outside
    peak: np.ndarray  # per-drop peak height


@dataclass
class _Layer:
    """Premultiplied water colour and its coverage on the working grid, plus haze."""

    rgb: np.ndarray
    alpha: np.ndarray
    haze: np.ndarray | None = None  # HxW amount
    veil: np.ndarray | None = None  # HxWx3 colour the haze tends to
    params: dict[str, Any] = field(default_factory=dict)


# -- drop geometry ----------------------------------------------------------------------------
def _log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int, skew: float) -> np.ndarray:
    """Sizes between lo and hi, skewed towards lo for skew > 1 (many small, few large)."""
    u = rng.random(n) ** skew
    return np.asarray(lo * (hi / lo) ** u, dtype=np.float32)


def _positions(
    rng: np.random.Generator, n: int, shape: tuple[int, int], layout: str
) -> tuple[np.ndarray, np.ndarray]:
    h, w = shape
    if layout == "cluster":
        k = int(rng.integers(1, 4))
        which = rng.integers(0, k, n)
        my = rng.uniform(0, h, k)[which]
        mx = rng.uniform(0, w, k)[which]
        spread = rng.uniform(0.15, 0.45, k)[which] * max(h, w)
        cy = my + rng.normal(0, 1, n) * spread
        cx = mx + rng.normal(0, 1, n) * spread
    elif layout == "band":
        # denser towards one edge, as when rain hits one side of a window
        side = int(rng.integers(0, 4))
        g = rng.uniform(1.5, 4.0)
        t = rng.random(n) ** g
        o = rng.random(n)
        if side == 0:
            cy, cx = t * h, o * w
        elif side == 1:
            cy, cx = (1 - t) * h, o * w
        elif side == 2:
            cy, cx = o * h, t * w
        else:
            cy, cx = o * h, (1 - t) * w
    else:
        cy = rng.uniform(0, h, n)
        cx = rng.uniform(0, w, n)
    # drops that fell off the frame land anywhere instead of piling up on the border
    off = (cy < -0.05 * h) | (cy > 1.05 * h) | (cx < -0.05 * w) | (cx > 1.05 * w)
    cy = np.where(off, rng.uniform(0, h, n), cy)
    cx = np.where(off, rng.uniform(0, w, n), cx)
    if n:
        # at least one drop well inside the frame, so every render shows water
        cy[0] = rng.uniform(0.1, 0.9) * h
        cx[0] = rng.uniform(0.1, 0.9) * w
    return cy.astype(np.float32), cx.astype(np.float32)


def _random_drops(
    rng: np.random.Generator,
    n: int,
    shape: tuple[int, int],
    radius: np.ndarray,
    *,
    aspect: tuple[float, float],
    irregular: float,
    sag: tuple[float, float],
    power: tuple[float, float],
    layout: str,
) -> _Drops:
    cy, cx = _positions(rng, n, shape, layout)
    asp = rng.uniform(aspect[0], aspect[1], n).astype(np.float32)
    # keep the area of a circle of `radius`, stretch one axis
    ry = radius / np.sqrt(asp)
    rx = radius * np.sqrt(asp)
    swap = rng.random(n) < 0.5
    ry, rx = np.where(swap, rx, ry), np.where(swap, ry, rx)
    return _Drops(
        cy=cy,
        cx=cx,
        ry=ry.astype(np.float32),
        rx=rx.astype(np.float32),
        angle=rng.uniform(-0.6, 0.6, n).astype(np.float32),
        sag=rng.uniform(sag[0], sag[1], n).astype(np.float32),
        power=rng.uniform(power[0], power[1], n).astype(np.float32),
        harm=(rng.random((n, 3)) * irregular * np.array([1.0, 0.6, 0.35])).astype(np.float32),
        phase=rng.uniform(0, 2 * math.pi, (n, 3)).astype(np.float32),
    )


def _size_groups(order: np.ndarray, ext: np.ndarray) -> list[np.ndarray]:
    """Batches of drops of similar size (``order`` ascending), so patches are not oversized."""
    groups: list[np.ndarray] = []
    start = 0
    for j in range(1, len(order) + 1):
        if j == len(order) or j - start >= 64 or ext[order[j]] > 1.3 * ext[order[start]] + 2:
            groups.append(order[start:j])
            start = j
    return groups


def _outline(u: np.ndarray, v: np.ndarray, harm: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Radius factor 1 + sum a_k cos(k theta + phi_k), k = 2..4, without computing theta."""
    r = np.sqrt(u * u + v * v) + 1e-6
    c1, s1 = u / r, v / r
    c2, s2 = c1 * c1 - s1 * s1, 2 * c1 * s1
    c3, s3 = c1 * c2 - s1 * s2, s1 * c2 + c1 * s2
    c4, s4 = c2 * c2 - s2 * s2, 2 * c2 * s2
    m = np.ones_like(u)
    for k, (ck, sk) in enumerate(((c2, s2), (c3, s3), (c4, s4))):
        amp = harm[:, k][:, None, None]
        cp = np.cos(phase[:, k])[:, None, None]
        sp = np.sin(phase[:, k])[:, None, None]
        m += amp * (ck * cp - sk * sp)
    return m


def _stamp(shape: tuple[int, int], d: _Drops, hscale: float) -> _Field:
    """Rasterise drops into one merged height field (upper envelope of the drops)."""
    h, w = shape
    n = len(d)
    ext = np.maximum(d.ry, d.rx) * (1 + d.sag) * (1 + d.harm.sum(axis=1)) + 1.0
    pad = (math.ceil(float(ext.max())) if n else 0) + 3 + int(0.06 * max(h, w))
    hmap = np.zeros((h + 2 * pad, w + 2 * pad), np.float32)
    amap = np.zeros_like(hmap)
    ids = np.full(hmap.shape, -1, np.int32)
    rmean = d.rmean
    peak = (hscale * rmean).astype(np.float32)
    order = np.argsort(ext)
    irregular = bool(d.harm.max(initial=0.0) > 0.005)
    for g in _size_groups(order, ext):
        half = math.ceil(float(ext[g].max())) + 1
        size = 2 * half + 1
        o = np.arange(-half, half + 1, dtype=np.float32)
        iy = np.rint(d.cy[g]).astype(np.int32)
        ix = np.rint(d.cx[g]).astype(np.int32)
        dy = o[None, :, None] + (iy - d.cy[g])[:, None, None]
        dx = o[None, None, :] + (ix - d.cx[g])[:, None, None]
        sag = d.sag[g][:, None, None]
        ry = d.ry[g][:, None, None]
        # gravity: the lower half hangs longer
        dys = np.where(dy > 0, dy / (1 + sag), dy)
        ca = np.cos(d.angle[g])[:, None, None]
        sa = np.sin(d.angle[g])[:, None, None]
        u = dx * ca + dys * sa
        v = dys * ca - dx * sa
        rho2 = (u / d.rx[g][:, None, None]) ** 2 + (v / ry) ** 2
        if irregular:
            rho2 = rho2 / _outline(u, v, d.harm[g], d.phase[g]) ** 2
        inside = rho2 < 1.0
        base = np.clip(1.0 - rho2, 0.0, 1.0)
        prof = base ** d.power[g][:, None, None] * peak[g][:, None, None]
        # the water collects low in the drop
        prof = prof * (1.0 + 0.6 * sag * np.clip(dy / ry, -1.0, 1.0))
        prof = np.where(inside, prof, 0.0).astype(np.float32)
        rm = rmean[g][:, None, None]
        alpha = np.where(inside, np.clip((1.0 - np.sqrt(rho2)) * rm + 0.3, 0.0, 1.0), 0.0)
        alpha = alpha.astype(np.float32)
        for k in range(len(g)):
            y0 = int(iy[k]) - half + pad
            x0 = int(ix[k]) - half + pad
            hs = hmap[y0 : y0 + size, x0 : x0 + size]
            upd = prof[k] > hs
            hs[upd] = prof[k][upd]
            ids[y0 : y0 + size, x0 : x0 + size][upd] = g[k]
            a = amap[y0 : y0 + size, x0 : x0 + size]
            np.maximum(a, alpha[k], out=a)
    crop = (slice(pad, pad + h), slice(pad, pad + w))
    return _Field(h=hmap[crop], alpha=amap[crop], ids=ids[crop], peak=peak)


# -- shading ----------------------------------------------------------------------------------
@dataclass
class _Look:
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


def _shade(src: np.ndarray, fld: _Field, look: _Look) -> tuple[np.ndarray, np.ndarray]:
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


def _defocus(rgb: np.ndarray, alpha: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    if sigma < 0.3:
        return rgb, alpha
    stack = gaussian_blur(np.concatenate([rgb, alpha[..., None]], axis=-1), sigma)
    return stack[..., :3], np.clip(stack[..., 3], 0.0, 1.0)


def _boost_highlights(img: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Undo some of the clipping of bright lights, so that they bloom when blurred."""
    lum = luminance(img)
    t = rng.uniform(0.72, 0.9)
    hl = smoothstep(t, 1.0, lum) ** 2
    return np.asarray(img * (1.0 + amount * hl)[..., None], dtype=np.float32)


def _airlight(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Colour of light scattered by water: mostly from the bright parts (sky, lamps)."""
    sub = img[::4, ::4].reshape(-1, 3)
    lum = luminance(sub)
    bright = sub[lum >= np.quantile(lum, rng.uniform(0.3, 0.97))]
    air = bright.mean(axis=0) * rng.uniform(0.9, 1.25)
    air = air * (1 - 0.4 * rng.random()) + rng.random() * 0.4 * rng.uniform(0.7, 1.0)
    return np.asarray(np.clip(air, 0.0, 1.2), dtype=np.float32)


def _haze(
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
    air = _airlight(rng, img)
    veil = gaussian_blur(img, rng.uniform(0.04, 0.12) * s)
    mix = rng.uniform(0.2, 0.8)
    veil = veil * mix + air.astype(np.float32) * (1 - mix)
    amount = np.clip(amount, 0.0, 0.7)
    return (
        amount,
        veil.astype(np.float32),
        {"haze_global": round(glob, 3), "haze_local": round(local, 3)},
    )


# -- kinds ------------------------------------------------------------------------------------
def _look(rng: np.random.Generator, n: int, **kw: Any) -> _Look:
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
    return _Look(**defaults)


def _glass(rng: np.random.Generator, img: np.ndarray, s: float, px: float, dense: bool) -> _Layer:
    """Drops on glass in front of the lens: sharp little inverted fisheyes with dark rims."""
    shape = img.shape[:2]
    if dense:
        n = int(rng.integers(40, 520))
        hi = rng.uniform(0.02, 0.045) * s
        radius = _log_uniform(rng, max(0.004 * s, 1.3 * px), hi, n, rng.uniform(1.2, 3.0))
    else:
        n = int(rng.integers(3, 80))
        hi = rng.uniform(0.03, 0.07) * s
        radius = _log_uniform(rng, max(0.012 * s, 2.0 * px), hi, n, rng.uniform(1.0, 2.0))
    layout = str(rng.choice(["uniform", "uniform", "cluster", "band"]))
    drops = _random_drops(
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
    fld = _stamp(shape, drops, hscale)
    # a drop on glass is a fisheye: it may see most of the scene, mostly what lies above
    view = rng.uniform(0.08, 1.0) * s
    rmed = float(np.median(radius))
    src = gaussian_blur(img, float(np.clip(0.25 * view / max(rmed, 1.0), 0.5, 5.0)))
    look = _look(
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
    rgb, alpha = _shade(src, fld, look)
    # glass is nearer than the focus plane: anything from crisp to clearly soft
    sigma = rng.random() ** 1.2 * 0.9 * float(np.quantile(radius, 0.75))
    rgb, alpha = _defocus(rgb, alpha, sigma)
    layer = _Layer(rgb, alpha)
    if dense and rng.random() < 0.3:
        layer.haze, layer.veil, hp = _haze(rng, img, alpha, s)
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


def _lens_blobs(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> _Layer:
    """Drops on the lens itself: large, soft, defocused, hazy blobs."""
    shape = img.shape[:2]
    n = int(2 + 24 * rng.random() ** 1.5)
    radius = _log_uniform(rng, 0.04 * s, rng.uniform(0.1, 0.25) * s, n, rng.uniform(1.0, 2.0))
    layout = str(rng.choice(["uniform", "uniform", "cluster", "band"]))
    drops = _random_drops(
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
    fld = _stamp(shape, drops, hscale)
    sign = 1.0 if rng.random() < 0.65 else -1.0
    view = sign * rng.uniform(0.04, 0.3) * s
    src = gaussian_blur(img, rng.uniform(0.004, 0.03) * s)
    if rng.random() < 0.5:
        src = _boost_highlights(src, rng, rng.uniform(0.5, 3.0))
    g = rng.uniform(0.75, 1.5)
    look = _look(
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
    rgb, alpha = _shade(src, fld, look)
    # light scattered inside the water makes the blobs milky
    milk = rng.uniform(0.0, 0.6) if rng.random() < 0.8 else 0.0
    rgb = rgb * (1 - milk) + _airlight(rng, img) * (alpha * milk)[..., None]
    rmed = float(np.median(radius))
    sigma = rng.uniform(0.15, 0.6) * rmed
    rgb, alpha = _defocus(rgb, alpha, sigma)
    layer = _Layer(rgb, alpha)
    layer.haze, layer.veil, hp = _haze(rng, img, alpha, s, (0.15, 0.6))
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


def _bokeh_night(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> _Layer:
    """Drops lit by bright lights: glowing discs and smeared flare around light sources."""
    shape = img.shape[:2]
    n = int(rng.integers(3, 45))
    radius = _log_uniform(rng, 0.02 * s, rng.uniform(0.06, 0.16) * s, n, rng.uniform(1.0, 2.0))
    drops = _random_drops(
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
    fld = _stamp(shape, drops, hscale)
    boosted = _boost_highlights(img, rng, rng.uniform(2.0, 8.0))
    glow = gaussian_blur(boosted, rng.uniform(0.02, 0.07) * s)
    if rng.random() < 0.6:
        # streaky flare: light smeared along the direction water runs or was wiped
        sy, sx = rng.uniform(0.03, 0.12) * s, rng.uniform(0.002, 0.01) * s
        if rng.random() < 0.35:
            sy, sx = sx, sy
        glow = glow + rng.uniform(0.3, 1.2) * gaussian_blur(boosted - img, sy, sx)
    look = _look(
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
    rgb, alpha = _shade(glow, fld, look)
    rgb = rgb * (0.5 + 0.5 * light)[..., None]
    rmed = float(np.median(radius))
    sigma = rng.uniform(0.05, 0.4) * rmed
    rgb, alpha = _defocus(rgb, alpha, sigma)
    layer = _Layer(rgb, alpha)
    if rng.random() < 0.6:
        layer.haze, layer.veil, hp = _haze(rng, boosted, alpha, s)
        layer.haze *= rng.uniform(0.3, 1.0)
        layer.params.update(hp)
    layer.params.update(
        count=n,
        radius_min=float(radius.min() / s),
        radius_max=float(radius.max() / s),
        defocus=float(sigma / s),
    )
    return layer


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


def _film_smear(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> _Layer:
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
    layer = _Layer((col * alpha[..., None]).astype(np.float32), alpha)
    layer.haze, layer.veil, hp = _haze(rng, img, film, s)
    layer.params.update(hp)
    layer.params.update(
        arcs=bool(arcs),
        streak_width=float(sv / s),
        coverage=float(alpha.mean()),
    )
    return layer


def _windscreen_specks(rng: np.random.Generator, img: np.ndarray, s: float, px: float) -> _Layer:
    """A few tiny drops on a windscreen or housing: small dark specks, sometimes a glint."""
    shape = img.shape[:2]
    n = int(1 + rng.integers(0, 30) * rng.random() ** 1.5)
    radius = _log_uniform(rng, max(0.005 * s, 1.7 * px), max(0.02 * s, 3.5 * px), n, 1.5)
    drops = _random_drops(
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
    fld = _stamp(shape, drops, hscale)
    view = rng.uniform(0.03, 0.2) * s
    look = _look(
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
    rgb, alpha = _shade(src, fld, look)
    sigma = rng.uniform(0.0, 0.9) * px
    rgb, alpha = _defocus(rgb, alpha, sigma)
    layer = _Layer(rgb, alpha)
    layer.params.update(
        count=n,
        radius_min=float(radius.min() / s),
        radius_max=float(radius.max() / s),
        defocus=float(sigma / s),
    )
    return layer


_RENDERERS = {
    "lens_blobs": _lens_blobs,
    "bokeh_night": _bokeh_night,
    "film_smear": _film_smear,
    "windscreen_specks": _windscreen_specks,
}


def _render_layer(
    rng: np.random.Generator, kind: str, img: np.ndarray, s: float, px: float
) -> _Layer:
    if kind == "glass_dense":
        return _glass(rng, img, s, px, dense=True)
    if kind == "glass_sparse":
        return _glass(rng, img, s, px, dense=False)
    return _RENDERERS[kind](rng, img, s, px)


# -- public API -------------------------------------------------------------------------------
def _pick(rng: np.random.Generator) -> str:
    w = np.array([KIND_WEIGHTS[k] for k in KINDS], dtype=np.float64)
    return KINDS[int(rng.choice(len(KINDS), p=w / w.sum()))]


def _apply(
    rng: np.random.Generator, base: np.ndarray, kind: str
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Render one water layer of ``kind`` over a float image at full resolution."""
    hh, ww = base.shape[:2]
    short = min(hh, ww)
    scale = min(1.0, _WORK_SIDE[kind] / short)
    wsize = (max(8, round(hh * scale)), max(8, round(ww * scale)))
    work = resize(base, wsize)
    s = float(min(wsize))
    px = float(min(wsize)) / short  # one output pixel in working pixels
    layer = _render_layer(rng, kind, work, s, px)
    rgb = resize(layer.rgb, (hh, ww))
    alpha = np.clip(resize(layer.alpha, (hh, ww)), 0.0, 1.0)
    out = base * (1.0 - alpha[..., None]) + rgb
    if layer.haze is not None and layer.veil is not None:
        hz = np.clip(resize(layer.haze, (hh, ww)), 0.0, 1.0)[..., None]
        out = out * (1.0 - hz) + resize(layer.veil, (hh, ww)) * hz
    params = {"kind": kind, **layer.params}
    return np.clip(out, 0.0, 1.0).astype(np.float32), alpha.astype(np.float32), params


def _visibility(before: np.ndarray, after: np.ndarray, mask: np.ndarray) -> float:
    """Mean change (0-255 scale) where the water is, weighted by coverage."""
    diff = np.abs(after - before).max(axis=-1) * 255.0
    return float((diff * mask).sum() / max(float(mask.sum()), 1e-6))


def _visible_layer(
    rng: np.random.Generator, base: np.ndarray, kind: str
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Render a layer; redraw (at most twice) if the water hardly changes the photo.

    A positive with invisible water is a wrong label; the most visible try is kept.
    """
    best = _apply(rng, base, kind)
    best_vis = _visibility(base, best[0], best[1])
    for _ in range(2):
        if best_vis >= _MIN_VISIBILITY:
            break
        again = _apply(rng, base, kind)
        vis = _visibility(base, again[0], again[1])
        if vis > best_vis:
            best, best_vis = again, vis
    best[2]["visibility"] = round(best_vis, 2)
    return best


def render_droplets(
    image: np.ndarray, rng: np.random.Generator, kind: str | None = None
) -> SynthResult:
    """Render water of ``kind`` (random by :data:`KIND_WEIGHTS` if None) over an RGB photo.

    ``image`` is HxWx3 uint8 of any size and is not modified. The result has the same
    shape; its mask is the water coverage in [0, 1]. A random kind sometimes gets a
    second, lighter layer of another kind, as real wet lenses mix them.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 image, got {image.dtype} {image.shape}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown droplet kind {kind!r}; known: {', '.join(KINDS)}")
    chosen = kind if kind is not None else _pick(rng)
    base = to_float(image)
    out, mask, params = _visible_layer(rng, base, chosen)
    layers = [params]
    if kind is None and rng.random() < _SECOND_LAYER_P:
        second = _pick(rng)
        if second in ("windscreen_specks", "film_smear", "glass_sparse") and second != chosen:
            out, mask2, p2 = _apply(rng, out, second)
            mask = np.maximum(mask, mask2)
            layers.append(p2)
    result_params: dict[str, Any] = {
        "kind": chosen,
        "layers": layers,
        "coverage": float(mask.mean()),
    }
    return SynthResult(image=to_uint8(out), mask=mask, params=_jsonable(result_params))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float):
        return round(obj, 5)
    return obj
