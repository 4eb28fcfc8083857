"""Train the base droplet model from clean photos, by transfer learning in two phases.

The samples are synthetic (:mod:`.samples`): clean photos with rendered lens water, and
hard negatives. Training runs on the CPU-friendly split of the network: the frozen early
blocks run once per sample and their features are cached (:mod:`.optim`); phase 1 trains
the head on pooled embeddings, phase 2 fine-tunes the later blocks and the head. Both use
class-weighted cross-entropy with label smoothing, AdamW with a cosine learning-rate
schedule, early stopping, and a checkpoint written only when validation improves.
Optional FGSM adversarial training perturbs the pixels. The finished model is calibrated
as scans see photos (:mod:`.calibrate`).

Everything is reproducible from the seed, the recorded configuration and the data
manifest written into the model card (:mod:`.config`). :func:`train_base` is a generator
of progress.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import load_model, save_model
from dropletcleaner.core.ml.metrics import binary_metrics
from dropletcleaner.core.ml.network import DropletNet, build_imagenet_model
from dropletcleaner.core.training.calibrate import calibrate
from dropletcleaner.core.training.config import TrainConfig, manifest
from dropletcleaner.core.training.data import collect_images, dedupe_by_phash, split_photos
from dropletcleaner.core.training.optim import (
    cache_stem_features,
    class_weights,
    tail_embeddings,
)
from dropletcleaner.core.training.phases import Features, Loop, finetune, train_head
from dropletcleaner.core.training.replay import replay_path, save_replay
from dropletcleaner.core.training.samples import generate, plan_samples


@dataclass
class TrainResult:
    """What a finished run produced."""

    weights: Path | None = None
    card: ModelCard | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    duplicates_removed: list[str] = field(default_factory=list)


def train_base(
    cfg: TrainConfig, out_path: Path, cancel: CancelToken | None = None, version: str = "droplet-v3"
) -> Generator[Progress, None, TrainResult]:
    """Train the base model and write it to ``out_path`` (safetensors + card + replay set).

    A generator of :class:`Progress`; the final record's ``extra`` holds the metrics. The
    :class:`TrainResult` is the generator's return value (``yield from`` gives it).
    """
    cancel = cancel or CancelToken()
    start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    result = TrainResult()

    yield Progress("collecting", message="finding and de-duplicating clean photos")
    all_paths = collect_images(cfg.data)
    if not all_paths:
        raise ValueError(f"no photos found in {cfg.data}")
    paths, dropped = dedupe_by_phash(all_paths)
    result.duplicates_removed = [str(p) for p in dropped]
    splits = split_photos(paths, cfg.seed, cfg.val_fraction, cfg.test_fraction)
    train_px, train_y, val_px, val_y = yield from _render(cfg, splits, cancel)

    model = _initial_model(cfg)
    yield Progress("caching features", total=len(train_px) + len(val_px))
    feats = _cache(model, cfg, train_px, train_y, val_px, val_y)
    del train_px  # pixels are only needed for FGSM (then the features keep them)
    loss_fn = nn.CrossEntropyLoss(
        weight=class_weights(train_y), label_smoothing=cfg.label_smoothing
    )
    loop = Loop(loss_fn, nn.CrossEntropyLoss(), torch.Generator().manual_seed(cfg.seed), [])
    result.history = loop.history
    yield from train_head(model, feats, loop, cfg, cancel)
    yield from finetune(model, feats, loop, cfg, cancel, _checkpoint_path(out_path), version)

    # Ranking on the validation crops, for the record; calibration uses whole frames.
    with torch.no_grad():
        crop_logits = model.head(tail_embeddings(model, feats.val, cfg.split_block))
    crop_scores = torch.softmax(crop_logits, 1)[:, 1].numpy()
    crop_metrics = binary_metrics(feats.val_labels, crop_scores, 0.5).as_dict()
    del feats  # free the cached features before rendering whole frames
    return (
        yield from _finish(
            model, splits, dropped, cfg, cancel, out_path, version, start, result, crop_metrics
        )
    )


def _render(
    cfg: TrainConfig, splits: dict[str, list[Path]], cancel: CancelToken
) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Training and validation samples: ``(train pixels, labels, val pixels, labels)``."""
    train_px, train_y, _ = yield from generate(
        plan_samples(splits["train"], cfg, cfg.seed, full_frame=cfg.full_frame),
        cfg.workers,
        cancel,
        "rendering training samples",
    )
    val_px, val_y, _ = yield from generate(
        plan_samples(splits["val"], cfg, cfg.seed + 1, full_frame=cfg.full_frame),
        cfg.workers,
        cancel,
        "rendering validation samples",
    )
    return train_px, train_y, val_px, val_y


def _initial_model(cfg: TrainConfig) -> DropletNet:
    model = build_imagenet_model(cfg.seed)
    if cfg.init_weights:
        # Warm start: the frozen blocks are still ImageNet's, so cached features match.
        model.load_state_dict(load_model(Path(cfg.init_weights)).model.state_dict())
        model.temperature.fill_(1.0)  # type: ignore[operator]
    return model


def _cache(
    model: DropletNet,
    cfg: TrainConfig,
    train_px: np.ndarray,
    train_y: np.ndarray,
    val_px: np.ndarray,
    val_y: np.ndarray,
) -> Features:
    split = cfg.split_block
    return Features(
        train=cache_stem_features(model, train_px, split),
        val=cache_stem_features(model, val_px, split),
        y_train=torch.from_numpy(train_y),
        y_val=torch.from_numpy(val_y),
        val_labels=val_y,
        fgsm_pixels=train_px if cfg.fgsm_epsilon > 0 else None,
    )


def _checkpoint_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.stem + ".checkpoint.safetensors")


def _finish(
    model: DropletNet,
    splits: dict[str, list[Path]],
    dropped: list[Path],
    cfg: TrainConfig,
    cancel: CancelToken,
    out_path: Path,
    version: str,
    start: float,
    result: TrainResult,
    crop_metrics: dict[str, Any],
) -> Generator[Progress, None, TrainResult]:
    """Calibrate, then write the model, its card and its replay set; drop the checkpoint."""
    calibration = yield from calibrate(model, splits, cfg, cancel)
    metrics = {**calibration.metrics, "validation_crops_at_0.5": crop_metrics}
    temperature, threshold = calibration.temperature, calibration.threshold
    card = ModelCard(
        version=version,
        threshold=threshold,
        temperature=temperature,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        training={"config": asdict(cfg), "history": result.history, "torch": torch.__version__},
        metrics=metrics,
        data_manifest=manifest(splits, dropped, cfg),
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, card, out_path)
    save_replay(calibration.replay, replay_path(out_path))
    checkpoint = _checkpoint_path(out_path)
    checkpoint.unlink(missing_ok=True)
    checkpoint.with_suffix(".json").unlink(missing_ok=True)
    result.weights, result.card = out_path, card
    result.seconds = time.perf_counter() - start
    card.training["seconds"] = round(result.seconds, 1)
    atomic_write_text(out_path.with_suffix(".json"), card.to_json())
    yield Progress(
        "done",
        done=1,
        total=1,
        extra={
            "threshold": threshold,
            "temperature": temperature,
            "seconds": result.seconds,
            "val_auroc": calibration.metrics["validation"]["auroc"],
        },
    )
    return result


__all__ = ["TrainResult", "train_base"]
