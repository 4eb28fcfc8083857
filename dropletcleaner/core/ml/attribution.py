"""Heat maps that show which parts of a photo made the model call it a droplet photo.

Four captum methods explain the droplet margin of :class:`DropletNet` — the droplet logit
minus the clean logit, which is exactly what the shown score is a function of:

* ``gradcam`` — Grad-CAM on the last convolutional layer (the 1x1 ``conv_head``, taken after
  its batch norm and ReLU6). One forward and one backward pass: the fast default.
* ``integrated_gradients`` — gradients integrated along the path from a black image.
* ``occlusion`` — how much the logit drops when a square window is greyed out, swept over
  the frame on a coarse grid sized to finish in seconds on a laptop CPU.
* ``gradient_shap`` — expected gradients against a blurred and a black copy of the photo.

Every map is reduced to a float32 ``H x W`` array in ``[0, 1]`` at the model input size
(positive evidence for "droplet" only), so the GUI and CLI can draw them the same way.
Pixels become model inputs only through
:func:`dropletcleaner.core.ml.inference.to_model_tensor` and
:data:`dropletcleaner.core.photos.preprocess.PREPROCESS`. Results of :func:`explain_file` are
cached on disk per (file fingerprint, model version, method).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from captum.attr import GradientShap, IntegratedGradients, LayerGradCam, Occlusion
from PIL import Image
from torch import nn
from torchvision.transforms.functional import gaussian_blur

from dropletcleaner.core.atomic import atomic_open
from dropletcleaner.core.jobs import CancelToken
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.inference import to_model_tensor
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.paths import cache_dir
from dropletcleaner.core.photos.decode import decode_for_scan
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.photos.preprocess import PREPROCESS

log = logging.getLogger(__name__)

METHODS: tuple[str, ...] = ("gradcam", "integrated_gradients", "occlusion", "gradient_shap")
METHOD_LABELS: dict[str, str] = {
    "gradcam": "Grad-CAM",
    "integrated_gradients": "Integrated Gradients",
    "occlusion": "Occlusion",
    "gradient_shap": "GradientSHAP",
}
DEFAULT_METHOD = "gradcam"
DROPLET_CLASS = 1  # index of the droplet logit in DropletNet's (clean, droplet) head
MARGIN_TARGET = 0  # the one output of DropletMargin

# Method settings, sized for a 224-288 px input on two CPU cores. They are part of the cache key.
IG_STEPS = 16
IG_BATCH = 4  # gradient batches; cancelling takes effect between them
SHAP_SAMPLES = 8
SHAP_CHUNK = 2
SHAP_NOISE = 0.1  # standard deviation of the input noise, in normalised units
SHAP_SEED = 0
OCCLUSION_GRID = 8  # stride = side / 8, window = 2 x stride: 7 x 7 windows at any size
OCCLUSION_BATCH = 8

CACHE_FORMAT = 2  # 2: maps explain the droplet margin


@dataclass
class Attribution:
    """One heat map: where the evidence for "droplet" lies, and the score it explains."""

    heatmap: np.ndarray  # float32 [H, W] in [0, 1], at the model input size
    score: float  # calibrated P(droplet) of the explained input
    method: str
    model_version: str | None = None
    fingerprint: str | None = None
    seconds: float = 0.0  # compute time; 0 when read from the cache
    from_cache: bool = False


def method_label(method: str) -> str:
    """Human name of a method, e.g. ``"Grad-CAM"``."""
    _check_method(method)
    return METHOD_LABELS[method]


def gradcam_layer(model: DropletNet) -> nn.Module:
    """The last convolutional layer's activation: ``conv_head`` followed by BN + ReLU6."""
    return model.backbone.bn2


# -- explaining one input ----------------------------------------------------------------


