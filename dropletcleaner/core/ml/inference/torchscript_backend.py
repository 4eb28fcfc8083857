"""The TorchScript backend: ``torch.jit.trace`` + ``optimize_for_inference`` on the CPU.

Used when onnxruntime is unavailable; the trace is exact because the graph is static for a
fixed input size.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from dropletcleaner.core.ml.inference.protocol import Embedder, EmbedModule
from dropletcleaner.core.ml.network import DropletNet


def torchscript_embedder(model: DropletNet, input_size: int, threads: int | None) -> Embedder:
    if threads:
        torch.set_num_threads(threads)
    dummy = torch.zeros(2, 3, input_size, input_size)
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # fixed grid size
        traced = torch.jit.trace(EmbedModule(model).eval(), dummy)
        frozen = torch.jit.optimize_for_inference(traced)

    def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            emb, cells = frozen(torch.from_numpy(x))
        return emb.numpy(), cells.numpy()

    return run
