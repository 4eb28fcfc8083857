"""What determines a base training run, and what its model card records of the data.

Everything is reproducible from the seed, the recorded configuration (:class:`TrainConfig`)
and the data manifest (:func:`manifest`) written into the model card.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TrainConfig:
    """Everything that determines a training run; recorded in the model card."""

    data: list[str] = field(default_factory=list)
    seed: int = 0  # decides the train/val/test split, initialisation and order
    sample_seed: int = 0  # decides which crops, degradations and water are rendered
    init_weights: str | None = None  # continue from this model instead of ImageNet
    variants_per_image: int = 12
    render_size: int = 320
    val_fraction: float = 0.15
    test_fraction: float = 0.10
    # Samples come in twins: the same crop, degradation and colour jitter with and without
    # water, so the only thing that separates the classes is the water itself.
    degraded_fraction: float = 0.55  # of the twins: blurred, dark, foggy, blocky...
    jpeg_fraction: float = 0.5
    split_block: int = 4  # blocks before this stay frozen; later blocks are fine-tuned
    head_epochs: int = 30
    finetune_epochs: int = 10
    batch_size: int = 64
    lr_head: float = 3e-3
    lr_finetune: float = 5e-4
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    patience: int = 3
    fgsm_epsilon: float = 0.0  # in normalised pixel units; 0 disables FGSM
    target_fpr: float = 0.01
    workers: int = 2
    replay_size: int = 1024
    calibration_variants: int = 8  # whole-frame renders per validation photo
    # Train on whole frames at the scoring size instead of crops at the training size:
    # slower, less varied; meant for a fine-tuning round after crop training (--init).
    full_frame: bool = False


def manifest(
    splits: dict[str, list[Path]], dropped: list[Path], cfg: TrainConfig
) -> dict[str, Any]:
    def rel(p: Path) -> str:
        for root in cfg.data:
            try:
                return os.path.join(Path(root).name, str(p.relative_to(root)))
            except ValueError:
                continue
        return p.name

    return {
        "sources": [Path(d).name for d in cfg.data],
        "counts": {k: len(v) for k, v in splits.items()},
        "duplicates_removed": [rel(p) for p in dropped],
        "files": {k: [rel(p) for p in v] for k, v in splits.items()},
        "samples_per_image": cfg.variants_per_image,
    }
