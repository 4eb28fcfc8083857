"""The lens-water renderer's entry point: :func:`render_droplets` and what it returns.

A water layer is drawn at its kind's working size, scaled to the photo and composited over
it as a partial occluder; the coverage mask says where the water is. A render whose water
hardly changes the photo is drawn again, since invisible water would be a wrong label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dropletcleaner.core.synthetic.imaging import resize, to_float, to_uint8
from dropletcleaner.core.synthetic.lens_water.kinds import KINDS, WORK_SIDE, pick_kind, render_layer

# A second, lighter layer is sometimes added when the kind is chosen at random.
_SECOND_LAYER_P = 0.2
# mean change (0-255) under the mask below which a render is drawn again
_MIN_VISIBILITY = 7.0


@dataclass
class SynthResult:
    """A rendered photo, its droplet coverage mask in [0, 1] and the render parameters."""

    image: np.ndarray
    mask: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)


def _apply(
    rng: np.random.Generator, base: np.ndarray, kind: str
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Render one water layer of ``kind`` over a float image at full resolution."""
    hh, ww = base.shape[:2]
    short = min(hh, ww)
    scale = min(1.0, WORK_SIDE[kind] / short)
    wsize = (max(8, round(hh * scale)), max(8, round(ww * scale)))
    work = resize(base, wsize)
    s = float(min(wsize))
    px = float(min(wsize)) / short  # one output pixel in working pixels
    layer = render_layer(rng, kind, work, s, px)
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
    """Render water of ``kind`` (random by :data:`~.kinds.KIND_WEIGHTS` if None) over an RGB photo.

    ``image`` is HxWx3 uint8 of any size and is not modified. The result has the same
    shape; its mask is the water coverage in [0, 1]. A random kind sometimes gets a
    second, lighter layer of another kind, as real wet lenses mix them.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 image, got {image.dtype} {image.shape}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown droplet kind {kind!r}; known: {', '.join(KINDS)}")
    chosen = kind if kind is not None else pick_kind(rng)
    base = to_float(image)
    out, mask, params = _visible_layer(rng, base, chosen)
    layers = [params]
    if kind is None and rng.random() < _SECOND_LAYER_P:
        second = pick_kind(rng)
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
    """``obj`` with numpy scalars made plain and floats rounded, for training manifests."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float):
        return round(obj, 5)
    return obj
