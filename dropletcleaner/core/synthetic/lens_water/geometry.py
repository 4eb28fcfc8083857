"""Drop geometry for the lens-water renderer: where drops sit, their shapes and sizes.

Each drop is an ellipse (sometimes irregular, from angular harmonics) that sags under gravity;
:func:`stamp` rasterises a set of them into one merged height field whose gradient is the
surface slope that :mod:`.shading` refracts through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Drops:
    """A set of drops in working pixels: centres, radii, tilt, sag, profile and outline."""

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
class Field:
    """Merged height field of a set of drops on the working grid."""

    h: np.ndarray  # height in px (so its gradient is the surface slope)
    alpha: np.ndarray  # antialiased coverage
    ids: np.ndarray  # index of the drop on top at each pixel, -1 outside
    peak: np.ndarray  # per-drop peak height


def log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int, skew: float) -> np.ndarray:
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


def random_drops(
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
) -> Drops:
    cy, cx = _positions(rng, n, shape, layout)
    asp = rng.uniform(aspect[0], aspect[1], n).astype(np.float32)
    # keep the area of a circle of `radius`, stretch one axis
    ry = radius / np.sqrt(asp)
    rx = radius * np.sqrt(asp)
    swap = rng.random(n) < 0.5
    ry, rx = np.where(swap, rx, ry), np.where(swap, ry, rx)
    return Drops(
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


def stamp(shape: tuple[int, int], d: Drops, hscale: float) -> Field:
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
    return Field(h=hmap[crop], alpha=amap[crop], ids=ids[crop], peak=peak)
