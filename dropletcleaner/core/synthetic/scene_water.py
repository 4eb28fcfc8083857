"""Rendering of water that is part of the scene, not on the lens: negatives for training.

A drop of dew on a leaf, beads on a car bonnet, rain falling through the frame or a wet
street reflecting the lights are all *clean* photos: the water lies in the scene, so it is
as sharp as the surface it sits on, lit by the scene's light, and confined to that surface.
Water on the lens is the opposite: out of focus, hazy, spread over the frame regardless of
what is behind it. These renders teach the model that difference; they are labelled clean.

Three kinds:

- ``surface_drops``: small, sharp beads confined to one region of the frame (a surface),
  each refracting an inverted bit of what lies under it, with a dark rim, a contact shadow
  on the side away from the light and one specular glint towards it;
- ``rain_streaks``: thin, faint, motion-blurred streaks at one angle, as falling rain
  photographed at a normal shutter speed;
- ``wet_street``: the lower part of the frame darkened and glossed with a blurred,
  rippled reflection of what stands above it.
"""

from __future__ import annotations

import math

import numpy as np

from dropletcleaner.core.synthetic.imaging import gaussian_blur, sample_bilinear, to_float, to_uint8

SCENE_WATER_KINDS: tuple[str, ...] = ("surface_drops", "rain_streaks", "wet_street")
_KIND_WEIGHTS = np.array([0.5, 0.25, 0.25])


def _region(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A soft-edged blob covering 8-45 % of the frame: the surface the drops sit on."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = rng.uniform(0.2, 0.8) * h, rng.uniform(0.2, 0.8) * w
    ry, rx = rng.uniform(0.15, 0.4) * h, rng.uniform(0.15, 0.4) * w
    angle = rng.uniform(0, math.pi)
    dy, dx = yy - cy, xx - cx
    u = (dx * math.cos(angle) + dy * math.sin(angle)) / rx
    v = (-dx * math.sin(angle) + dy * math.cos(angle)) / ry
    theta = np.arctan2(v, u)
    wobble = 1.0 + 0.25 * np.sin(3 * theta + rng.uniform(0, 6.3)) * rng.uniform(0.2, 1.0)
    inside = (u * u + v * v) < wobble**2
    return gaussian_blur(inside.astype(np.float32), 2.0)


def _surface_drops(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    short = min(h, w)
    region = _region(rng, h, w)
    ys, xs = np.nonzero(region > 0.5)
    if len(ys) == 0:
        return img
    out = img.copy()
    light = rng.uniform(0, 2 * math.pi)
    ly, lx = math.sin(light), math.cos(light)
    count = int(rng.integers(15, 140))
    pick = rng.integers(0, len(ys), count)
    for cy, cx in zip(ys[pick], xs[pick], strict=True):
        r = short * math.exp(rng.uniform(math.log(0.004), math.log(0.02)))
        r = max(r, 1.5)
        y0, y1 = max(0, int(cy - 2 * r)), min(h, int(cy + 2 * r) + 1)
        x0, x1 = max(0, int(cx - 2 * r)), min(w, int(cx + 2 * r) + 1)
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        dy, dx = (gy - cy) / r, (gx - cx) / r
        d2 = dx * dx + dy * dy
        inside = d2 < 1.0
        if not inside.any():
            continue
        patch = out[y0:y1, x0:x1]
        # Contact shadow: offset away from the light, soft, under the drop.
        sd2 = (dx + 0.35 * lx) ** 2 + (dy + 0.35 * ly) ** 2
        shadow = np.clip(1.2 - sd2, 0, 1) * (~inside) * rng.uniform(0.15, 0.35)
        patch *= 1.0 - shadow[..., None]
        # A sessile drop acts as a tiny fish-eye lens: it shows an inverted, shrunk view.
        sy = cy - dy * r * 0.6
        sx = cx - dx * r * 0.6
        refr = sample_bilinear(img, np.clip(sy, 0, h - 1), np.clip(sx, 0, w - 1))
        rim = np.clip((d2 - 0.55) / 0.45, 0, 1) ** 1.5
        drop = refr * (1.0 - 0.55 * rim[..., None])
        glint_d2 = (dx - 0.4 * lx) ** 2 + (dy - 0.4 * ly) ** 2
        glint = np.exp(-glint_d2 / 0.02) * rng.uniform(0.5, 1.0)
        drop = np.clip(drop + glint[..., None], 0, 1)
        edge = np.clip((1.0 - d2) / 0.15, 0, 1)[..., None]  # anti-aliased edge
        patch[:] = patch * (1.0 - edge) + drop * edge
    return out


def _rain_streaks(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    layer = np.zeros((h, w), np.float32)
    count = int(rng.integers(150, 900))
    layer[rng.integers(0, h, count), rng.integers(0, w, count)] = 1.0
    length = rng.uniform(0.03, 0.09) * h
    angle = rng.uniform(-0.35, 0.35)  # radians from vertical
    # Draw each speck out into a streak by summing shifted copies along the fall direction.
    streaks = np.zeros_like(layer)
    steps = max(4, int(length))
    for t in np.linspace(0, 1, steps):
        dy, dx = int(t * length * math.cos(angle)), int(t * length * math.sin(angle))
        streaks += np.roll(np.roll(layer, dy, axis=0), dx, axis=1)
    streaks = gaussian_blur(np.clip(streaks, 0, 1), 0.7)
    strength = rng.uniform(0.08, 0.25)
    brightness = np.clip(img.mean(axis=-1).mean() + 0.35, 0.4, 1.0)
    return np.clip(img + (strength * brightness * streaks)[..., None], 0, 1)


def _wet_street(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    horizon = int(h * rng.uniform(0.55, 0.8))
    below = h - horizon
    if below < 4:
        return img
    yy, xx = np.mgrid[0:below, 0:w].astype(np.float32)
    ripple = rng.uniform(0.5, 3.0) * np.sin(xx / rng.uniform(4, 12) + yy / rng.uniform(2, 6))
    src_y = np.clip(horizon - 1 - yy, 0, h - 1)  # mirrored about the horizon
    src_x = np.clip(xx + ripple, 0, w - 1)
    reflection = gaussian_blur(sample_bilinear(img, src_y, src_x), rng.uniform(1.0, 3.0))
    fade = np.linspace(rng.uniform(0.4, 0.7), 0.1, below, dtype=np.float32)[:, None, None]
    ground = img[horizon:] * rng.uniform(0.5, 0.8)  # wet surfaces are darker
    out = img.copy()
    out[horizon:] = np.clip(ground * (1 - fade) + reflection * fade, 0, 1)
    return out


def render_scene_water(
    image: np.ndarray, rng: np.random.Generator, kind: str | None = None
) -> tuple[np.ndarray, str]:
    """Render water that belongs to the scene over an HxWx3 uint8 photo; returns (image, kind).

    The result is a clean photo: nothing here lies on the lens.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 image, got {image.dtype} {image.shape}")
    if kind is None:
        kind = SCENE_WATER_KINDS[int(rng.choice(len(SCENE_WATER_KINDS), p=_KIND_WEIGHTS))]
    if kind not in SCENE_WATER_KINDS:
        raise ValueError(f"unknown scene-water kind {kind!r}; known: {SCENE_WATER_KINDS}")
    base = to_float(image)
    render = {"surface_drops": _surface_drops, "rain_streaks": _rain_streaks}.get(kind, _wet_street)
    return to_uint8(render(rng, base)), kind


__all__ = ["SCENE_WATER_KINDS", "render_scene_water"]
