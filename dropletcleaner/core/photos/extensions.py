"""File extensions: which photo formats exist, which are RAW, and which the app cannot read."""

from __future__ import annotations

# Formats Pillow itself decodes, always available.
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp"}
)
JPEG_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".jpe"})
# Formats behind a plugin or an optional codec (see core/photos/formats.py for which is present).
HEIF_EXTENSIONS: frozenset[str] = frozenset({".heic", ".heif", ".hif"})
AVIF_EXTENSIONS: frozenset[str] = frozenset({".avif"})
JXL_EXTENSIONS: frozenset[str] = frozenset({".jxl"})
# Camera RAW files, decoded by LibRaw (rawpy). Beside a JPEG of the same name a RAW is that
# JPEG's sidecar, not a photo of its own (core/photos/discovery.py, core/quarantine/sidecars.py).
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
