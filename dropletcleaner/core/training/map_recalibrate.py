"""Re-choose a trained droplet-map model's scoring and threshold on its own calibration photos.

The weights and the temperature stay as trained. The model's train/calibration/test split
is rebuilt from its card (:func:`~dropletcleaner.core.training.map_pipeline.split_photos`),
so the photos it is calibrated on are the ones it was calibrated on when trained, and its
held-out test photos stay unseen. What may change is how a photo is scored: with ``looks``,
photos that reach the second-look gate are seen again at those sizes
(:mod:`~dropletcleaner.core.ml.inference.looks`). The threshold and the false-positive
curve in the new card are chosen on the scores that scans will then give.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from pathlib import Path

from dropletcleaner.core.atomic import atomic_write_bytes
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import load_model, save_model
from dropletcleaner.core.training.data import collect_images
from dropletcleaner.core.training.map_calibrate import threshold_on_real
from dropletcleaner.core.training.map_pipeline import replay_fpr, split_photos
from dropletcleaner.core.training.replay import load_replay, replay_path


def recalibrate_map(
    weights: Path,
    out_path: Path,
    version: str,
    data: Sequence[str],
    looks: Sequence[int] = (),
    look_share: float = 0.1,
    target_fpr: float | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, ModelCard]:
    """Write ``weights`` again as ``version`` with new scoring, threshold and curve."""
    loaded = load_model(weights)
    model, card = loaded.model, loaded.card
    if not model.has_map:
        raise ValueError(f"{weights.name} has no droplet map: use `calibrate` for it")
    yield Progress("collecting", message="rebuilding the model's split")
    splits = split_photos(collect_images(data), card, data)
    if not splits["calib"]:
        raise ValueError(f"none of the model's calibration photos are in {list(data)}")
    fpr = float(card.metrics.get("target_fpr", 0.01)) if target_fpr is None else target_fpr
    # Seed 0 for the degraded and scene-water copies, as training's calibration uses.
    fitted = yield from threshold_on_real(
        model, splits["calib"], fpr, cancel, 0, looks=looks, look_share=look_share
    )
    card.parent = card.version
    card.version = version
    card.threshold = fitted["threshold"]
    card.scoring = model.scoring.to_card()
    card.metrics = {**card.metrics, **fitted["metrics"]}
    card.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    card.training = {
        **card.training,
        "recalibrated": {"looks": list(looks), "look_share": look_share, "from": card.parent},
    }
    if replay_path(weights).is_file():  # the replay set is training's: it stays the same
        # Fast retraining re-chooses its threshold for this rate on the replay set.
        replay = load_replay(replay_path(weights))
        card.training["target_fpr"] = replay_fpr(model, replay, card.threshold)
    save_model(model, card, out_path)
    if replay_path(weights).is_file():
        atomic_write_bytes(replay_path(out_path), replay_path(weights).read_bytes())
    yield Progress("done", done=1, total=1, extra={"threshold": card.threshold})
    return card
