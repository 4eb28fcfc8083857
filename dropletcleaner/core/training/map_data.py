"""Training data for the droplet-map model: whole frames, coverage grids and real negatives.

Every sample is a whole frame rendered the way a scan sees a photo (long side
``decode_size``, then the square model input), so training, calibration and scanning see
the same scale. A sample carries the water coverage of each cell of the model's output grid
(the renderer's mask, area-averaged), which supervises the droplet map densely.

Real clean photos are split by a hash of their *content*, so a copy under another name
lands in the same part: ``train`` is trained on, ``calib`` chooses the threshold, and
``test`` is never seen by training or calibration, so the false-positive rate measured
there is honest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from dropletcleaner.core.photos.decode import DecodeError, model_pixels
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.data import photometric, whole_frame

# Roles of map samples; only ROLE_WET is labelled droplet.
ROLE_WET = "wet"
ROLE_WET_DEGRADED = "wet_degraded"
ROLE_CLEAN = "clean"
ROLE_DEGRADED = "degraded"
ROLE_SCENE_WATER = "scene_water"
WET_ROLES = frozenset({ROLE_WET, ROLE_WET_DEGRADED})
SPLITS = ("train", "calib", "test")


@dataclass(frozen=True)
class SplitFractions:
    calib: float = 0.15
    test: float = 0.25


def content_split(path: Path, fractions: SplitFractions = SplitFractions()) -> str:
    """``train``, ``calib`` or ``test`` from a hash of the file's bytes (stable across names)."""
    digest = hashlib.sha256(path.read_bytes()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < fractions.test:
        return "test"
    if u < fractions.test + fractions.calib:
        return "calib"
    return "train"


def split_by_content(
    paths: Sequence[Path], fractions: SplitFractions = SplitFractions()
) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {name: [] for name in SPLITS}
    for p in paths:
        out[content_split(p, fractions)].append(p)
    return out


def coverage_grid(mask: np.ndarray, grid: int) -> np.ndarray:
    """Share of each of ``grid x grid`` cells covered by water (the frame squeezed square)."""
    im = Image.fromarray(np.ascontiguousarray(mask, dtype=np.float32), mode="F")
    # BOX resampling is an exact area average, which is what "coverage of a cell" means.
    return np.asarray(im.resize((grid, grid), Image.Resampling.BOX), dtype=np.float32)


def make_map_sample(
    path: str, seed: int, role: str, grid: int, size: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(pixels [size, size, 3] uint8, coverage [grid, grid] float32)`` for one role.

    Twins (same seed, wet and dry role) share the frame, flip, degradation and colour
    jitter, so the only thing separating them is the water.
    """
    from dropletcleaner.core.synthetic.degrade import degrade
    from dropletcleaner.core.synthetic.lens_water.render import render_droplets
    from dropletcleaner.core.synthetic.scene_water import render_scene_water

    rng = np.random.default_rng(seed)
    img = whole_frame(path)
    if rng.random() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    arr = np.asarray(img)
    if role in (ROLE_DEGRADED, ROLE_WET_DEGRADED):
        arr, _ = degrade(arr, rng)
    mask = np.zeros(arr.shape[:2], np.float32)
    if role in WET_ROLES:
        wet = render_droplets(arr, np.random.default_rng([seed, 1]))
        arr, mask = wet.image, wet.mask
    elif role == ROLE_SCENE_WATER:
        arr, _ = render_scene_water(arr, np.random.default_rng([seed, 2]))
    out = photometric(Image.fromarray(arr), rng, 0.5)
    pixels = model_pixels(out, size=size or PREPROCESS.input_size)
    return pixels, coverage_grid(mask, grid)


MapJob = tuple[str, int, str, int]


def map_sample_job(job: MapJob) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`make_map_sample` for a worker process; unreadable photos give ``None``."""
    try:
        return make_map_sample(*job)
    except (DecodeError, OSError):
        return None


def plan_map_jobs(
    paths: Sequence[Path],
    seed: int,
    grid: int,
    *,
    pairs: int = 1,
    degraded_fraction: float = 0.5,
    scene_fraction: float = 0.3,
) -> list[MapJob]:
    """Deterministic jobs: ``pairs`` wet/dry twins per photo, plus some scene-water negatives."""
    rng = np.random.default_rng(seed)
    jobs: list[MapJob] = []
    for i, path in enumerate(paths):
        for v in range(pairs):
            s = seed * 1_000_003 + i * 101 + v
            degraded = rng.random() < degraded_fraction
            dry = ROLE_DEGRADED if degraded else ROLE_CLEAN
            wet = ROLE_WET_DEGRADED if degraded else ROLE_WET
            jobs.extend([(str(path), s, wet, grid), (str(path), s, dry, grid)])
        if rng.random() < scene_fraction:
            jobs.append((str(path), seed * 1_000_003 + i * 101 + 99, ROLE_SCENE_WATER, grid))
    return jobs


def labels_of(jobs: Sequence[MapJob]) -> np.ndarray:
    return np.asarray([1 if job[2] in WET_ROLES else 0 for job in jobs], dtype=np.int64)


def describe(jobs: Sequence[MapJob]) -> dict[str, Any]:
    roles = [job[2] for job in jobs]
    return {role: roles.count(role) for role in sorted(set(roles))}
