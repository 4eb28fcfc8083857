"""The onnxruntime backend: the fastest on the CPU (``benchmarks/scan_throughput.py``).

The backbone, pooling and map head are exported once per model and input size to ONNX in
the cache folder; the small linear head stays in torch, so a retrained head never needs a
new export.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch

from dropletcleaner.core.atomic import atomic_write_bytes
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.inference.protocol import Embedder, EmbedModule
from dropletcleaner.core.paths import cache_dir


def onnx_path(loaded: LoadedModel, input_size: int) -> Path:
    key = loaded.card.sha256[:16] or loaded.version
    # "map" in the name: exports from before the droplet map had one output only.
    return cache_dir() / "onnx" / f"embed-map-{key}-{input_size}px-torch{torch.__version__}.onnx"


def _export(loaded: LoadedModel, input_size: int, path: Path) -> None:
    buf = io.BytesIO()
    dummy = torch.zeros(2, 3, input_size, input_size)
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated but exact for this static graph, and
        # the map's grid size is a constant for the fixed input size.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            EmbedModule(loaded.model).eval(),
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


def onnx_embedder(loaded: LoadedModel, input_size: int, threads: int | None) -> Embedder:
    import onnxruntime as ort

    path = onnx_path(loaded, input_size)
    if not path.is_file():
        _export(loaded, input_size, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
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
