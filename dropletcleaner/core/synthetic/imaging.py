"""Small float-image helpers shared by the renderers: conversion, resizing, blur, sampling.

Images here are float32 arrays in [0, 1] (HxW or HxWxC). Blurs stay fast for large sigmas
by working on a reduced copy, because the renderers need many soft layers per photo.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image
from scipy import ndimage


def to_float(img: np.ndarray) -> np.ndarray:
    """uint8 image to float32 in [0, 1]."""
    return img.astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(arr: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] to uint8, clipped and rounded."""
    return np.clip(arr * 255.0 + 0.5, 0, 255).astype(np.uint8)


def resize(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float32 HxW or HxWxC array to ``size`` = (height, width), antialiased bilinear."""
    h, w = size
    if arr.shape[:2] == (h, w):
        return arr.astype(np.float32, copy=False)
    if arr.ndim == 2:
        im = Image.fromarray(np.ascontiguousarray(arr, dtype=np.float32), mode="F")
        return np.asarray(im.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    chans = [resize(arr[..., c], size) for c in range(arr.shape[2])]
    return np.stack(chans, axis=-1)


def gaussian_blur(arr: np.ndarray, sigma: float, sigma_x: float | None = None) -> np.ndarray:
    """Gaussian blur over the two spatial axes; ``sigma_x`` makes it anisotropic.

    Large sigmas are blurred on a reduced copy and scaled back, which is close to a true
    Gaussian and keeps the cost flat in sigma.
    """
    sy = float(sigma)
    sx = sy if sigma_x is None else float(sigma_x)
    arr = arr.astype(np.float32, copy=False)
    if max(sy, sx) < 0.25:
        return arr.copy()
    h, w = arr.shape[:2]
    fy = max(1, min(int(sy / 1.6), h // 4))
    fx = max(1, min(int(sx / 1.6), w // 4))
    if max(fy, fx) >= 2:
        small = resize(arr, (math.ceil(h / fy), math.ceil(w / fx)))
        # Down- and up-sampling already blur by roughly f^2/3 in variance.
        ry = math.sqrt(max(sy * sy - fy * fy / 3.0, (0.5 * fy) ** 2)) / fy
        rx = math.sqrt(max(sx * sx - fx * fx / 3.0, (0.5 * fx) ** 2)) / fx
        return resize(_gauss(small, ry, rx), (h, w))
    return _gauss(arr, sy, sx)


def _gauss(arr: np.ndarray, sy: float, sx: float) -> np.ndarray:
    sig: tuple[float, ...] = (sy, sx) if arr.ndim == 2 else (sy, sx, 0.0)
    out = ndimage.gaussian_filter(arr, sigma=sig, mode="reflect", truncate=3.0)
    return np.asarray(out, dtype=np.float32)


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``e0`` to 1 at ``e1``."""
    t = np.clip((x - e0) / max(e1 - e0, 1e-6), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _reflect(c: np.ndarray, n: int) -> np.ndarray:
    if n == 1:
        return np.zeros_like(c)
    period = 2.0 * (n - 1)
    c = np.mod(np.abs(c), period)
    return np.where(c > n - 1, period - c, c)


def sample_bilinear(img: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Bilinear samples of an HxWxC image at float positions, mirrored at the borders.

    Returns an array of shape ``ys.shape + (C,)``. Mirroring (not clamping) avoids a constant
    smear when refraction looks past the frame.
    """
    if img.shape[0] < 2 or img.shape[1] < 2:
        img = np.pad(img, ((0, max(0, 2 - img.shape[0])), (0, max(0, 2 - img.shape[1])), (0, 0)))
    h, w, c = img.shape
    shape = ys.shape
    ys = _reflect(ys.reshape(-1).astype(np.float32, copy=False), h)
    xs = _reflect(xs.reshape(-1).astype(np.float32, copy=False), w)
    y0 = np.minimum(ys.astype(np.int32), h - 2)
    x0 = np.minimum(xs.astype(np.int32), w - 2)
    fy = (ys - y0)[:, None]
    fx = (xs - x0)[:, None]
    flat = np.ascontiguousarray(img, dtype=np.float32).reshape(-1, c)
    i00 = y0 * w + x0
    a = np.take(flat, i00, axis=0)
    b = np.take(flat, i00 + 1, axis=0)
    top = a + (b - a) * fx
    a = np.take(flat, i00 + w, axis=0)
    b = np.take(flat, i00 + w + 1, axis=0)
    bot = a + (b - a) * fx
    return np.asarray(top + (bot - top) * fy, dtype=np.float32).reshape(*shape, c)


def luminance(img: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of an HxWx3 float image."""
    return np.asarray(img @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32))
