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

# Formats Pillow itself decodes, always available.
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp"}
)
JPEG_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".jpe"})
# Formats behind a plugin or an optional codec (see core/formats.py for which is present).
HEIF_EXTENSIONS: frozenset[str] = frozenset({".heic", ".heif", ".hif"})
AVIF_EXTENSIONS: frozenset[str] = frozenset({".avif"})
JXL_EXTENSIONS: frozenset[str] = frozenset({".jxl"})
# Camera RAW files, decoded by LibRaw (rawpy). Beside a JPEG of the same name a RAW is that
# JPEG's sidecar, not a photo of its own (core/discovery.py, core/quarantine.py).
RAW_EXTENSIONS: frozenset[str] = frozenset(
    {".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf"}
    | {".rw2", ".rwl", ".pef", ".srw", ".3fr", ".iiq", ".erf", ".mef", ".mos", ".kdc"}
)
# Photos of their own (never a sidecar), whatever decodes them.
PHOTO_EXTENSIONS: frozenset[str] = (
    IMAGE_EXTENSIONS | HEIF_EXTENSIONS | AVIF_EXTENSIONS | JXL_EXTENSIONS
)
# Image-like files the app does not read: each gets a report row saying so, so a folder
# of them never reads as "photos found: 0" without a word. The value says what it is.
UNSUPPORTED_IMAGE_EXTENSIONS: dict[str, str] = {
    ".psd": "Photoshop document",
    ".psb": "Photoshop document",
    ".xcf": "GIMP document",
    ".kra": "Krita document",
    ".afphoto": "Affinity Photo document",
    ".svg": "vector drawing",
    ".svgz": "vector drawing",
    ".eps": "PostScript",
    ".ai": "Illustrator document",
    ".gif": "GIF",
    ".ico": "icon",
    ".exr": "OpenEXR",
    ".hdr": "Radiance HDR",
    ".jp2": "JPEG 2000",
    ".j2k": "JPEG 2000",
    ".jpx": "JPEG 2000",
    ".tga": "Targa",
    ".pcx": "PCX",
    ".ppm": "Netpbm",
    ".pgm": "Netpbm",
    ".pbm": "Netpbm",
    ".pnm": "Netpbm",
    ".x3f": "Sigma X3F RAW",
}


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
