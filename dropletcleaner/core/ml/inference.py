"""Batched droplet scoring on the fastest available backend.

On CUDA the eager model runs in half precision. On the CPU the backbone is exported
once to ONNX and run with onnxruntime, measured fastest here (see
``benchmarks/scan_throughput.py``); if onnxruntime is unavailable the TorchScript
backend (``torch.jit.trace`` + ``optimize_for_inference``) is used, and the chosen
backend is always reported. The small head runs in torch on the pooled embedding, so a
retrained head never needs a new export. One pass gives both the pooled embedding and the
droplet map (per-cell logits). Input size, mean and std come from the model card.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from dropletcleaner.core.atomic import atomic_write_bytes
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.paths import cache_dir
from dropletcleaner.core.photos.preprocess import PREPROCESS, PreprocessConfig

log = logging.getLogger(__name__)

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


def to_model_tensor(pixels: np.ndarray, cfg: PreprocessConfig = PREPROCESS) -> torch.Tensor:
    return torch.from_numpy(normalize_batch(pixels, cfg))


class _Embedder(Protocol):
    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class _EmbedModule(torch.nn.Module):
    """Pixels to ``(pooled embedding, droplet-map logits)``: what every backend runs."""

    def __init__(self, model: DropletNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.embed_with_map(x)


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
        self._head_model = self.model  # head + temperature stay in torch on the CPU
        self.threads = threads
        card = loaded.card
        self.input_size = int(card.input_size)
        self._mean, self._std = tuple(card.mean), tuple(card.std)
        self.backend_name, self._embed = self._build_backend(backend)

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

    # -- backends ------------------------------------------------------------------------
    def _build_backend(self, backend: str) -> tuple[str, _Embedder]:
        if self.device.type == "cuda":
            return "cuda-fp16", self._cuda_embedder()
        if backend in ("auto", "onnxruntime"):
            try:
                return "onnxruntime", self._onnx_embedder()
            except Exception as exc:
                if backend == "onnxruntime":
                    raise
                log.warning("onnxruntime backend unavailable (%s); using TorchScript", exc)
        if backend in ("auto", "torchscript"):
            return "torchscript", self._torchscript_embedder()
        return "eager", self._eager_embedder()

    def _cuda_embedder(self) -> _Embedder:
        module = _EmbedModule(self.model).to(self.device).half().eval()
        module = module.to(memory_format=torch.channels_last)

        def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            t = torch.from_numpy(x).to(self.device, non_blocking=True).half()
            with torch.inference_mode():
                emb, cells = module(t.contiguous(memory_format=torch.channels_last))
            return emb.float().cpu().numpy(), cells.float().cpu().numpy()

        return run

    def _onnx_path(self) -> Path:
        key = self.loaded.card.sha256[:16] or self.loaded.version
        size = self.input_size
        # "map" in the name: exports from before the droplet map had one output only.
        return cache_dir() / "onnx" / f"embed-map-{key}-{size}px-torch{torch.__version__}.onnx"

    def _onnx_embedder(self) -> _Embedder:
        import onnxruntime as ort

        path = self._onnx_path()
        if not path.is_file():
            buf = io.BytesIO()
            dummy = torch.zeros(2, 3, self.input_size, self.input_size)
            with warnings.catch_warnings():
                # The TorchScript exporter is deprecated but exact for this static graph, and
                # the map's grid size is a constant for the fixed input size.
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                torch.onnx.export(
                    _EmbedModule(self.model).eval(),
                    (dummy,),
                    buf,  # type: ignore[arg-type]
                    input_names=["pixels"],
                    output_names=["embedding", "droplet_map"],
                    dynamic_axes={
                        "pixels": {0: "batch"},
                        "embedding": {0: "batch"},
                        "droplet_map": {0: "batch"},
                    },
                    opset_version=17,
                    dynamo=False,
                )
            atomic_write_bytes(path, buf.getvalue(), durable=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        # Memory-pattern planning pre-allocates per batch shape: ~0.4 GB more peak at 288 px
        # for no measurable speed.
        options.enable_mem_pattern = False
        # Spinning worker threads would steal the cores the decode threads need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            emb, cells = session.run(None, {"pixels": x})
            return np.asarray(emb, dtype=np.float32), np.asarray(cells, dtype=np.float32)

        return run

    def _torchscript_embedder(self) -> _Embedder:
        if self.threads:
            torch.set_num_threads(self.threads)
        dummy = torch.zeros(2, 3, self.input_size, self.input_size)
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)  # fixed grid size
            traced = torch.jit.trace(_EmbedModule(self.model).eval(), dummy)
            frozen = torch.jit.optimize_for_inference(traced)

        def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            with torch.inference_mode():
                emb, cells = frozen(torch.from_numpy(x))
            return emb.numpy(), cells.numpy()

        return run

    def _eager_embedder(self) -> _Embedder:
        module = _EmbedModule(self.model).eval()

        def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            with torch.inference_mode():
                emb, cells = module(torch.from_numpy(x))
            return emb.numpy(), cells.numpy()

        return run

    # -- scoring -------------------------------------------------------------------------
    def embed_and_map(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """uint8 ``[B, H, W, 3]`` -> ``(embeddings [B, 1280], droplet-map logits [B, h, w])``.

        For a model without a map head the map is its class-activation map.
        """
        x = normalize_batch(pixels, mean=self._mean, std=self._std)
        return self._embed(x)

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
