"""What every scorer offers, what every backend runs, and how pixels become model inputs.

Input size, mean and std come from the model card: :func:`normalize_batch` takes them
explicitly, and :func:`to_model_tensor` reads them from a card when it is given one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import torch

from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.photos.preprocess import PREPROCESS, PreprocessConfig

if TYPE_CHECKING:
    from dropletcleaner.core.ml.card import ModelCard

BACKENDS = ("auto", "onnxruntime", "torchscript", "eager")


class DeviceError(ValueError):
    """The requested device cannot be used on this machine."""


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; asking for missing CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested but no CUDA GPU is available")
    if name not in ("cpu", "cuda"):
        raise DeviceError(f"unknown device {name!r} (use auto, cpu or cuda)")
    return torch.device(name)


def normalize_batch(
    pixels: np.ndarray,
    cfg: PreprocessConfig = PREPROCESS,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
) -> np.ndarray:
    """uint8 ``[B, H, W, 3]`` -> normalised float32 ``[B, 3, H, W]`` (``mean``/``std`` 0-1)."""
    x = pixels.astype(np.float32).transpose(0, 3, 1, 2)
    m = np.asarray(cfg.mean if mean is None else mean, dtype=np.float32).reshape(1, 3, 1, 1)
    s = np.asarray(cfg.std if std is None else std, dtype=np.float32).reshape(1, 3, 1, 1)
    return np.ascontiguousarray((x - m * 255.0) / (s * 255.0))


def to_model_tensor(
    pixels: np.ndarray, cfg: PreprocessConfig = PREPROCESS, card: ModelCard | None = None
) -> torch.Tensor:
    """Model-input tensor for uint8 pixels, normalised as ``card`` says (else as ``cfg``)."""
    if card is None:
        return torch.from_numpy(normalize_batch(pixels, cfg))
    return torch.from_numpy(normalize_batch(pixels, cfg, mean=card.mean, std=card.std))


class Embedder(Protocol):
    """A backend: normalised ``[B, 3, H, W]`` -> ``(embeddings [B, C], map logits [B, h, w])``."""

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class EmbedModule(torch.nn.Module):
    """Pixels to ``(pooled embedding, droplet-map logits)``: what every backend runs."""

    def __init__(self, model: DropletNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.embed_with_map(x)


class DropletScorer(Protocol):
    """Scores batches of model-input pixels: what scans, evaluation and the app rely on."""

    input_size: int
    backend_name: str

    @property
    def version(self) -> str: ...

    @property
    def threshold(self) -> float: ...

    @property
    def trained(self) -> bool: ...

    @property
    def has_map(self) -> bool: ...

    @property
    def looks(self) -> tuple[int, ...]: ...

    @property
    def look_above(self) -> float: ...

    def embed_and_map(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def embed(self, pixels: np.ndarray) -> np.ndarray: ...

    def scores_from_embeddings(self, embeddings: np.ndarray) -> np.ndarray: ...

    def score(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
