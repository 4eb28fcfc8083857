"""Tools that make generated demo scenes read as photographs rather than drawings.

Flat shapes look synthetic because nothing in them varies at every scale: real surfaces
carry texture from metres to pixels, a lens blurs what lies off the focus plane, light
falls off and a sensor adds noise. So the scenes are built from fractal noise and finished
by a small camera model: exposure and a filmic tone curve, vignetting, sensor noise that
grows in the shadows when the exposure is pushed, and the mild sharpening cameras apply.
Images are float32 HxWx3 in [0, 1] until :func:`sensor` returns the uint8 photo.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from dropletcleaner.core.synthetic.imaging import gaussian_blur

Colour = tuple[float, float, float]


def value_noise(rng: np.random.Generator, h: int, w: int, cells: tuple[float, float]) -> np.ndarray:
    """Smooth noise of unit variance, ``cells`` = (across, down) features over the frame."""
    cx, cy = max(1, round(cells[0])), max(1, round(cells[1]))
    grid = rng.standard_normal((cy + 3, cx + 3)).astype(np.float32)
    im = Image.fromarray(grid, mode="F").resize((w + 2 * (w // cx), h + 2 * (h // cy)), 3)
    # Crop the margin: bicubic resizing is only well behaved away from the grid's border.
    arr = np.asarray(im, dtype=np.float32)[h // cy : h // cy + h, w // cx : w // cx + w]
    return arr / max(float(arr.std()), 1e-6)


def fbm(
    rng: np.random.Generator,
    h: int,
    w: int,
    cells: float,
    octaves: int = 5,
    stretch: tuple[float, float] = (1.0, 1.0),
    gain: float = 0.5,
) -> np.ndarray:
    """Fractal noise: octaves of value noise, each twice as fine and ``gain`` as strong.

    ``stretch`` = (x, y) divides the feature count along that axis, so (1, 4) gives streaks
    running down the frame (bark, grass) and (6, 1) waves running across it.
    """
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    aspect = w / h
    for o in range(octaves):
        n = cells * 2**o
        across = min(n * aspect / stretch[0], w / 2)
        down = min(n / stretch[1], h / 2)
        out += amp * value_noise(rng, h, w, (across, down))
        total += amp * amp
        amp *= gain
    return out / math.sqrt(total)


def step(e0: float | np.ndarray, e1: float | np.ndarray, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``e0`` to 1 at ``e1``; ``e1 < e0`` steps down."""
    t = np.clip((x - e0) / np.where(e1 == e0, 1e-6, np.asarray(e1) - e0), 0.0, 1.0)
    return np.asarray(t * t * (3.0 - 2.0 * t), np.float32)


def line_noise(rng: np.random.Generator, w: int, cells: float, octaves: int = 6) -> np.ndarray:
    """1-D fractal noise of unit variance over ``w`` samples (skylines, shores, beams)."""
    out = np.zeros(w, np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        n = max(2, int(cells * 2**o))
        knots = rng.standard_normal(n + 2).astype(np.float32)
        pos = np.linspace(0, n, w, dtype=np.float32)
        i = pos.astype(np.int32)
        t = pos - i
        t = t * t * (3 - 2 * t)
        out += amp * (knots[i] * (1 - t) + knots[i + 1] * t)
        total += amp * amp
        amp *= 0.5
    return out / math.sqrt(total)


def ridge_line(rng: np.random.Generator, w: int, cells: float, octaves: int = 7) -> np.ndarray:
    """A 1-D mountain profile in [0, 1]: ridged fractal noise, sharp peaks, soft valleys."""
    ridged = 1.0 - np.abs(line_noise(rng, w, cells, octaves)) / 2.0
    return np.asarray(np.clip(ridged, 0, 1) ** 2, np.float32)


def mix(a: np.ndarray | Colour, b: np.ndarray | Colour, t: np.ndarray | float) -> np.ndarray:
    """Blend ``a`` to ``b`` by ``t`` (a scalar, an HxW map or an HxWx3 image)."""
    t_ = np.asarray(t, np.float32)
    if t_.ndim == 2:
        t_ = t_[..., None]
    a_, b_ = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return np.asarray(a_ + (b_ - a_) * t_, np.float32)


def fill(h: int, w: int, colour: Colour) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.float32) / 255.0, (h, w, 3)).copy()


def rgb(c: Colour) -> np.ndarray:
    return np.asarray(c, np.float32) / 255.0


