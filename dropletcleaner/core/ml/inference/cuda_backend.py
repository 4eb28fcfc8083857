"""The CUDA backend: the eager model in half precision, channels-last, on the GPU."""

from __future__ import annotations

import numpy as np
import torch

from dropletcleaner.core.ml.inference.protocol import Embedder, EmbedModule
from dropletcleaner.core.ml.network import DropletNet


def cuda_embedder(model: DropletNet, device: torch.device) -> Embedder:
    module = EmbedModule(model).to(device).half().eval()
    module = module.to(memory_format=torch.channels_last)

    def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = torch.from_numpy(x).to(device, non_blocking=True).half()
        with torch.inference_mode():
            emb, cells = module(t.contiguous(memory_format=torch.channels_last))
        return emb.float().cpu().numpy(), cells.float().cpu().numpy()

    return run
