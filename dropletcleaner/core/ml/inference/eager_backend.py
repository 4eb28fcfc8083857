"""The eager backend: plain torch on the CPU, the fallback when nothing faster is available."""

from __future__ import annotations

import numpy as np
import torch

from dropletcleaner.core.ml.inference.protocol import Embedder, EmbedModule
from dropletcleaner.core.ml.network import DropletNet


def eager_embedder(model: DropletNet) -> Embedder:
    module = EmbedModule(model).eval()

    def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            emb, cells = module(torch.from_numpy(x))
        return emb.numpy(), cells.numpy()

    return run
