"""What every trainer of the network shares: cached stem features, frozen batch norm, schedule.

Transfer learning here freezes the early blocks, whose features are computed once and
cached (:func:`cache_stem_features`, then :func:`tail_embeddings`); it keeps ImageNet's
batch-norm statistics while fine-tuning (:func:`set_bn_eval`), weighs the two classes
evenly (:func:`class_weights`) and follows a warm-up then cosine learning-rate schedule
(:func:`cosine_lr`). Base training, deep retraining, fast retraining's stacked heads and
the droplet-map trainer all use these.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.network import DropletNet


@torch.inference_mode()
def cache_stem_features(
    model: DropletNet, pixels: np.ndarray, split: int, batch: int = 64
) -> torch.Tensor:
    model.eval()
    out = []
    for i in range(0, len(pixels), batch):
        x = to_model_tensor(pixels[i : i + batch])
        out.append(model.stem_features(x, split).to(torch.float16))
    return torch.cat(out)


@torch.inference_mode()
def tail_embeddings(
    model: DropletNet, feats: torch.Tensor, split: int, batch: int = 128
) -> torch.Tensor:
    model.eval()
    return torch.cat(
        [
            model.tail_embedding(feats[i : i + batch].float(), split)
            for i in range(0, len(feats), batch)
        ]
    )


def class_weights(labels: np.ndarray) -> torch.Tensor:
    counts = np.bincount(labels, minlength=2).astype(np.float64)
    weights = len(labels) / (2.0 * np.maximum(counts, 1.0))
    return torch.tensor(weights, dtype=torch.float32)


def cosine_scale(step: int, total: int, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then a cosine decay to 0 at ``total``."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def cosine_lr(opt: torch.optim.Optimizer, base: float, step: int, total: int, warmup: int) -> None:
    lr = base * cosine_scale(step, total, warmup)
    for group in opt.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)


def set_bn_eval(module: nn.Module) -> None:
    # Keep ImageNet batch-norm statistics: synthetic batches would skew them.
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
