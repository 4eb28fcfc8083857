"""Calibrating a trained model the way scans see photos: whole frames at the scoring size.

Training sees crops at ``train_input_size``; scanning sees whole frames at ``input_size``.
So the temperature and the default threshold are fitted on whole-frame renders of the
validation photos at ``input_size``, and the replay set kept for fast retraining holds
whole-frame embeddings like the catalog's (:func:`calibrate`). :func:`recalibrate` redoes it
for an existing model without changing its weights.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.calibration import choose_threshold, fit_temperature
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import load_model, save_model
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.metrics import binary_metrics
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.photos.decode import DecodeError, model_pixels
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.config import TrainConfig, manifest
from dropletcleaner.core.training.data import (
    collect_images,
    dedupe_by_phash,
    split_photos,
    whole_frame,
)
from dropletcleaner.core.training.replay import ReplaySet, replay_path, save_replay
from dropletcleaner.core.training.samples import DEGRADED_ROLES, generate, parallel, plan_samples


@dataclass
class Calibration:
    """Temperature, threshold, metrics and replay set fitted on whole-frame renders."""

    temperature: float
    threshold: float
    metrics: dict[str, Any]
    replay: ReplaySet


@torch.no_grad()  # not inference_mode: temperature fitting differentiates through the logits
def embed_pixels(model: DropletNet, pixels: np.ndarray, batch: int = 32) -> torch.Tensor:
    """Pooled embeddings of model-input pixels (any square size), in batches."""
    model.eval()
    out = [
        model.embed(
            to_model_tensor(pixels[i : i + batch]).contiguous(memory_format=torch.channels_last)
        )
        for i in range(0, len(pixels), batch)
    ]
    return torch.cat(out).float()


def calibrate(
    model: DropletNet, splits: dict[str, list[Path]], cfg: TrainConfig, cancel: CancelToken
) -> Generator[Progress, None, Calibration]:
    """Fit temperature and threshold on whole-frame validation renders, as scans see photos.

    The threshold is the lowest that keeps the validation false-positive rate at
    ``cfg.target_fpr`` both on plain clean frames and on degraded ones (blurred, dark,
    foggy...), so neither kind of photo gets more false alarms than promised. The replay set
    is whole-frame embeddings of training photos, comparable with those in the catalog.
    """
    jobs = plan_samples(
        splits["val"], cfg, cfg.seed + 2, variants=cfg.calibration_variants, full_frame=True
    )
    px, y, roles = yield from generate(jobs, cfg.workers, cancel, "rendering calibration frames")
    yield Progress("calibrating", message="scoring whole frames at the scan input size")
    cancel.raise_if_cancelled()
    with torch.no_grad():
        logits = model.head(embed_pixels(model, px))
    labels = torch.from_numpy(y)
    temperature = fit_temperature(logits, labels)
    model.temperature.fill_(temperature)  # type: ignore[operator]
    scores = torch.softmax(logits / temperature, 1)[:, 1].numpy()
    role = np.asarray(roles)
    degraded = np.isin(role, sorted(DEGRADED_ROLES))
    threshold = max(
        choose_threshold(scores[~degraded], y[~degraded], cfg.target_fpr),
        choose_threshold(scores[degraded], y[degraded], cfg.target_fpr),
    )
    metrics: dict[str, Any] = {
        "validation": binary_metrics(y, scores, threshold).as_dict(),
        "validation_plain": binary_metrics(y[~degraded], scores[~degraded], threshold).as_dict(),
        "validation_vs_hard_negatives": binary_metrics(
            y[degraded], scores[degraded], threshold
        ).as_dict(),
        "validation_set": (
            "whole-frame synthetic droplets on the validation photos, scored at "
            f"{PREPROCESS.input_size} px; negatives the same frames clean or degraded"
        ),
    }

    metrics["validation_recall_by_kind"] = yield from recall_by_kind(
        model, splits["val"], threshold, cfg, cancel
    )

    # Replay: one twin per training photo (at most replay_size / 2 photos), whole frames.
    rng = np.random.default_rng(cfg.seed)
    train = list(splits["train"])
    chosen = [train[i] for i in sorted(rng.permutation(len(train))[: cfg.replay_size // 2])]
    jobs = plan_samples(chosen, cfg, cfg.seed + 3, variants=2, full_frame=True)
    px, y, _ = yield from generate(jobs, cfg.workers, cancel, "rendering replay frames")
    cancel.raise_if_cancelled()
    replay = ReplaySet(embed_pixels(model, px).to(torch.float16).numpy(), y)
    return Calibration(temperature, threshold, metrics, replay)


def _kind_job(job: tuple[str, int, str]) -> np.ndarray | None:
    """One whole frame with water of one kind (no degradation or jitter), at scoring size."""
    from dropletcleaner.core.synthetic.lens_water.render import render_droplets

    path, seed, kind = job
    try:
        img = whole_frame(path)
    except (DecodeError, OSError):
        return None
    wet = render_droplets(np.asarray(img), np.random.default_rng(seed), kind).image
    return model_pixels(Image.fromarray(wet))


def recall_by_kind(
    model: DropletNet,
    paths: Sequence[Path],
    threshold: float,
    cfg: TrainConfig,
    cancel: CancelToken,
) -> Generator[Progress, None, dict[str, float]]:
    """Share of whole frames flagged at ``threshold``, for each kind of rendered water.

    Tells which kinds of lens water a model finds (phone-lens blobs, drops on glass, specks
    on a windscreen...), which a single validation figure hides.
    """
    from dropletcleaner.core.synthetic.lens_water.kinds import KINDS

    jobs = [
        (str(p), (cfg.seed + 5) * 1_000_003 + i * len(KINDS) + k, kind)
        for i, p in enumerate(paths)
        for k, kind in enumerate(KINDS)
    ]
    outputs = yield from parallel(_kind_job, jobs, cfg.workers, cancel, "recall by kind")
    kept = [(job[2], out) for job, out in zip(jobs, outputs, strict=True) if out is not None]
    if not kept:
        return {}
    pixels = [out for _, out in kept]
    kinds = [kind for kind, _ in kept]
    with torch.no_grad():
        logits = model.head(embed_pixels(model, np.stack(pixels))) / model.temperature
    flagged = torch.softmax(logits, 1)[:, 1].numpy() >= threshold
    names = np.asarray(kinds)
    return {k: round(float(flagged[names == k].mean()), 4) for k in KINDS if (names == k).any()}


def recalibrate(
    weights: Path,
    out_path: Path,
    version: str,
    data: Sequence[str] | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    target_fpr: float | None = None,
) -> Generator[Progress, None, ModelCard]:
    """Re-fit an existing model's temperature, threshold and replay set (see :func:`calibrate`).

    ``target_fpr`` overrides the validation false-positive rate the threshold aims for.

    The weights are unchanged. The train/validation split is rebuilt from the configuration
    recorded in the model's card, so the validation photos are the ones it never trained on.
    """
    cancel = cancel or CancelToken()
    loaded = load_model(weights)
    if loaded.model.scoring.looks:
        # Renders are scored on one look here; its threshold would not fit a second look.
        raise ValueError(f"{weights.name} takes a second look: use `calibrate-map` for it")
    recorded = dict(loaded.card.training.get("config", {}))
    known = {k: v for k, v in recorded.items() if k in TrainConfig.__dataclass_fields__}
    cfg = TrainConfig(**known)
    if data:
        cfg.data = [str(d) for d in data]
    if workers:
        cfg.workers = workers
    if target_fpr is not None:
        cfg.target_fpr = target_fpr
    yield Progress("collecting", message="rebuilding the training split")
    paths, dropped = dedupe_by_phash(collect_images(cfg.data))
    if not paths:
        raise ValueError(f"no photos found in {cfg.data}")
    splits = split_photos(paths, cfg.seed, cfg.val_fraction, cfg.test_fraction)
    model = loaded.model
    calibration = yield from calibrate(model, splits, cfg, cancel)
    card = loaded.card
    card.version = version
    card.input_size = PREPROCESS.input_size
    card.temperature, card.threshold = calibration.temperature, calibration.threshold
    card.metrics = {**card.metrics, **calibration.metrics}
    card.metrics.pop("validation_crops_at_0.5", None)
    card.training = {
        **card.training,
        "calibrated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    card.training["config"] = asdict(cfg)
    card.data_manifest = manifest(splits, dropped, cfg)
    save_model(model, card, out_path)
    save_replay(calibration.replay, replay_path(out_path))
    yield Progress(
        "done",
        done=1,
        total=1,
        extra={"threshold": card.threshold, "temperature": card.temperature},
    )
    return card