def explain(
    model: DropletNet,
    pixels: np.ndarray | torch.Tensor,
    method: str = DEFAULT_METHOD,
    *,
    cancel: CancelToken | None = None,
) -> Attribution:
    """Explain the droplet logit for one input.

    ``pixels`` is either uint8 RGB ``[H, W, 3]`` (as :func:`decode.model_pixels` returns) or an
    already normalised float tensor ``[3, H, W]`` / ``[1, 3, H, W]`` (as ``to_model_tensor``
    returns). The heat map has the input's ``H x W``. The model is used as given (same device,
    temporary hooks), so do not share it with another thread while this runs. ``cancel`` is
    checked before every forward pass; a set token raises
    :class:`~dropletcleaner.core.jobs.Cancelled`.
    """
    _check_method(method)
    token = cancel or CancelToken()
    token.raise_if_cancelled()
    started = time.perf_counter()
    x = _as_input(pixels, model)
    was_training = model.training
    model.eval()
    try:
        with _cancel_hook(model, token), torch.enable_grad():
            with torch.no_grad():
                score = float(model.predict_proba(x)[0])
            raw = _METHOD_FUNCS[method](model, x)
        token.raise_if_cancelled()
    finally:
        model.train(was_training)
    heatmap = _to_heatmap(raw, method, x.shape[-2:])
    return Attribution(
        heatmap=heatmap, score=score, method=method, seconds=time.perf_counter() - started
    )


class DropletMargin(nn.Module):
    """``droplet logit - clean logit`` of a model, as a ``[N, 1]`` output.

    The calibrated score is ``sigmoid(margin / T)``, so explaining the margin explains the
    score itself; explaining the droplet logit alone would also credit evidence that raises
    both logits.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.model(x)
        return (logits[:, DROPLET_CLASS] - logits[:, 1 - DROPLET_CLASS]).unsqueeze(1)


def _as_input(pixels: np.ndarray | torch.Tensor, model: nn.Module) -> torch.Tensor:
    if isinstance(pixels, torch.Tensor):
        x = pixels.detach().float()
        if x.ndim == 3:
            x = x.unsqueeze(0)
        if x.ndim != 4 or x.shape[:2] != (1, 3):
            raise ValueError(f"expected a normalised [1, 3, H, W] tensor, got {tuple(x.shape)}")
    else:
        arr = np.asarray(pixels)
        if arr.ndim == 3:
            arr = arr[None]
        if arr.ndim != 4 or arr.shape[0] != 1 or arr.shape[-1] != 3:
            raise ValueError(f"expected RGB pixels [H, W, 3], got {arr.shape}")
        x = to_model_tensor(arr)
    device = next(model.parameters()).device
    # Input gradients drive every gradient method, even on a model with frozen weights.
    return x.to(device).contiguous().requires_grad_()


def _black_baseline(x: torch.Tensor) -> torch.Tensor:
    """A black photo, normalised the way every model input is."""
    _, _, h, w = x.shape
    return to_model_tensor(np.zeros((1, h, w, 3), dtype=np.uint8)).to(x.device)


def _blurred_baseline(x: torch.Tensor) -> torch.Tensor:
    # Blur is linear with a unit-sum kernel, so blurring the normalised tensor equals
    # normalising the blurred photo.
    sigma = max(x.shape[-2:]) / 16.0
    kernel = 2 * round(2 * sigma) + 1
    return gaussian_blur(x, [kernel, kernel], [sigma, sigma])


def _gradcam(model: DropletNet, x: torch.Tensor) -> torch.Tensor:
    cam = LayerGradCam(DropletMargin(model), gradcam_layer(model))
    attr = cam.attribute(x, target=MARGIN_TARGET, relu_attributions=True)
    return _upsample_cells(attr, int(x.shape[-2]), int(x.shape[-1])).clamp_min(0)


def _upsample_cells(cells: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bicubic upsampling of a strided feature map that respects where its cells look.

    With symmetric padding, feature cell ``i`` of a stride-``s`` network is centred on input
    pixel ``i * s``, not on ``(i + 0.5) * s`` as plain ``interpolate`` assumes; that would
    shift every map half a cell (16 px at 224 px) down and to the right.
    """
    h, w = cells.shape[-2:]

    def axis(n_out: int, n_cells: int) -> torch.Tensor:
        if n_cells == 1:
            return torch.zeros(n_out)
        pos = torch.arange(n_out, dtype=torch.float32) * (n_cells / n_out)
        return (2.0 * pos / (n_cells - 1) - 1.0).clamp(max=1.0)

    gy, gx = torch.meshgrid(axis(height, h), axis(width, w), indexing="ij")
    grid = torch.stack([gx, gy], dim=-1).unsqueeze(0).to(cells)
    return torch.nn.functional.grid_sample(
        cells, grid, mode="bicubic", padding_mode="border", align_corners=True
    )


