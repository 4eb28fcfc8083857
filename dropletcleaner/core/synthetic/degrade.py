"""Hard negatives: clean photos degraded in ways that are *not* water on the lens.

A droplet detector that learns "blurry or murky means droplet" fails photographers, whose
libraries are full of defocused, shaken, dark, foggy and over-compressed shots. Training
keeps every output of :func:`degrade` labelled *clean*, and evaluation builds its
hard-negative sets from it.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageFilter

HARD_NEGATIVE_KINDS: tuple[str, ...] = (
    "defocus",
    "motion_blur",
    "soft_upscale",
    "dark_noise",
    "fog",
    "jpeg_blocking",
    "gaussian_blur",
    "combined",
)


def _fft_convolve(arr: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve each channel of ``arr`` (HxWxC float) with ``kernel``, edges reflected."""
    kh, kw = kernel.shape
    ph, pw = kh // 2 + 1, kw // 2 + 1
    padded = np.pad(arr, ((ph, ph), (pw, pw), (0, 0)), mode="reflect")
    h, w = padded.shape[:2]
    k = np.zeros((h, w), dtype=np.float64)
    k[:kh, :kw] = kernel / kernel.sum()
    k = np.roll(k, (-(kh // 2), -(kw // 2)), axis=(0, 1))
    kf = np.fft.rfft2(k)
    out = np.fft.irfft2(np.fft.rfft2(padded, axes=(0, 1)) * kf[..., None], s=(h, w), axes=(0, 1))
    return np.asarray(out[ph : ph + arr.shape[0], pw : pw + arr.shape[1]])


def _disk(radius: float) -> np.ndarray:
    r = max(radius, 0.5)
    n = math.ceil(r)
    yy, xx = np.mgrid[-n : n + 1, -n : n + 1]
    # Anti-aliased edge so small radii still blur smoothly.
    return np.clip(r + 0.5 - np.hypot(xx, yy), 0.0, 1.0)


def _line(length: float, angle: float) -> np.ndarray:
    n = math.ceil(length / 2) + 1
    size = 2 * n + 1
    kernel = np.zeros((size, size))
    for t in np.linspace(-length / 2, length / 2, max(2, int(length * 3))):
        x, y = n + t * math.cos(angle), n + t * math.sin(angle)
        kernel[round(y), round(x)] += 1.0
    return kernel


def _defocus(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    side = max(arr.shape[:2])
    radius = side * rng.uniform(0.004, 0.03)
    return _fft_convolve(arr, _disk(radius))


def _motion(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    side = max(arr.shape[:2])
    return _fft_convolve(arr, _line(side * rng.uniform(0.01, 0.045), rng.uniform(0, math.pi)))


def _gaussian(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    side = max(arr.shape[:2])
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    blurred = img.filter(ImageFilter.GaussianBlur(side * rng.uniform(0.002, 0.01)))
    return np.asarray(blurred, dtype=np.float64)


def _soft_upscale(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = arr.shape[:2]
    f = rng.uniform(2.0, 6.0)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    small = img.resize((max(8, round(w / f)), max(8, round(h / f))), Image.Resampling.BILINEAR)
    method = Image.Resampling.BICUBIC if rng.random() < 0.5 else Image.Resampling.BILINEAR
    return np.asarray(small.resize((w, h), method), dtype=np.float64)


def _dark_noise(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    gain = rng.uniform(0.12, 0.45)
    dark = 255.0 * (arr / 255.0) ** rng.uniform(1.2, 2.2) * gain
    # Sensor noise after pushing exposure: shot noise, read noise, colour blotches.
    shot = rng.normal(0, 1, arr.shape) * np.sqrt(np.maximum(dark, 0) * rng.uniform(0.3, 1.5))
    read = rng.normal(0, rng.uniform(1.5, 6.0), arr.shape)
    h, w = arr.shape[:2]
    chroma = rng.normal(0, rng.uniform(0.5, 4.0), (max(2, h // 8), max(2, w // 8), 3))
    chroma_up = (
        np.asarray(
            Image.fromarray(((chroma + 20) * 6).clip(0, 255).astype(np.uint8)).resize(
                (w, h), Image.Resampling.BILINEAR
            ),
            dtype=np.float64,
        )
        / 6
        - 20
    )
    return dark + shot + read + chroma_up


def _fog(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h = arr.shape[0]
    air = rng.uniform(170, 245) * np.array([1.0, rng.uniform(0.97, 1.03), rng.uniform(0.95, 1.08)])
    # Denser towards the horizon/top, as distance grows.
    ramp = np.linspace(rng.uniform(0.5, 1.0), rng.uniform(0.0, 0.6), h)[:, None, None]
    density = rng.uniform(0.3, 0.75) * (0.5 + 0.5 * ramp)
    return arr * (1 - density) + air[None, None, :] * density


def _jpeg(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(rng.integers(4, 18)))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), dtype=np.float64)


_OPS = {
    "defocus": _defocus,
    "motion_blur": _motion,
    "soft_upscale": _soft_upscale,
    "dark_noise": _dark_noise,
    "fog": _fog,
    "jpeg_blocking": _jpeg,
    "gaussian_blur": _gaussian,
}


def degrade(
    image: np.ndarray, rng: np.random.Generator, kind: str | None = None
) -> tuple[np.ndarray, str]:
    """Return a degraded copy of ``image`` (HxWx3 uint8) and the kind applied.

    ``kind`` is one of :data:`HARD_NEGATIVE_KINDS`, or ``None`` for a random one.
    ``"combined"`` chains two different degradations (e.g. blur then darkness).
    """
    if kind is None:
        kind = HARD_NEGATIVE_KINDS[int(rng.integers(len(HARD_NEGATIVE_KINDS)))]
    if kind not in HARD_NEGATIVE_KINDS:
        raise ValueError(f"unknown degradation {kind!r}; expected one of {HARD_NEGATIVE_KINDS}")
    arr = np.asarray(image, dtype=np.float64)
    if kind == "combined":
        names = list(_OPS)
        first, second = rng.choice(len(names), size=2, replace=False)
        # Clip between steps: a gamma curve on a slightly negative value would give NaN.
        arr = np.clip(_OPS[names[int(first)]](arr, rng), 0.0, 255.0)
        arr = _OPS[names[int(second)]](arr, rng)
    else:
        arr = _OPS[kind](arr, rng)
    return np.clip(np.rint(arr), 0, 255).astype(np.uint8), kind


__all__ = ["HARD_NEGATIVE_KINDS", "degrade"]
