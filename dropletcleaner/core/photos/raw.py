"""Camera RAW files through LibRaw (rawpy): the embedded preview first, a demosaic if not.

Almost every RAW file carries a full-size or large JPEG preview rendered by the camera;
decoding that JPEG (drafted, like any JPEG) is about a hundred times faster than a
demosaic and shows what the photographer saw. A file whose preview is missing, is not a
JPEG or bitmap, or is too small for the model (old cameras embed 160 px thumbnails) is
demosaiced at half size instead, which LibRaw does without interpolation.

The file's bytes are handed to LibRaw from memory: they were read through
:func:`~dropletcleaner.core.photos.safeio.open_photo` (bounded, regular files only), so LibRaw
never opens the path itself. LibRaw starts no outside program.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

# LibRaw's ``flip`` (the camera's orientation) as the transpose that displays it upright.
_FLIP_TRANSPOSE = {
    3: Image.Transpose.ROTATE_180,
    5: Image.Transpose.ROTATE_90,  # 90 degrees counter-clockwise
    6: Image.Transpose.ROTATE_270,  # 90 degrees clockwise
}
_EXIF_ORIENTATION = 0x0112


class RawError(ValueError):
    """A RAW file that could not be decoded; ``str(exc)`` is the user-facing reason."""


@dataclass
class RawPhoto:
    """A RAW file's picture, not yet oriented, and what is needed to orient it.

    ``image`` is the embedded preview (an unloaded JPEG, so the caller can draft it) or
    the half-size demosaic (already upright). ``transpose`` is the rotation the caller
    applies after decoding, when the preview itself carries no EXIF orientation.
    """

    image: Image.Image
    transpose: Image.Transpose | None
    width: int  # the sensor image's size, upright
    height: int
    from_preview: bool
    exif_sources: tuple[Image.Image, ...]  # where to look for the capture time, in order


def open_raw(data: bytes, *, max_pixels: int, min_side: int) -> RawPhoto:
    """Open RAW ``data``; the preview is used when its short side is ``>= min_side``."""
    import rawpy

    try:
        raw = rawpy.imread(io.BytesIO(data))
    except rawpy.LibRawFileUnsupportedError:
        raise RawError("not a RAW file that LibRaw can read") from None
    except (rawpy.LibRawError, rawpy.NotSupportedError) as exc:
        raise RawError(f"cannot decode RAW file: {_one_line(exc)}") from exc
    with raw:
        sizes = raw.sizes
        if sizes.raw_width * sizes.raw_height > max_pixels:
            mp = sizes.raw_width * sizes.raw_height / 1e6
            raise RawError(f"refused: decompression bomb ({mp:.0f} MP RAW)")
        width, height = int(sizes.width), int(sizes.height)
        if width <= 0 or height <= 0:
            raise RawError("RAW file has no pixels")
        flip = int(sizes.flip)
        if flip in (5, 6):
            width, height = height, width
        header = _tiff_header(data)
        headers = () if header is None else (header,)
        preview = _preview(raw, max_pixels=max_pixels, min_side=min_side)
        if preview is not None:
            # A preview with its own EXIF orientation is turned by it (the caller's
            # exif_transpose); one without (most) is turned by the RAW's, never by both.
            has_own = preview.getexif().get(_EXIF_ORIENTATION, 1) != 1
            transpose = None if has_own else _FLIP_TRANSPOSE.get(flip)
            return RawPhoto(preview, transpose, width, height, True, (preview, *headers))
        try:
            # LibRaw applies the camera's flip itself; 8 bits, sRGB, camera white balance.
            rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        except MemoryError:
            raise
        except (rawpy.LibRawError, rawpy.NotSupportedError) as exc:
            raise RawError(f"cannot decode RAW file: {_one_line(exc)}") from exc
    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    return RawPhoto(image, None, width, height, False, headers)


def _preview(raw: object, *, max_pixels: int, min_side: int) -> Image.Image | None:
    """The embedded preview as an unloaded JPEG or a bitmap, or ``None`` if unusable."""
    import rawpy

    try:
        thumb = raw.extract_thumb()  # type: ignore[attr-defined]
    except (rawpy.LibRawError, rawpy.NotSupportedError):
        return None  # no preview, or one of a kind LibRaw cannot hand out
    image: Image.Image
    if thumb.format == rawpy.ThumbFormat.JPEG:
        try:
            # Only JPEG: a preview claiming to be anything else is not trusted.
            image = Image.open(io.BytesIO(bytes(thumb.data)), formats=("JPEG",))
        except Exception:
            return None
    elif thumb.format == rawpy.ThumbFormat.BITMAP:
        arr = np.asarray(thumb.data)
        if arr.ndim != 3 or arr.shape[2] != 3:
            return None
        image = Image.fromarray(np.ascontiguousarray(arr, dtype=np.uint8), "RGB")
    else:
        return None
    w, h = image.size
    if w * h > max_pixels or min(w, h) < min_side:
        return None
    return image


def _tiff_header(data: bytes) -> Image.Image | None:
    """Most RAW formats are TIFF files: their first IFD holds the EXIF capture time.

    Pillow parses only the header here (it is never asked for pixels).
    """
    if data[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    try:
        return Image.open(io.BytesIO(data), formats=("TIFF",))
    except Exception:  # the capture time is a nicety; never a reason to fail
        return None


def _one_line(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return " ".join(text.split())[:200]
