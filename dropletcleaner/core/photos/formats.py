"""Which photo formats this installation reads, and why a file of another format is skipped.

Pillow reads JPEG, PNG, WebP, TIFF and BMP itself, and AVIF when it was built with libavif
(the PyPI wheels are). HEIC/HEIF comes from pillow-heif and JPEG XL from
pillow-jxl-plugin, both registered here as Pillow openers; camera RAW files are read with
rawpy (LibRaw). All four are dependencies, but a codec may still be missing (an old
wheel, a distribution package built without it): its extensions are then reported as
skipped with the reason instead of silently found or silently dropped.

Registering a plugin only adds a Pillow format; the decoder still opens only the formats
it names (``decode.image_formats``), so nothing here widens what a hostile file can reach.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

from dropletcleaner.core.photos.extensions import (
    AVIF_EXTENSIONS,
    HEIF_EXTENSIONS,
    IMAGE_EXTENSIONS,
    JXL_EXTENSIONS,
    RAW_EXTENSIONS,
    UNSUPPORTED_IMAGE_EXTENSIONS,
)


@functools.cache
def heif_available() -> bool:
    """Register pillow-heif's HEIF opener; ``False`` when it is not installed."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


@functools.cache
def jxl_available() -> bool:
    """Register pillow-jxl-plugin's JPEG XL opener (on import); ``False`` when absent."""
    try:
        import pillow_jxl  # noqa: F401  (importing it registers the "JXL" format)
    except ImportError:
        return False
    return True


@functools.cache
def avif_available() -> bool:
    """Whether this Pillow decodes AVIF natively (Pillow 11.2+ built with libavif)."""
    from PIL import Image, features

    Image.init()
    try:
        return "AVIF" in Image.OPEN and bool(features.check("avif"))
    except ValueError:  # an older Pillow does not know the feature name
        return False


@functools.cache
def raw_available() -> bool:
    try:
        import rawpy  # noqa: F401
    except ImportError:
        return False
    return True


def register_plugins() -> None:
    """Make every installed optional codec known to Pillow (idempotent)."""
    heif_available()
    jxl_available()


# Extensions of each optional codec, the check for it and the package that brings it.
_OPTIONAL: tuple[tuple[frozenset[str], str, str], ...] = (
    (HEIF_EXTENSIONS, "heif", "pillow-heif"),
    (AVIF_EXTENSIONS, "avif", "Pillow with AVIF support"),
    (JXL_EXTENSIONS, "jxl", "pillow-jxl-plugin"),
    (RAW_EXTENSIONS, "raw", "rawpy"),
)
_CHECKS = {
    "heif": heif_available,
    "avif": avif_available,
    "jxl": jxl_available,
    "raw": raw_available,
}


def supported_extensions() -> frozenset[str]:
    """Every extension this installation scans."""
    exts = set(IMAGE_EXTENSIONS)
    for group, key, _package in _OPTIONAL:
        if _CHECKS[key]():
            exts |= group
    return frozenset(exts)


def unsupported_reason(name: str) -> str | None:
    """Why a file with an image-like extension is skipped, or ``None`` if it is not skipped.

    ``None`` also for names that are not image-like at all (``notes.txt``): those are not
    photos and are never mentioned.
    """
    ext = os.path.splitext(name)[1].lower()
    kind = UNSUPPORTED_IMAGE_EXTENSIONS.get(ext)
    if kind is not None:
        return f"not supported: {ext} files ({kind}) are not read"
    for group, key, package in _OPTIONAL:
        if ext in group and not _CHECKS[key]():
            return f"not supported: {ext} needs {package}, which is not installed"
    return None


def skipped_extensions() -> frozenset[str]:
    """Image-like extensions that get a "not supported" row instead of being decoded."""
    exts = set(UNSUPPORTED_IMAGE_EXTENSIONS)
    for group, key, _package in _OPTIONAL:
        if not _CHECKS[key]():
            exts |= group
    return frozenset(exts)


def skipped_summary(paths: Iterable[str]) -> str | None:
    """``"3 skipped: .psd not supported"`` for the unsupported files among ``paths``."""
    counts: dict[str, int] = {}
    for path in paths:
        if unsupported_reason(path) is not None:
            ext = os.path.splitext(path)[1].lower()
            counts[ext] = counts.get(ext, 0) + 1
    if not counts:
        return None
    total = sum(counts.values())
    exts = ", ".join(sorted(counts, key=lambda e: (-counts[e], e)))
    return f"{total:,} skipped: {exts} not supported"
