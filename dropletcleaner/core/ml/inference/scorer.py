"""The real scorer: a loaded model on the fastest backend for the device.

On CUDA the eager model runs in half precision. On the CPU the backbone is exported
once to ONNX and run with onnxruntime, measured fastest here (see
``benchmarks/scan_throughput.py``); if onnxruntime is unavailable the TorchScript
backend (``torch.jit.trace`` + ``optimize_for_inference``) is used, and the chosen
backend is always reported. The small head runs in torch on the pooled embedding, so a
retrained head never needs a new export. One pass gives both the pooled embedding and the
droplet map (per-cell logits). Input size, mean and std come from the model card, and so
do the further sizes of a second look (:mod:`~dropletcleaner.core.ml.inference.looks`): a
backend is built for each of them when the scorer is made, so a scan never stops to export.
"""

from __future__ import annotations

import copy
import logging
import threading

import numpy as np
import torch

from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.inference.cuda_backend import cuda_embedder
from dropletcleaner.core.ml.inference.eager_backend import eager_embedder
from dropletcleaner.core.ml.inference.onnxruntime_backend import onnx_embedder
from dropletcleaner.core.ml.inference.protocol import (
    BACKENDS,
    Embedder,
    normalize_batch,
    resolve_device,
)
from dropletcleaner.core.ml.inference.torchscript_backend import torchscript_embedder

log = logging.getLogger(__name__)


class Scorer:
    """Turns batches of model-input pixels into embeddings and calibrated droplet scores."""

    def __init__(
        self,
        loaded: LoadedModel,
        device: str = "auto",
        backend: str = "auto",
        threads: int | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}")
        self.loaded = loaded
        self.device = resolve_device(device)
        self.model = loaded.model.eval()
        # The head and temperature stay in float32 torch on the CPU. The CUDA backend moves
        # the model it runs to the GPU in half precision, so it gets a copy of its own.
        self._head_model = self.model
        if self.device.type == "cuda":
            self.model = copy.deepcopy(self.model)
        self.threads = threads
        card = loaded.card
        self.input_size = int(card.input_size)
        self._mean, self._std = tuple(card.mean), tuple(card.std)
        self.backend_name, first = self._build_backend(backend, self.input_size)
        self._embedders: dict[int, Embedder] = {self.input_size: first}
        # Every size the card asks for is built now, on the loading thread: never mid-scan.
        self._requested = backend
        self._lock = threading.Lock()
        for size in self.looks:
            self._embedder(size)

    @property
    def version(self) -> str:
        return self.loaded.version

    @property
    def threshold(self) -> float:
        return self.loaded.threshold

    @property
    def trained(self) -> bool:
        return self.loaded.trained

    @property
    def has_map(self) -> bool:
        """Whether the model predicts a droplet map (rather than only a photo score)."""
        return self.model.has_map

    @property
    def looks(self) -> tuple[int, ...]:
        """Further input sizes of a second look (from the card; empty for one look)."""
        return self.model.scoring.looks

    @property
    def look_above(self) -> float:
        """First-look score from which a photo gets its further looks."""
        return self.model.scoring.look_above

    # -- backends ------------------------------------------------------------------------
    def _build_backend(self, backend: str, size: int) -> tuple[str, Embedder]:
        if self.device.type == "cuda":
            return "cuda-fp16", cuda_embedder(self.model, self.device)
        if backend in ("auto", "onnxruntime"):
            try:
                return "onnxruntime", onnx_embedder(self.loaded, size, self.threads)
            except Exception as exc:
                if backend == "onnxruntime":
                    raise
                log.warning("onnxruntime backend unavailable (%s); using TorchScript", exc)
        if backend in ("auto", "torchscript"):
            return "torchscript", torchscript_embedder(self.model, size, self.threads)
        return "eager", eager_embedder(self.model)

    def _embedder(self, size: int) -> Embedder:
        """The backend for ``size`` px inputs, built once (scans on two threads may ask)."""
        embedder = self._embedders.get(size)
        if embedder is not None:
            return embedder
        with self._lock:
            if size not in self._embedders:
                # As asked: "auto" keeps its TorchScript fallback for every size.
                self._embedders[size] = self._build_backend(self._requested, size)[1]
            return self._embedders[size]

    # -- scoring -------------------------------------------------------------------------
    def embed_and_map(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """uint8 ``[B, H, W, 3]`` -> ``(embeddings [B, 1280], droplet-map logits [B, h, w])``.

        Any square size works (a further look's); for a model without a map head the map is
        its class-activation map.
        """
        x = normalize_batch(pixels, mean=self._mean, std=self._std)
        return self._embedder(int(x.shape[-1]))(x)

    def embed(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 ``[B, H, W, 3]`` -> float32 embeddings ``[B, 1280]``."""
        return self.embed_and_map(pixels)[0]

    def scores_from_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated P(droplet) for float embeddings ``[B, 1280]``."""
        with torch.inference_mode():
            emb = torch.from_numpy(np.asarray(embeddings, dtype=np.float32))
            return self._head_model.proba_from_embedding(emb).numpy()

    def score(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(embeddings, scores)`` for a batch of model-input pixels."""
        emb = self.embed(pixels)
        return emb, self.scores_from_embeddings(emb)
