"""Calibrate a droplet-map model on real clean photos, as scans see them.

Temperature scaling is fitted on rendered whole frames (they have both classes). The
default threshold is then chosen on *real* clean photos that training never saw, decoded
exactly as a scan decodes them: the lowest threshold that keeps the false-positive rate at
the target on each group separately (the plain photos, blurred/dark/foggy copies of them,
and copies with water that belongs to the scene), so no kind of photo gets more false alarms
than promised. The false-positive-rate curve on those photos goes into the model card,
which is how the app can say what a threshold means. The photos are scored through the
scan's own scoring (:func:`~dropletcleaner.core.ml.inference.looks.score_photos`), and the
gate of a second look is chosen on them too.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Generator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.calibration import fit_temperature
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.flag_rates import fpr_curve
from dropletcleaner.core.ml.inference.looks import score_photos
from dropletcleaner.core.ml.inference.scorer import Scorer
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.photos.decode import DecodedPhoto, DecodeError, decode_for_scan, load_rgb
from dropletcleaner.core.synthetic.scene_water import render_scene_water
from dropletcleaner.core.training.evaluate import make_hard_negative_set

# The groups of real clean photos the threshold must keep quiet, each on its own.
CLEAN_GROUPS = ("plain", "degraded", "scene_water")
MAX_THRESHOLD = 0.995


def write_scene_water_set(sources: Sequence[Path], dest: Path, seed: int = 0) -> list[Path]:
    """Write a copy of each photo with water that belongs to the scene (a clean photo)."""
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for i, src in enumerate(sources):
        try:
            img = np.asarray(load_rgb(src, max_side=1024))
        except (DecodeError, OSError):
            continue
        out, kind = render_scene_water(img, np.random.default_rng([seed, i]))
        path = dest / f"{Path(src).parent.name}_{Path(src).stem}_{kind}.jpg"
        Image.fromarray(out).save(path, "JPEG", quality=92)
        written.append(path)
    return written


def scan_photos(paths: Sequence[Path], looks: Sequence[int] = ()) -> list[DecodedPhoto]:
    """Each readable photo decoded exactly as a scan decodes it (with the further looks)."""
    photos = []
    for p in paths:
        try:
            photos.append(decode_for_scan(p, looks=looks))
        except (DecodeError, OSError):
            continue
    return photos


def scan_scores(model: DropletNet, photos: Sequence[DecodedPhoto], batch: int = 32) -> np.ndarray:
    """Calibrated scores of decoded photos, through the scan's own scoring (looks and all)."""
    card = ModelCard(version="calibrating", scoring=model.scoring.to_card())
    scorer = Scorer(LoadedModel(model.eval(), card), device="cpu", backend="eager")
    starts = range(0, len(photos), batch)
    parts = [score_photos(scorer, photos[i : i + batch]).scores for i in starts]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def threshold_for(clean_scores: dict[str, np.ndarray], target_fpr: float) -> float:
    """Lowest threshold keeping every group's false-positive rate at ``target_fpr``."""
    threshold = 0.5
    for scores in clean_scores.values():
        ordered = np.sort(scores)
        if len(ordered) == 0:
            continue
        k = min(len(ordered) - 1, math.floor(len(ordered) * (1.0 - target_fpr)))
        threshold = max(threshold, float(ordered[k]) + 1e-4)
    return min(threshold, MAX_THRESHOLD)


def calibrate_on_real(
    model: DropletNet,
    render_logits: torch.Tensor,
    render_labels: torch.Tensor,
    clean_photos: Sequence[Path],
    target_fpr: float,
    cancel: CancelToken | None = None,
    seed: int = 0,
    looks: Sequence[int] = (),
    look_share: float = 0.1,
) -> Generator[Progress, None, dict[str, Any]]:
    """Fit the temperature (on renders) and the threshold (on real clean photos).

    Sets ``model.temperature`` and returns ``{"temperature", "threshold", "metrics"}``; with
    ``looks`` it also sets the model's second-look scoring (see :func:`threshold_on_real`).
    """
    temperature = fit_temperature(render_logits, render_labels)
    model.temperature.fill_(temperature)  # type: ignore[operator]
    fitted = yield from threshold_on_real(
        model, clean_photos, target_fpr, cancel, seed, looks, look_share
    )
    return {"temperature": temperature, **fitted}


