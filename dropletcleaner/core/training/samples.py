"""Synthetic training samples: clean photos with rendered lens water, and hard negatives.

No large labelled real droplet set exists, so every positive is a clean photo with
physically rendered lens water (:mod:`dropletcleaner.core.synthetic.lens_water`), and half the
negatives are clean photos degraded by defocus, motion blur, soft upscaling, darkness and noise,
fog or JPEG blocking (:mod:`dropletcleaner.core.synthetic.degrade`), so the model cannot learn
"blurry means droplet". Some positives are degraded too, for the same reason. Samples come
in twins that differ only in the water (:func:`plan_samples`) and are rendered in worker
processes (:func:`generate`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.photos.decode import DecodeError, load_rgb, model_pixels
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.config import TrainConfig
from dropletcleaner.core.training.data import photometric, random_crop, whole_frame

# Roles of generated samples.
ROLE_DROPLET = "droplet"
ROLE_DROPLET_DEGRADED = "droplet_degraded"
ROLE_CLEAN = "clean"
ROLE_HARD = "hard_negative"
_J = TypeVar("_J", bound=tuple[Any, ...])  # a rendering job; its first item names the photo
DROPLET_ROLES = frozenset({ROLE_DROPLET, ROLE_DROPLET_DEGRADED})
DEGRADED_ROLES = frozenset({ROLE_HARD, ROLE_DROPLET_DEGRADED})


def make_sample(path: str, seed: int, role: str, cfg: dict[str, Any]) -> np.ndarray:
    """One training sample (model-input pixels) from a clean photo, for ``role``.

    The crop, degradation and colour jitter depend only on ``seed``; the water has its own
    random stream. Twins (same seed, droplet and non-droplet role) therefore differ only in
    the rendered water.
    """
    from dropletcleaner.core.synthetic.degrade import degrade
    from dropletcleaner.core.synthetic.lens_water.render import render_droplets

    rng = np.random.default_rng(seed)
    if cfg.get("full_frame"):
        img = whole_frame(path)
        size = PREPROCESS.input_size
    else:
        img = random_crop(load_rgb(path, max_side=2 * cfg["render_size"]), rng, cfg["render_size"])
        size = PREPROCESS.train_input_size
    arr = np.asarray(img)
    if role in DEGRADED_ROLES:
        arr, _ = degrade(arr, rng)
    if role in DROPLET_ROLES:
        arr = render_droplets(arr, np.random.default_rng([seed, 1])).image
    img = photometric(Image.fromarray(arr), rng, cfg["jpeg_fraction"])
    return model_pixels(img, size=size)


def _sample_job(job: tuple[str, int, str, dict[str, Any]]) -> np.ndarray | None:
    try:
        return make_sample(*job)
    except (DecodeError, OSError):
        return None


def plan_samples(
    paths: Sequence[Path],
    cfg: TrainConfig,
    split_seed: int,
    *,
    variants: int | None = None,
    full_frame: bool = False,
) -> list[tuple[str, int, str, dict[str, Any]]]:
    """Deterministic (path, seed, role, cfg) jobs: ``variants`` per photo, in twins.

    ``variants`` defaults to ``cfg.variants_per_image``. ``full_frame`` samples are whole
    frames at the scoring input size (calibration); otherwise crops at the training size.
    """
    rng = np.random.default_rng([split_seed, cfg.sample_seed])
    jobs: list[tuple[str, int, str, dict[str, Any]]] = []
    params = {**asdict(cfg), "full_frame": full_frame}
    count = cfg.variants_per_image if variants is None else variants
    for i, path in enumerate(paths):
        for v in range(max(1, count // 2)):
            seed = (split_seed + 7919 * cfg.sample_seed) * 1_000_003 + i * 1009 + v
            if rng.random() < cfg.degraded_fraction:
                twins = (ROLE_DROPLET_DEGRADED, ROLE_HARD)
            else:
                twins = (ROLE_DROPLET, ROLE_CLEAN)
            jobs.extend((str(path), seed, role, params) for role in twins)
    return jobs


def parallel(
    func: Callable[[_J], np.ndarray | None],
    jobs: Sequence[_J],
    workers: int,
    cancel: CancelToken,
    phase: str,
) -> Generator[Progress, None, list[np.ndarray | None]]:
    """``func`` over ``jobs`` in worker processes, in order; yields progress, returns outputs."""
    outputs: list[np.ndarray | None] = []
    ctx = multiprocessing.get_context("spawn")  # torch is initialised here: never fork
    with ctx.Pool(max(1, workers)) as pool:
        for k, out in enumerate(pool.imap(func, jobs, chunksize=8)):
            outputs.append(out)
            if k % 64 == 0:
                cancel.raise_if_cancelled()
                yield Progress(phase, done=k, total=len(jobs), current=str(jobs[k][0]))
    return outputs


def generate(
    jobs: Sequence[tuple[str, int, str, dict[str, Any]]],
    workers: int,
    cancel: CancelToken,
    phase: str,
) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray, list[str]]]:
    """Render samples in worker processes; yields progress, returns ``(pixels, labels, roles)``.

    Photos that cannot be read are left out.
    """
    outputs = yield from parallel(_sample_job, jobs, workers, cancel, phase)
    kept = [(job[2], out) for job, out in zip(jobs, outputs, strict=True) if out is not None]
    pixels = np.stack([out for _, out in kept])
    labels = np.asarray([1 if role in DROPLET_ROLES else 0 for role, _ in kept], dtype=np.int64)
    return pixels, labels, [role for role, _ in kept]