def tint(rng: np.random.Generator, c: Colour, amount: float = 12.0) -> Colour:
    r, g, b = (float(np.clip(v + rng.normal(0, amount), 0, 255)) for v in c)
    return (r, g, b)


def vertical(h: int, w: int) -> np.ndarray:
    """Row position 0 (top) .. 1 (bottom) as an HxW map."""
    return np.broadcast_to(np.linspace(0, 1, h, dtype=np.float32)[:, None], (h, w))


def over(base: np.ndarray, layer: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite ``layer`` over ``base`` with an HxW coverage."""
    return mix(base, layer, np.clip(alpha, 0, 1))


def depth_of_field(img: np.ndarray, blur: np.ndarray, max_sigma: float) -> np.ndarray:
    """Blur each pixel by its own amount (``blur`` in [0, 1] of ``max_sigma``), as a lens does.

    A per-pixel kernel is too slow in numpy, so a few blur levels are made and blended:
    between two levels the mix of the neighbouring blurs is close to the blur in between.
    """
    levels = [0.0, 0.2, 0.45, 0.7, 1.0]
    stack = [img if s == 0 else gaussian_blur(img, s * max_sigma) for s in levels]
    b = np.clip(blur, 0, 1) * (len(levels) - 1)
    lo = np.minimum(b.astype(np.int32), len(levels) - 2)
    t = (b - lo)[..., None]
    out = np.zeros_like(img)
    for i in range(len(levels) - 1):
        sel = (lo == i)[..., None]
        out += np.where(sel, stack[i] * (1 - t) + stack[i + 1] * t, 0.0)
    return out


def glow(h: int, w: int, points: list[tuple[float, float, float]], soft: float) -> np.ndarray:
    """Light sources as HxW intensity: each (y, x, radius) a bright core with a soft halo."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = np.zeros((h, w), np.float32)
    for y, x, r in points:
        y0, y1 = max(0, int(y - soft * r * 4)), min(h, int(y + soft * r * 4) + 1)
        x0, x1 = max(0, int(x - soft * r * 4)), min(w, int(x + soft * r * 4) + 1)
        d2 = (yy[y0:y1, x0:x1] - y) ** 2 + (xx[y0:y1, x0:x1] - x) ** 2
        core = step(r * r * 1.2, r * r * 0.8, d2)
        halo = np.exp(-d2 / (2 * (soft * r) ** 2)) * 0.45
        out[y0:y1, x0:x1] = np.maximum(out[y0:y1, x0:x1], np.maximum(core, halo))
    return out


def develop(
    scene: np.ndarray, rng: np.random.Generator, exposure: float = 1.0, vignette: float = 0.25
) -> np.ndarray:
    """Expose and tone-map a scene, with lens vignetting; returns uint8 (before the sensor).

    The scene's values are display-referred; exposure acts on them linearised, and the
    filmic curve rolls highlights off instead of clipping them flat.
    """
    h, w = scene.shape[:2]
    lin = np.clip(scene, 0, None) ** 2.2 * exposure
    yy = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    xx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    r2 = (xx * xx * (w / h) + yy * yy) / (1 + w / h)
    lin = lin * (1.0 - vignette * r2 * rng.uniform(0.6, 1.0))[..., None]
    k = 2.2
    tone = (1.0 - np.exp(-k * lin)) / (1.0 - math.exp(-k))
    out = np.clip(tone, 0, 1) ** (1 / 2.2)
    return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)


def sensor(img: np.ndarray, rng: np.random.Generator, iso: float = 1.0) -> np.ndarray:
    """Sensor noise (shot noise strongest in the shadows, some chroma) and in-camera sharpening.

    ``iso`` scales the noise: 1 for daylight, 4-8 for a dim room shot hand-held.
    """
    x = img.astype(np.float32) / 255.0
    h, w = x.shape[:2]
    sigma = (0.006 + 0.012 * np.sqrt(np.clip(x, 0, 1))) * iso
    luma = rng.standard_normal((h, w, 1)).astype(np.float32)
    chroma = gaussian_blur(rng.standard_normal((h, w, 3)).astype(np.float32), 0.8) * 0.5
    noisy = x + sigma * (luma + chroma)
    # Demosaicing correlates neighbouring pixels: a light blur, then the camera's sharpening.
    soft = gaussian_blur(noisy, 0.55)
    sharp = soft + 0.6 * (soft - gaussian_blur(soft, 1.6))
    return np.clip(sharp * 255.0 + 0.5, 0, 255).astype(np.uint8)
