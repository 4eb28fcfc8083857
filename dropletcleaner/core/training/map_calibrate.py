"""Calibrate a droplet-map model on real clean photos, as scans see them.

Temperature scaling is fitted on rendered whole frames (they have both classes). The
default threshold is then chosen on *real* clean photos that training never saw, decoded
exactly as a scan decodes them: the lowest threshold that keeps the false-positive rate at
the target on each group separately (the plain photos, blurred/dark/foggy copies of them,
and copies with water that belongs to the scene), so no kind of photo gets more false alarms
than promised. The false-positive-rate curve on those photos goes into the model card,
which is how the app can say what a threshold means.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.calibration import fit_temperature
from dropletcleaner.core.ml.flag_rates import fpr_curve
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.photos.decode import DecodeError, decode_for_scan, load_rgb
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


def scan_pixels(paths: Sequence[Path]) -> np.ndarray:
    """Model input of each readable photo, decoded exactly as a scan decodes it."""
    pixels = []
    for p in paths:
        try:
            pixels.append(decode_for_scan(p).pixels)
        except (DecodeError, OSError):
            continue
    return np.stack(pixels)


@torch.no_grad()
def photo_logits(model: DropletNet, pixels: np.ndarray, batch: int = 32) -> torch.Tensor:
    """Uncalibrated photo logits ``[N, 2]`` of model-input pixels."""
    model.eval()
    out = [
        model.forward_head(model.forward_features(to_model_tensor(pixels[i : i + batch])))
        for i in range(0, len(pixels), batch)
    ]
    return torch.cat(out)


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
) -> Generator[Progress, None, dict[str, Any]]:
    """Fit the temperature (on renders) and the threshold (on real clean photos).

    Sets ``model.temperature`` and returns ``{"temperature", "threshold", "metrics"}``.
    """
    cancel = cancel or CancelToken()
    temperature = fit_temperature(render_logits, render_labels)
    model.temperature.fill_(temperature)  # type: ignore[operator]
    clean_scores: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="dropletcleaner-calibration-") as tmp:
        root = Path(tmp)
        groups = {
            "plain": list(clean_photos),
            "degraded": make_hard_negative_set(clean_photos, root / "degraded", seed=seed),
            "scene_water": write_scene_water_set(clean_photos, root / "scene", seed=seed),
        }
        for name in CLEAN_GROUPS:
            cancel.raise_if_cancelled()
            yield Progress("calibrating", message=f"scoring real clean photos ({name})")
            logits = photo_logits(model, scan_pixels(groups[name]))
            clean_scores[name] = torch.softmax(logits / temperature, 1)[:, 1].numpy()
    threshold = threshold_for(clean_scores, target_fpr)
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
    return {"temperature": temperature, "threshold": threshold, "metrics": metrics}
