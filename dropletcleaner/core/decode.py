"""Fast, defensive photo decoding: one decode feeds both the model input and the thumbnail.

JPEGs are decoded with libjpeg's scaled decoding (``Image.draft``) straight to about
``decode_size`` (enough for the thumbnail and the model input), several times faster
than a full decode. EXIF orientation is applied; alpha, palette, 16-bit and CMYK images
are converted correctly; decompression bombs are refused before any pixel is decoded.
Every failure becomes a :class:`DecodeError` with a reason a user can read.

Files are hostile input. Only the formats the app scans are tried (:func:`image_formats`),
so a PostScript file renamed ``.jpg`` never starts Ghostscript; files are opened with
:func:`~dropletcleaner.core.safeio.open_photo` (regular files only, bounded reads); and
any exception a decoder raises is that file's :class:`DecodeError`, never the caller's.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from dropletcleaner.core.config import PREPROCESS, PreprocessConfig
from dropletcleaner.core.fingerprint import quick_fingerprint_file
from dropletcleaner.core.safeio import open_photo

# Bombs are refused explicitly below; Pillow's own warning would only add noise.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_DATETIME = 306
_ORIENTATION = 0x0112

try:  # HEIC/HEIF support is optional.
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - depends on the optional extra
    pass


class DecodeError(Exception):
    """A file that could not be decoded; ``str(exc)`` is the user-facing reason."""


# The Pillow formats behind IMAGE_EXTENSIONS (camera MPO files open through "JPEG"), and
# HEIF where pillow-heif registers it. Never EPS, PS or PDF: Pillow hands those to
# Ghostscript, an outside program that a hostile file can keep busy forever.
_SCANNED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "HEIF")


def image_formats() -> tuple[str, ...]:
    """The Pillow formats a photo may be opened as (those of them this Pillow has)."""
    Image.init()
    return tuple(f for f in _SCANNED_FORMATS if f in Image.OPEN)


@dataclass
class DecodedPhoto:
    """Everything the scanner needs from one decode of a photo."""

    pixels: np.ndarray  # model input, uint8 [input_size, input_size, 3]
    thumbnail: Image.Image  # RGB, long side <= thumbnail_size
    width: int  # original size, after EXIF orientation
    height: int
    taken_at: str | None  # EXIF DateTimeOriginal as "YYYY-MM-DD HH:MM:SS"
    fingerprint: str
    size: int


def draft_request(width: int, height: int, cfg: PreprocessConfig = PREPROCESS) -> tuple[int, int]:
    """Smallest size to ask libjpeg for: long side >= decode_size, short side >= input_size."""
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, max(cfg.decode_size / long_side, cfg.input_size / short_side))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency over mid grey."""
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float32)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        arr = np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8)
        return Image.fromarray(arr, "L").convert("RGB")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (128, 128, 128, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def exif_datetime(img: Image.Image) -> str | None:
    """EXIF capture time ("YYYY-MM-DD HH:MM:SS"), or ``None``."""
    try:
        exif = img.getexif()
        value = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    except Exception:  # malformed EXIF must not fail the decode
        return None
    if not isinstance(value, str) or len(value) < 19:
        return None
    date, _, clock = value.strip().partition(" ")
    return f"{date.replace(':', '-')} {clock}"[:19]


def open_image(fp: BinaryIO, *, max_pixels: int) -> Image.Image:
    """Open an image file object as one of :func:`image_formats`; refuse bombs from the header."""
    try:
        img = Image.open(fp, formats=image_formats())
    except Image.DecompressionBombError as exc:
        raise DecodeError(f"refused: decompression bomb ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise DecodeError("not a recognised image format") from exc
    except Exception as exc:  # a malformed header may raise anything (ValueError, struct.error)
        raise DecodeError(_describe(exc)) from exc
    width, height = img.size
    if width * height > max_pixels:
        raise DecodeError(
            f"refused: decompression bomb ({width}x{height} = {width * height / 1e6:.0f} MP)"
        )
    if width <= 0 or height <= 0:
        raise DecodeError("image has no pixels")
    return img


def decode_for_scan(
    path: str | os.PathLike[str], cfg: PreprocessConfig = PREPROCESS
) -> DecodedPhoto:
    """Read and decode one photo for scanning. Raises :class:`DecodeError` or ``OSError``."""
    with open_photo(path) as handle:
        if not handle.size:
            raise DecodeError("empty file (0 bytes)")
        img = open_image(handle, max_pixels=cfg.max_pixels)
        width, height = img.size
        try:
            taken_at = exif_datetime(img)
            if img.getexif().get(_ORIENTATION, 1) in (5, 6, 7, 8):
                width, height = height, width
            if img.format == "JPEG":
                img.draft("RGB", draft_request(*img.size, cfg))
            img = ImageOps.exif_transpose(img) or img
            img = to_rgb(img)
            img.load()
            pixels = model_pixels(img, cfg)
            thumb = img.copy()
            thumb.thumbnail(
                (cfg.thumbnail_size, cfg.thumbnail_size),
                Image.Resampling.BILINEAR,
                reducing_gap=2.0,
            )
        except DecodeError:
            raise
        except MemoryError:
            raise DecodeError("not enough memory to decode this image") from None
        except Exception as exc:  # any decoder failure is this file's error, not the scan's
            raise DecodeError(_describe(exc)) from exc
        fingerprint = quick_fingerprint_file(handle, handle.size)
        return DecodedPhoto(
            pixels=pixels,
            thumbnail=thumb,
            width=width,
            height=height,
            taken_at=taken_at,
            fingerprint=fingerprint,
            size=handle.size,
        )


def load_rgb(
    path: str | os.PathLike[str], max_side: int | None = None, cfg: PreprocessConfig = PREPROCESS
) -> Image.Image:
    """Decode a photo to oriented RGB, optionally drafted/downscaled to ``max_side``.

    Used by previews, attribution, training and evaluation.
    """
    with open_photo(path) as handle:
        if not handle.size:
            raise DecodeError("empty file (0 bytes)")
        img = open_image(handle, max_pixels=cfg.max_pixels)
        try:
            if max_side is not None and img.format == "JPEG":
                img.draft("RGB", (max_side, max_side))
            img = ImageOps.exif_transpose(img) or img
            img = to_rgb(img)
            if max_side is not None and max(img.size) > max_side:
                img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
            img.load()
        except MemoryError:
            raise DecodeError("not enough memory to decode this image") from None
        except Exception as exc:  # any decoder failure is this file's error
            raise DecodeError(_describe(exc)) from exc
    return img


def model_pixels(
    img: Image.Image, cfg: PreprocessConfig = PREPROCESS, size: int | None = None
) -> np.ndarray:
    """The model's view of an RGB image: the whole frame resized to a square.

    ``size`` defaults to ``input_size`` (scoring); training crops pass ``train_input_size``.
    """
    side = size or cfg.input_size
    return np.asarray(to_rgb(img).resize((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0))


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if "truncated" in text.lower():
        return "truncated or incomplete image data"
    if "Decompressed data too large" in text:
        return "refused: a metadata chunk inflates past the size limit (zip bomb)"
    # One line, bounded: a message built from file bytes can be long or multi-line.
    text = " ".join(text.split())[:200]
    if isinstance(exc, (OSError, SyntaxError, ValueError)):
        return f"cannot decode image: {text}"
    return f"cannot decode image: {exc.__class__.__name__}: {text}"
