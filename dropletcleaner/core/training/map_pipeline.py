"""End-to-end training of a droplet-map model: split, render, train, calibrate, write.

The steps, each in its own module:

1. **Split** the clean photos. Photos in folders the starting model trained on keep that
   model's split (so its test photos stay unseen); all others are split by a hash of their
   content (:func:`~dropletcleaner.core.training.map_data.content_split`).
2. **Render** wet/dry twins and scene-water negatives of every training photo, whole frames
   as scans see them, and cache their frozen early features
   (:func:`~dropletcleaner.core.training.map_train.cache_features`). Photos of the starting model's
   own folders (small, sharp research sets) get a second pair.
3. **Train** the map (:func:`~dropletcleaner.core.training.map_train.fit_map_model`).
4. **Calibrate** on the held-out *real* calibration photos
   (:func:`~dropletcleaner.core.training.map_calibrate.calibrate_on_real`).
5. **Write** the weights, the card (scoring settings, false-positive curve, recipe) and the
   replay set for fast retraining.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.card import ModelCard, Scoring
from dropletcleaner.core.ml.checkpoint import load_model, save_model
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.training.data import collect_images, split_of
from dropletcleaner.core.training.map_calibrate import calibrate_on_real
from dropletcleaner.core.training.map_data import content_split, describe, plan_map_jobs
from dropletcleaner.core.training.map_train import (
    CachedSamples,
    MapTrainConfig,
    cache_features,
    fit_map_model,
    predict,
    tail_forward,
    to_map_model,
    training_record,
)
from dropletcleaner.core.training.replay import ReplaySet, replay_path, save_replay

_INIT_SPLIT_NAMES = {"train": "train", "val": "calib", "test": "test"}


@dataclass
class MapRunConfig:
    """What a full map-training run uses; recorded in the card."""

    data: list[str] = field(default_factory=list)
    init_weights: str = ""
    target_fpr: float = 0.01
    train_seed: int = 7
    calib_seed: int = 11
    scene_fraction: float = 0.35
    replay_size: int = 1024
    workers: int = 2
    degraded_fraction: float = 0.5  # share of wet/dry twins that are blurred, dark, foggy…


def inherited_split(init_card: ModelCard) -> dict[str, Any]:
    """The name-seeded split rule the starting model used for its own folders.

    A base-trained model records it in its config; a map model records the rule it kept in
    ``training["split"]``, so every later round keeps the same photos unseen.
    """
    recorded = init_card.training.get("split")
    if recorded:
        return dict(recorded)
    config = init_card.training.get("config", {})
    return {
        "folders": sorted(Path(d).name for d in config.get("data", [])),
        "seed": int(config.get("seed", 0)),
        "val_fraction": float(config.get("val_fraction", 0.15)),
        "test_fraction": float(config.get("test_fraction", 0.1)),
    }


def split_photos(
    paths: Sequence[Path], init_card: ModelCard, roots: Sequence[str] = ()
) -> dict[str, list[Path]]:
    """``train``/``calib``/``test`` photos; the starting model's folders keep its split.

    Raises ``ValueError`` when a photo the starting model's card lists as held out would be
    trained or calibrated on: its test photos must stay unseen by every descendant.
    ``roots`` are the data folders, which the manifest's names are relative to.
    """
    rule = inherited_split(init_card)
    own = set(rule["folders"])
    out: dict[str, list[Path]] = {"train": [], "calib": [], "test": []}
    for p in paths:
        if own & {parent.name for parent in p.parents}:
            part = split_of(p, rule["seed"], rule["val_fraction"], rule["test_fraction"])
            out[_INIT_SPLIT_NAMES[part]].append(p)
        else:
            out[content_split(p)].append(p)
    held_out = set(init_card.data_manifest.get("test", []))
    seen = [*out["train"], *out["calib"]]
    leaked = [p for p in seen if _relative(p, roots) in held_out]
    if leaked:
        raise ValueError(
            f"{len(leaked)} photos the starting model holds out would be trained or "
            f"calibrated on (e.g. {leaked[0].name}); its card's split rule is missing"
        )
    return out


def replay_from(model: Any, samples: CachedSamples, size: int, seed: int, split: int) -> ReplaySet:
    """Pooled embeddings of ``size`` training samples (half wet), for fast retraining."""
    rng = np.random.default_rng(seed)
    y = samples.labels.numpy()
    picks = [rng.permutation(np.flatnonzero(y == c))[: size // 2] for c in (0, 1)]
    idx = torch.from_numpy(np.sort(np.concatenate(picks)))
    model.eval()
    with torch.no_grad():
        emb = torch.cat(
            [
                tail_forward(model, samples.features[idx[i : i + 128]].float(), split)[2]
                for i in range(0, len(idx), 128)
            ]
        )
    return ReplaySet(emb.to(torch.float16).numpy(), y[idx.numpy()])


def train_map_run(
    run: MapRunConfig,
    cfg: MapTrainConfig,
    out_path: Path,
    version: str,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, ModelCard]:
    """The whole run (see the module docstring); returns the written card."""
    cancel = cancel or CancelToken()
    start = time.perf_counter()
    init = load_model(Path(run.init_weights))
    yield Progress("collecting", message="finding and splitting clean photos")
    # Folder by folder, in the order given: that order decides each photo's render seeds.
    splits = split_photos([p for d in run.data for p in collect_images([d])], init.card, run.data)
    if not splits["train"] or not splits["calib"]:
        raise ValueError(f"too few photos in {run.data} to train and calibrate")
    own = set(inherited_split(init.card)["folders"])
    degraded = run.degraded_fraction
    train_jobs = plan_map_jobs(
        splits["train"],
        run.train_seed,
        9,
        degraded_fraction=degraded,
        scene_fraction=run.scene_fraction,
    )
    extra = [p for p in splits["train"] if own & {q.name for q in p.parents}]
    train_jobs += plan_map_jobs(
        extra, run.train_seed + 100, 9, degraded_fraction=degraded, scene_fraction=0.2
    )
    calib_jobs = plan_map_jobs(splits["calib"], run.calib_seed, 9, scene_fraction=0.5)
    calib = yield from cache_features(init.model, calib_jobs, cfg.split_block, cancel, run.workers)
    train = yield from cache_features(init.model, train_jobs, cfg.split_block, cancel, run.workers)
    model = to_map_model(init.model, Scoring("map", cfg.top_fraction, cfg.mix))
    model = yield from fit_map_model(model, train, calib, cfg, cancel)
    card = yield from finish_map_run(
        model, init.card, splits, train, calib, run, cfg, out_path, version, cancel
    )
    card.training["seconds"] = round(time.perf_counter() - start, 1)
    atomic_write_text(out_path.with_suffix(".json"), card.to_json())
    return card


def finish_map_run(
    model: DropletNet,
    parent: ModelCard,
    splits: dict[str, list[Path]],
    train: CachedSamples,
    calib: CachedSamples,
    run: MapRunConfig,
    cfg: MapTrainConfig,
    out_path: Path,
    version: str,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, ModelCard]:
    """Calibrate a trained map model on real photos and write it with its card and replay."""
    render_logits, _ = predict(model, calib.features, cfg.split_block)
    fitted = yield from calibrate_on_real(
        model, render_logits, calib.labels, splits["calib"], run.target_fpr, cancel
    )
    replay = replay_from(model, train, run.replay_size, cfg.seed, cfg.split_block)
    record = training_record(cfg, train)
    record.update(
        {
            # Folder and file names only: a card carries no paths of the machine it was made on.
            "run": {
                **run.__dict__,
                "data": [Path(d).name for d in run.data],
                "init_weights": Path(run.init_weights).name,
            },
            "split_counts": {k: len(v) for k, v in splits.items()},
            "split": inherited_split(parent),
            "calibration_samples": describe(calib.jobs),
            "target_fpr": replay_fpr(model, replay, fitted["threshold"]),
            "torch": torch.__version__,
        }
    )
    card = ModelCard(
        version=version,
        threshold=fitted["threshold"],
        temperature=fitted["temperature"],
        scoring=model.scoring.to_card(),
        parent=parent.version,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        training=record,
        metrics=fitted["metrics"],
        data_manifest={
            "sources": [Path(d).name for d in run.data],
            "counts": {k: len(v) for k, v in splits.items()},
            "test": sorted(_relative(p, run.data) for p in splits["test"]),
        },
    )
    save_model(model, card, out_path)
    save_replay(replay, replay_path(out_path))
    yield Progress("done", done=1, total=1, extra={"threshold": card.threshold})
    return card


def _relative(path: Path, roots: Sequence[str]) -> str:
    """``folder/sub/name.jpg`` relative to the data folder holding it (no machine paths)."""
    for root in roots:
        try:
            return str(Path(Path(root).name) / path.relative_to(root))
        except ValueError:
            continue
    return path.name


def replay_fpr(model: Any, replay: ReplaySet, threshold: float) -> float:
    """False-positive rate on the replay set's clean examples at ``threshold``.

    Fast retraining re-chooses the threshold on replay examples for this rate, so a retrained
    model's threshold keeps the meaning this one's has on real photos.
    """
    emb = torch.from_numpy(replay.embeddings.astype(np.float32))
    with torch.no_grad():
        scores = model.proba_from_embedding(emb).numpy()
    clean = replay.labels == 0
    return float((scores[clean] >= threshold).mean()) if clean.any() else 0.0
