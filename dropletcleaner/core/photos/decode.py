"""Fast, defensive photo decoding: one decode feeds both the model input and the thumbnail.

JPEGs are decoded with libjpeg's scaled decoding (``Image.draft``) straight to about
``decode_size`` (enough for the thumbnail and the model input), several times faster
than a full decode. EXIF orientation is applied; alpha, palette, 16-bit and CMYK images
are converted correctly, and an embedded ICC profile is converted to sRGB
(:mod:`~dropletcleaner.core.photos.colour`); decompression bombs are refused before any pixel is
decoded. Every failure becomes a :class:`DecodeError` with a reason a user can read.

HEIC/HEIF, AVIF and JPEG XL open through Pillow like the rest (:mod:`~dropletcleaner.core.
formats` registers their plugins); camera RAW files go to LibRaw (:mod:`~dropletcleaner.
core.raw`), which hands back the embedded JPEG preview, drafted here like any JPEG.

Files are hostile input. Only the formats the app scans are tried (:func:`image_formats`),
so a PostScript file renamed ``.jpg`` never starts Ghostscript; files are opened with
:func:`~dropletcleaner.core.photos.safeio.open_photo` (regular files only, bounded reads); and
any exception a decoder raises is that file's :class:`DecodeError`, never the caller's.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from dropletcleaner.core.photos.colour import to_rgb, to_srgb
from dropletcleaner.core.photos.extensions import RAW_EXTENSIONS
from dropletcleaner.core.photos.fingerprint import legacy_fingerprint_file, quick_fingerprint_file
from dropletcleaner.core.photos.formats import register_plugins
from dropletcleaner.core.photos.preprocess import PREPROCESS, PreprocessConfig
from dropletcleaner.core.photos.raw import RawError, open_raw
from dropletcleaner.core.photos.safeio import PhotoFile, open_photo

__all__ = [
    "DecodeError",
    "DecodedPhoto",
    "decode_for_scan",
    "draft_request",
    "exif_datetime",
    "image_formats",
    "load_rgb",
    "model_pixels",
    "open_image",
    "to_rgb",
]

# Bombs are refused explicitly below; Pillow's own warning would only add noise.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_DATETIME = 306
_ORIENTATION = 0x0112

register_plugins()  # HEIF and JPEG XL openers, where their packages are installed


class DecodeError(Exception):
    """A file that could not be decoded; ``str(exc)`` is the user-facing reason."""


# The Pillow formats behind the scanned extensions (camera MPO files open through "JPEG"):
# HEIF (pillow-heif), AVIF (Pillow's own libavif plugin) and JXL (pillow-jxl-plugin) where
# present; each decodes in-process through its library. Never EPS, PS or PDF: Pillow hands
# those to Ghostscript, an outside program that a hostile file can keep busy forever.
_SCANNED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "HEIF", "AVIF", "JXL")


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
    legacy_fingerprint: str | None = None  # by the release 1 function, to keep old labels
    # The frame at each further input size the model card asks for (its "looks"), resized
    # from the same decode so a second look costs no second decode.
    looks: dict[int, np.ndarray] = field(default_factory=dict)


def draft_request(width: int, height: int, cfg: PreprocessConfig = PREPROCESS) -> tuple[int, int]:
    """Smallest size to ask libjpeg for: long side >= decode_size, short side >= input_size."""
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, max(cfg.decode_size / long_side, cfg.input_size / short_side))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


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


@dataclass
class _Opened:
    """A photo opened but not yet decoded, with its upright size and capture time."""

    image: Image.Image
    width: int
    height: int
    taken_at: str | None
    transpose: Image.Transpose | None = None  # a RAW's own orientation, applied after


def _open(path: str | os.PathLike[str], handle: PhotoFile, cfg: PreprocessConfig) -> _Opened:
    """Open ``handle`` by what ``path`` is: a RAW through LibRaw, anything else Pillow."""
    if not handle.size:
        raise DecodeError("empty file (0 bytes)")
    if os.path.splitext(os.fspath(path))[1].lower() in RAW_EXTENSIONS:
        return _open_raw(handle, cfg)
    img = open_image(handle, max_pixels=cfg.max_pixels)
    width, height = img.size
    try:
        taken_at = exif_datetime(img)
        if img.getexif().get(_ORIENTATION, 1) in (5, 6, 7, 8) and not _sized_upright(img):
            width, height = height, width
    except Exception as exc:  # a malformed EXIF block in the header is this file's error
        raise DecodeError(_describe(exc)) from exc
    return _Opened(img, width, height, taken_at)


def _sized_upright(img: Image.Image) -> bool:
    """Whether Pillow already reports the upright size (its TIFF plugin does, since 11.x)."""
    if img.format != "TIFF":
        return False
    tags = getattr(img, "tag_v2", {})
    return img.size == (tags.get(257), tags.get(256))  # (ImageLength, ImageWidth): swapped


def _open_raw(handle: PhotoFile, cfg: PreprocessConfig) -> _Opened:
    try:
        raw = open_raw(handle.read_all(), max_pixels=cfg.max_pixels, min_side=cfg.input_size)
    except RawError as exc:
        raise DecodeError(str(exc)) from exc
    except MemoryError:
        raise DecodeError("not enough memory to decode this image") from None
    except Exception as exc:  # LibRaw or the preview's header may raise anything
        raise DecodeError(_describe(exc)) from exc
    # LibRaw wraps its preview in EXIF of its own, whose time is the epoch when it knows none.
    times = (exif_datetime(i) for i in raw.exif_sources)
    taken_at = next((t for t in times if t and not t.startswith("1970-01-01 00:00")), None)
    return _Opened(raw.image, raw.width, raw.height, taken_at, raw.transpose)


def _upright_srgb(opened: _Opened, draft: tuple[int, int] | None) -> Image.Image:
    """Decode (drafted to ``draft`` when a JPEG), orient and convert to sRGB."""
    img = opened.image
    if draft is not None and img.format == "JPEG":
        img.draft("RGB", draft)
    img = ImageOps.exif_transpose(img) or img
    if opened.transpose is not None:
        img = img.transpose(opened.transpose)
    img = to_srgb(img)
    img.load()
    return img


def decode_for_scan(
    path: str | os.PathLike[str], cfg: PreprocessConfig = PREPROCESS, looks: Sequence[int] = ()
) -> DecodedPhoto:
    """Read and decode one photo for scanning. Raises :class:`DecodeError` or ``OSError``.

    ``looks`` are further model-input sizes to resize the frame to (the card's looks).
    """
    with open_photo(path) as handle:
        opened = _open(path, handle, cfg)
        width, height, taken_at = opened.width, opened.height, opened.taken_at
        try:
            img = _upright_srgb(opened, draft_request(*opened.image.size, cfg))
            pixels = model_pixels(img, cfg)
            further = {size: model_pixels(img, cfg, size) for size in looks}
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
        legacy = legacy_fingerprint_file(handle, handle.size)
        return DecodedPhoto(
            pixels=pixels,
            thumbnail=thumb,
            width=width,
            height=height,
            taken_at=taken_at,
            fingerprint=fingerprint,
            legacy_fingerprint=legacy,
            size=handle.size,
            looks=further,
        )


def load_rgb(
    path: str | os.PathLike[str], max_side: int | None = None, cfg: PreprocessConfig = PREPROCESS
) -> Image.Image:
    """Decode a photo to oriented RGB, optionally drafted/downscaled to ``max_side``.

    Used by previews, attribution, training and evaluation.
    """
    with open_photo(path) as handle:
        opened = _open(path, handle, cfg)
        try:
            img = _upright_srgb(opened, None if max_side is None else (max_side, max_side))
            if max_side is not None and max(img.size) > max_side:
                img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
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
