"""Single source of truth for preprocessing and for where the app keeps its data.

Every place that turns pixels into a model input (scanning, training, attribution,
evaluation, retraining) reads :data:`PREPROCESS`; nothing else hard-codes sizes or
normalisation.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

APP_DIR_NAME = "DropletCleaner"
APP_AUTHOR = "DropletCleaner"


@dataclass(frozen=True)
class PreprocessConfig:
    """How a photo becomes a model input tensor."""

    # Whole frames are scored at 288 px although training renders 224 px crops: a crop of
    # 45-100 % of the frame magnifies its content, so a full frame needs more pixels to show
    # drops at the size training saw them. 288 scored best of 224/256/288/320 on full-frame
    # renders of the validation photos.
    input_size: int = 288
    train_input_size: int = 224
    # One decode serves the 256 px thumbnail and the 288 px model input.
    decode_size: int = 448
    thumbnail_size: int = 256
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    # Pillow's decompression-bomb guard, in pixels (about 180 megapixels).
    max_pixels: int = 180_000_000

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


PREPROCESS = PreprocessConfig()

IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp"}
)
HEIF_EXTENSIONS: frozenset[str] = frozenset({".heic", ".heif"})


def data_dir() -> Path:
    """Per-user data folder (catalog, retrained models). ``DROPLETCLEANER_DATA`` overrides it."""
    override = os.environ.get("DROPLETCLEANER_DATA")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, APP_AUTHOR))


def cache_dir() -> Path:
    """Per-user cache folder (thumbnails, heat maps). ``DROPLETCLEANER_CACHE`` overrides it."""
    override = os.environ.get("DROPLETCLEANER_CACHE")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir(APP_DIR_NAME, APP_AUTHOR))


def default_catalog_path() -> Path:
    return data_dir() / "catalog.sqlite3"


def models_dir() -> Path:
    return data_dir() / "models"


def thumbnails_dir() -> Path:
    return cache_dir() / "thumbnails"
