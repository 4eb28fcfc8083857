"""Any decoded image to 8-bit sRGB: mode conversion and embedded ICC profiles.

The model was trained on sRGB photos, and thumbnails are shown as sRGB, so a Display P3
phone photo, an Adobe RGB export or a CMYK print file is converted through its embedded
profile (LittleCMS, via ``PIL.ImageCms``) before it is scored or shown; otherwise its
colours would be read as if they were sRGB (washed out, or wildly off for CMYK).

A profile that cannot be used (truncated, of a colour space that does not match the
pixels, a Pillow without LittleCMS) falls back to the plain conversion: a photo with a
broken profile is still scored, in slightly wrong colours, rather than not at all.
"""

from __future__ import annotations

import functools
import io
from typing import Any

import numpy as np
from PIL import Image

_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency over mid grey."""
    if img.mode == "RGB":
        return img
    if img.mode in _SIXTEEN_BIT_MODES:
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


def to_srgb(img: Image.Image) -> Image.Image:
    """8-bit sRGB RGB of ``img``, through its embedded ICC profile when it has one."""
    icc = img.info.get("icc_profile")
    if isinstance(icc, bytes) and icc:
        try:
            converted = _through_profile(img, icc)
        except Exception:  # a broken profile must not cost the photo its score (see above)
            converted = None
        if converted is not None:
            return converted
    return to_rgb(img)


@functools.cache
def _srgb_profile() -> Any:
    from PIL import ImageCms

    return ImageCms.createProfile("sRGB")


def _through_profile(img: Image.Image, icc: bytes) -> Image.Image | None:
    """``img`` converted from profile ``icc`` to sRGB, or ``None`` to convert plainly."""
    from PIL import ImageCms

    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    space = str(source.profile.xcolor_space).strip().upper()
    if space == "RGB":
        description = ImageCms.getProfileDescription(source) or ""
        if "srgb" in description.lower():
            return to_rgb(img)  # already sRGB: skip a transform that would change nothing
        pixels = to_rgb(img)
    elif space == "CMYK":
        if img.mode != "CMYK":
            return None
        pixels = img
    elif space == "GRAY":
        pixels = img if img.mode == "L" else to_rgb(img).convert("L")
    else:  # Lab or other device spaces: not worth a special path for photos
        return None
    # A new transform per image: LittleCMS transforms keep a cache that is not safe to
    # share between the scanner's decode threads, and building one costs about a millisecond.
    out = ImageCms.profileToProfile(pixels, source, _srgb_profile(), outputMode="RGB")
    return out if isinstance(out, Image.Image) else None