def threshold_on_real(
    model: DropletNet,
    clean_photos: Sequence[Path],
    target_fpr: float,
    cancel: CancelToken | None = None,
    seed: int = 0,
    looks: Sequence[int] = (),
    look_share: float = 0.1,
) -> Generator[Progress, None, dict[str, Any]]:
    """Choose the threshold on real clean photos; returns ``{"threshold", "metrics"}``.

    With ``looks``, the second-look gate is set first: the first-look score that
    ``look_share`` of the plain clean photos reach. ``model.scoring`` gets the looks and that
    gate, and the threshold is chosen on the scores that scans will then give.
    """
    cancel = cancel or CancelToken()
    clean_scores: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="dropletcleaner-calibration-") as tmp:
        root = Path(tmp)
        yield Progress("calibrating", message="making blurred, dark and foggy copies")
        degraded = make_hard_negative_set(clean_photos, root / "degraded", seed=seed)
        cancel.raise_if_cancelled()
        yield Progress("calibrating", message="making copies with water in the scene")
        scene = write_scene_water_set(clean_photos, root / "scene", seed=seed)
        groups = {"plain": list(clean_photos), "degraded": degraded, "scene_water": scene}
        decoded: dict[str, list[DecodedPhoto]] = {}
        for name in CLEAN_GROUPS:
            cancel.raise_if_cancelled()
            yield Progress("calibrating", message=f"decoding real clean photos ({name})")
            decoded[name] = scan_photos(groups[name], looks)
            if not decoded[name]:
                raise ValueError(f"none of the calibration photos could be read ({name})")
    model.scoring = replace(model.scoring, looks=(), look_above=1.0)
    if looks:
        yield Progress("calibrating", message="choosing which photos get a second look")
        first = np.sort(scan_scores(model, decoded["plain"]))
        gate = float(first[min(len(first) - 1, math.floor(len(first) * (1.0 - look_share)))])
        model.scoring = replace(model.scoring, looks=tuple(looks), look_above=round(gate, 4))
    for name in CLEAN_GROUPS:
        cancel.raise_if_cancelled()
        yield Progress("calibrating", message=f"scoring real clean photos ({name})")
        clean_scores[name] = scan_scores(model, decoded[name])
    threshold = threshold_for(clean_scores, target_fpr)
    if looks and model.scoring.look_above >= threshold:
        # Photos under the gate are scored on one look; above the threshold that would
        # flag them by other rules than their neighbours just over the gate.
        raise ValueError(
            f"the second-look gate ({model.scoring.look_above:.3f}) is not below the "
            f"threshold ({threshold:.3f}): give more photos the second look (--look-share)"
        )
    metrics = calibration_metrics(clean_scores, threshold, target_fpr)
    return {"threshold": threshold, "metrics": metrics}


def calibration_metrics(
    clean_scores: dict[str, np.ndarray], threshold: float, target_fpr: float
) -> dict[str, Any]:
    """What the card records of a calibration: the FPR curve and each group's rate."""
    everything = np.concatenate(list(clean_scores.values()))
    metrics = {
        "fpr_curve": {
            **fpr_curve(clean_scores["plain"]),
            "set": "real clean photos held out from training, decoded as a scan decodes them",
        },
        "calibration_fpr": {
            name: float((scores >= threshold).mean()) for name, scores in clean_scores.items()
        },
        "calibration_photos": {name: len(scores) for name, scores in clean_scores.items()},
        "target_fpr": target_fpr,
        "calibration_fpr_all": float((everything >= threshold).mean()),
    }
    return metrics
