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
:func:`dropletcleaner.core.ml.inference.protocol.to_model_tensor` and
:data:`dropletcleaner.core.photos.preprocess.PREPROCESS`. Results of :func:`explain_file` are
cached on disk per (file fingerprint, model version, method).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from captum.attr import GradientShap, IntegratedGradients, LayerGradCam, Occlusion
from torch import nn
from torchvision.transforms.functional import gaussian_blur

from dropletcleaner.core.jobs import CancelToken
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.network import DropletNet

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
    card: ModelCard | None = None,
) -> Attribution:
    """Explain the droplet logit for one input.

    ``pixels`` is either uint8 RGB ``[H, W, 3]`` (as :func:`decode.model_pixels` returns) or an
    already normalised float tensor ``[3, H, W]`` / ``[1, 3, H, W]`` (as ``to_model_tensor``
    returns). The heat map has the input's ``H x W``. The model is used as given (same device,
    temporary hooks), so do not share it with another thread while this runs. ``cancel`` is
    checked before every forward pass; a set token raises
    :class:`~dropletcleaner.core.jobs.Cancelled`. Pixels are normalised as ``card`` says (its
    mean and std), else as the default preprocessing.
    """
    _check_method(method)
    token = cancel or CancelToken()
    token.raise_if_cancelled()
    started = time.perf_counter()
    x = _as_input(pixels, model, card)
    black = to_model_tensor(np.zeros((1, *x.shape[-2:], 3), dtype=np.uint8), card=card)
    was_training = model.training
    model.eval()
    try:
        with _cancel_hook(model, token), torch.enable_grad():
            with torch.no_grad():
                score = float(model.predict_proba(x)[0])
            raw = _METHOD_FUNCS[method](model, x, black.to(x.device))
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


def _as_input(
    pixels: np.ndarray | torch.Tensor, model: nn.Module, card: ModelCard | None = None
) -> torch.Tensor:
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
        x = to_model_tensor(arr, card=card)
    device = next(model.parameters()).device
    # Input gradients drive every gradient method, even on a model with frozen weights.
    return x.to(device).contiguous().requires_grad_()


def _blurred_baseline(x: torch.Tensor) -> torch.Tensor:
    # Blur is linear with a unit-sum kernel, so blurring the normalised tensor equals
    # normalising the blurred photo.
    sigma = max(x.shape[-2:]) / 16.0
    kernel = 2 * round(2 * sigma) + 1
    return gaussian_blur(x, [kernel, kernel], [sigma, sigma])


def _gradcam(model: DropletNet, x: torch.Tensor, black: torch.Tensor) -> torch.Tensor:
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


def _integrated_gradients(model: DropletNet, x: torch.Tensor, black: torch.Tensor) -> torch.Tensor:
    ig = IntegratedGradients(DropletMargin(model))
    return ig.attribute(
        x,
        baselines=black,
        target=MARGIN_TARGET,
        n_steps=IG_STEPS,
        internal_batch_size=IG_BATCH,
    )


def _occlusion_geometry(h: int, w: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    sh, sw = max(1, h // OCCLUSION_GRID), max(1, w // OCCLUSION_GRID)
    return (3, min(h, 2 * sh), min(w, 2 * sw)), (3, sh, sw)


def _occlusion(model: DropletNet, x: torch.Tensor, black: torch.Tensor) -> torch.Tensor:
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


def _gradient_shap(model: DropletNet, x: torch.Tensor, black: torch.Tensor) -> torch.Tensor:
    baselines = torch.cat([_blurred_baseline(x), black])
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


# Each method gets the model, the input and a black photo normalised as the input was.
_METHOD_FUNCS: dict[str, Callable[[DropletNet, torch.Tensor, torch.Tensor], torch.Tensor]] = {
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