def _integrated_gradients(model: DropletNet, x: torch.Tensor) -> torch.Tensor:
    ig = IntegratedGradients(DropletMargin(model))
    return ig.attribute(
        x,
        baselines=_black_baseline(x),
        target=MARGIN_TARGET,
        n_steps=IG_STEPS,
        internal_batch_size=IG_BATCH,
    )


def _occlusion_geometry(h: int, w: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    sh, sw = max(1, h // OCCLUSION_GRID), max(1, w // OCCLUSION_GRID)
    return (3, min(h, 2 * sh), min(w, 2 * sw)), (3, sh, sw)


def _occlusion(model: DropletNet, x: torch.Tensor) -> torch.Tensor:
    window, strides = _occlusion_geometry(int(x.shape[-2]), int(x.shape[-1]))
    with torch.no_grad():
        # 0 in normalised units is the mean colour: a neutral grey patch.
        return Occlusion(DropletMargin(model)).attribute(
            x,
            sliding_window_shapes=window,
            strides=strides,
            baselines=0.0,
            target=MARGIN_TARGET,
            perturbations_per_eval=OCCLUSION_BATCH,
        )


def _gradient_shap(model: DropletNet, x: torch.Tensor) -> torch.Tensor:
    baselines = torch.cat([_blurred_baseline(x), _black_baseline(x)])
    explainer = GradientShap(DropletMargin(model))
    # Samples run in small seeded chunks: reproducible, and cancellable between chunks.
    total = torch.zeros_like(x)
    chunks = range(0, SHAP_SAMPLES, SHAP_CHUNK)
    for start in chunks:
        with _seeded(SHAP_SEED + start):
            total += explainer.attribute(
                x,
                baselines=baselines,
                n_samples=min(SHAP_CHUNK, SHAP_SAMPLES - start),
                stdevs=SHAP_NOISE,
                target=MARGIN_TARGET,
            ).detach()
    return total / len(chunks)


_METHOD_FUNCS: dict[str, Callable[[DropletNet, torch.Tensor], torch.Tensor]] = {
    "gradcam": _gradcam,
    "integrated_gradients": _integrated_gradients,
    "occlusion": _occlusion,
    "gradient_shap": _gradient_shap,
}


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed torch and NumPy (captum draws from both), then restore their global states."""
    numpy_state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(numpy_state)


def _to_heatmap(raw: torch.Tensor, method: str, size: torch.Size) -> np.ndarray:
    """Sum channels, keep positive evidence, smooth pixel-level maps, scale into [0, 1]."""
    attr = raw.detach().float().cpu()
    if attr.ndim == 4:
        attr = attr.sum(dim=1, keepdim=True)
    attr = attr.clamp_min(0)
    h, w = int(size[0]), int(size[1])
    if method != "gradcam":
        # Pixel-level maps are speckled; smooth them to the scale a viewer can read.
        divisor = OCCLUSION_GRID * 2 if method == "occlusion" else 56
        sigma = max(1.0, max(h, w) / divisor)
        kernel = 2 * round(2 * sigma) + 1
        attr = gaussian_blur(attr, [kernel, kernel], [sigma, sigma])
    heat = attr[0, 0].numpy().astype(np.float32)
    # Gradient maps have a few extreme pixels; scale by a high percentile, not the maximum.
    top = float(np.percentile(heat, 99.5)) if method != "gradcam" else float(heat.max())
    if not np.isfinite(top) or top <= 0.0:
        return np.zeros((h, w), dtype=np.float32)
    return np.clip(heat / top, 0.0, 1.0).astype(np.float32)


@contextlib.contextmanager
def _cancel_hook(model: nn.Module, token: CancelToken) -> Iterator[None]:
    def check(_module: nn.Module, _inputs: object) -> None:
        token.raise_if_cancelled()

    handle = model.register_forward_pre_hook(check)
    try:
        yield
    finally:
        handle.remove()


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r} (use one of {', '.join(METHODS)})")


# -- files and the disk cache ------------------------------------------------------------


def model_key(loaded: LoadedModel) -> str:
    """The model identity used in cache keys: version plus a checksum prefix when known."""
    sha = loaded.card.sha256[:12]
    return f"{loaded.version}-{sha}" if sha else loaded.version


def _recipe(method: str) -> str:
    """Short hash of everything besides the photo and model that shapes a method's map."""
    settings: dict[str, object] = {
        "format": CACHE_FORMAT,
        "preprocess": PREPROCESS.to_dict(),
        "gradcam": [],
        "integrated_gradients": [IG_STEPS],
        "occlusion": [OCCLUSION_GRID],
        "gradient_shap": [SHAP_SAMPLES, SHAP_CHUNK, SHAP_NOISE, SHAP_SEED],
    }
    text = json.dumps([settings["format"], settings["preprocess"], settings[method]], default=str)
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def cache_path(fingerprint: str, model_version: str, method: str) -> Path:
    """Where the heat map for (photo fingerprint, model version, method) is cached."""
    _check_method(method)
    safe_version = re.sub(r"[^A-Za-z0-9._-]", "_", model_version)
    name = f"{fingerprint}-{safe_version}-{method}-{_recipe(method)}.npy"
    return cache_dir() / "attributions" / fingerprint[:2] / name


def load_cached(fingerprint: str, model_version: str, method: str) -> Attribution | None:
    """The cached attribution, or ``None`` when absent or unreadable (it is then recomputed)."""
    path = cache_path(fingerprint, model_version, method)
    if not path.is_file():
        return None
    try:
        record = np.load(path, allow_pickle=False)
        heatmap = np.asarray(record["heatmap"], dtype=np.float32)
        score = float(record["score"])
    except (OSError, ValueError, KeyError, IndexError) as exc:
        log.warning("ignoring unreadable attribution cache %s: %s", path, exc)
        return None
    return Attribution(
        heatmap=heatmap,
        score=score,
        method=method,
        model_version=model_version,
        fingerprint=fingerprint,
        from_cache=True,
    )


def store_cached(attribution: Attribution) -> Path:
    """Write an attribution to the disk cache atomically (one self-describing ``.npy``)."""
    if attribution.fingerprint is None or attribution.model_version is None:
        raise ValueError("only attributions with a fingerprint and model version are cached")
    heat = np.asarray(attribution.heatmap, dtype=np.float32)
    record = np.zeros((), dtype=[("heatmap", "<f4", heat.shape), ("score", "<f4")])
    record["heatmap"] = heat
    record["score"] = attribution.score
    path = cache_path(attribution.fingerprint, attribution.model_version, attribution.method)
    with atomic_open(path, "wb", durable=False) as handle:
        np.save(handle, record, allow_pickle=False)
    return path


def explain_file(
    model_or_loaded: LoadedModel | DropletNet,
    path: str | Path,
    method: str = DEFAULT_METHOD,
    *,
    cancel: CancelToken | None = None,
    use_cache: bool = True,
) -> Attribution:
    """Decode a photo exactly as the scanner does and explain it, using the disk cache.

    Only a :class:`LoadedModel` has a version, so only its maps are cached. Raises
    :class:`~dropletcleaner.core.photos.decode.DecodeError` or ``OSError`` for unreadable files.
    """
    _check_method(method)
    if isinstance(model_or_loaded, LoadedModel):
        model, version = model_or_loaded.model, model_key(model_or_loaded)
    else:
        model, version = model_or_loaded, None
    if use_cache and version is not None:
        cached = load_cached(quick_fingerprint(path), version, method)
        if cached is not None:
            return cached
    decoded = decode_for_scan(path)
    result = explain(model, decoded.pixels, method, cancel=cancel)
    result.model_version = version
    result.fingerprint = decoded.fingerprint
    if use_cache and version is not None:
        store_cached(result)
    return result


# -- drawing -----------------------------------------------------------------------------

# matplotlib's "inferno" (CC0) sampled at 17 points; linear interpolation stays within
# 7/255 of the full map. Perceptually uniform and readable for colour-blind viewers.
_INFERNO = np.array(
    [
        [0, 0, 4], [11, 7, 36], [33, 12, 74], [61, 9, 101], [87, 16, 110], [113, 25, 110],
        [138, 34, 106], [163, 44, 97], [188, 55, 84], [210, 70, 68], [228, 90, 49],
        [241, 115, 29], [249, 142, 9], [252, 172, 17], [249, 203, 53], [242, 234, 105],
        [252, 255, 164],
    ],
    dtype=np.float32,
)  # fmt: skip
# Alpha ramps smoothly from 0 to 1 over this heat range: weak evidence leaves the photo clear.
_ALPHA_RAMP = (0.12, 0.8)


def inferno(values: np.ndarray) -> np.ndarray:
    """Map values in ``[0, 1]`` to uint8 RGB with the inferno colour map."""
    v = np.clip(np.asarray(values, dtype=np.float32), 0.0, 1.0) * (len(_INFERNO) - 1)
    lo = np.minimum(v.astype(np.int32), len(_INFERNO) - 2)
    frac = (v - lo)[..., None]
    rgb = _INFERNO[lo] * (1.0 - frac) + _INFERNO[lo + 1] * frac
    return np.rint(rgb).astype(np.uint8)


def resize_heatmap(heatmap: np.ndarray, width: int, height: int) -> np.ndarray:
    """Smoothly (bicubic) resample a heat map to ``height x width``, clipped to ``[0, 1]``."""
    heat = np.asarray(heatmap, dtype=np.float32)
    if heat.shape != (height, width):
        img = Image.fromarray(heat, mode="F").resize((width, height), Image.Resampling.BICUBIC)
        heat = np.asarray(img, dtype=np.float32)
    return np.clip(heat, 0.0, 1.0)


def heat_layer(heatmap: np.ndarray, width: int, height: int) -> np.ndarray:
    """An RGBA uint8 layer (straight alpha) to draw over a photo of ``width x height``.

    Colour comes from :func:`inferno`, alpha grows with the heat, so cold areas leave the
    photo visible. Drawing it at opacity ``o`` equals :func:`overlay` with opacity ``o``.
    """
    heat = resize_heatmap(heatmap, width, height)
    lo, hi = _ALPHA_RAMP
    t = np.clip((heat - lo) / (hi - lo), 0.0, 1.0)
    alpha = np.rint(255.0 * t * t * (3.0 - 2.0 * t)).astype(np.uint8)
    return np.dstack([inferno(heat), alpha])


def overlay(rgb: np.ndarray, heatmap: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    """Blend a heat map (any size, upsampled smoothly) over a uint8 RGB photo ``[H, W, 3]``."""
    photo = np.asarray(rgb)
    if photo.ndim != 3 or photo.shape[2] != 3:
        raise ValueError(f"expected RGB [H, W, 3], got {photo.shape}")
    layer = heat_layer(heatmap, photo.shape[1], photo.shape[0]).astype(np.float32)
    alpha = layer[..., 3:] / 255.0 * float(np.clip(opacity, 0.0, 1.0))
    out = photo.astype(np.float32) * (1.0 - alpha) + layer[..., :3] * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
