"""Photos for training: finding them, dropping near-duplicates, the split, and augmentation.

Shared by base training, the droplet-map pipeline, evaluation and deep retraining. The
train/val/test split is a hash of each file's name and the seed, so every tool agrees on
which photos a model never trained on; :func:`random_crop` and :func:`photometric` are the
augmentation every trainer applies, and :func:`whole_frame` is a photo as a scan sees it.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance

from dropletcleaner.core.photos.decode import DecodeError, load_rgb
from dropletcleaner.core.photos.discovery import FoundFile, walk_images
from dropletcleaner.core.photos.preprocess import PREPROCESS


def collect_images(folders: Sequence[str | Path]) -> list[Path]:
    paths: list[Path] = []
    for folder in folders:
        paths.extend(Path(f.path) for f in walk_images(folder) if isinstance(f, FoundFile))
    return sorted(paths)


def dedupe_by_phash(paths: Sequence[Path], max_distance: int = 4) -> tuple[list[Path], list[Path]]:
    """Drop near-duplicate images (perceptual hash within ``max_distance`` bits)."""
    import imagehash

    kept: list[Path] = []
    hashes: list[Any] = []
    dropped: list[Path] = []
    for path in paths:
        try:
            h = imagehash.phash(load_rgb(path, max_side=256))
        except (DecodeError, OSError):
            dropped.append(path)
            continue
        if any(h - other <= max_distance for other in hashes):
            dropped.append(path)
            continue
        kept.append(path)
        hashes.append(h)
    return kept, dropped


def split_of(path: Path, seed: int, val_fraction: float, test_fraction: float) -> str:
    """Deterministic train/val/test assignment by a hash of the file name and seed."""
    digest = hashlib.sha256(f"{seed}:{path.parent.name}/{path.name}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < test_fraction:
        return "test"
    if u < test_fraction + val_fraction:
        return "val"
    return "train"


def split_photos(
    paths: Sequence[Path], seed: int, val_fraction: float, test_fraction: float
) -> dict[str, list[Path]]:
    """``{"train", "val", "test"} -> photos`` by :func:`split_of`, in the order given."""
    splits: dict[str, list[Path]] = {"train": [], "val": [], "test": []}
    for p in paths:
        splits[split_of(p, seed, val_fraction, test_fraction)].append(p)
    return splits


def random_crop(img: Image.Image, rng: np.random.Generator, size: int) -> Image.Image:
    """Random area/aspect crop (as in the reports' augmentation), long side ``size``."""
    w, h = img.size
    for _ in range(10):
        area = w * h * rng.uniform(0.45, 1.0)
        aspect = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        cw, ch = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
        if cw <= w and ch <= h:
            x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            img = img.crop((x0, y0, x0 + cw, y0 + ch))
            break
    scale = size / max(img.size)
    new = (max(8, round(img.size[0] * scale)), max(8, round(img.size[1] * scale)))
    img = img.resize(new, Image.Resampling.BICUBIC)
    if rng.random() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img


def photometric(img: Image.Image, rng: np.random.Generator, jpeg_fraction: float) -> Image.Image:
    """Colour, exposure and noise jitter, then an optional JPEG round trip."""
    img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.75, 1.25))
    img = ImageEnhance.Contrast(img).enhance(rng.uniform(0.75, 1.25))
    img = ImageEnhance.Color(img).enhance(rng.uniform(0.7, 1.3))
    if rng.random() < 0.3:
        noisy = np.asarray(img, dtype=np.float64) + rng.normal(
            0, rng.uniform(1, 6), (img.height, img.width, 3)
        )
        img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    if rng.random() < jpeg_fraction:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(60, 96)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return img


def whole_frame(path: str | Path) -> Image.Image:
    """A photo as a scan sees it: the whole frame, long side ``decode_size``."""
    side = PREPROCESS.decode_size
    img = load_rgb(path, max_side=2 * side)
    scale = side / max(img.size)
    return img.resize(
        (max(8, round(img.width * scale)), max(8, round(img.height * scale))),
        Image.Resampling.BICUBIC,
    )
