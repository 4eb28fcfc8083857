"""Colour: modes to 8-bit RGB, embedded ICC profiles (Display P3, CMYK) to sRGB, broken
profiles tolerated."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageCms

from dropletcleaner.core.photos.colour import to_rgb, to_srgb
from tests.format_helpers import display_p3_profile


def test_display_p3_is_converted_to_srgb() -> None:
    img = Image.new("RGB", (4, 4), (180, 80, 40))
    img.info["icc_profile"] = display_p3_profile()
    out = to_srgb(img)
    assert out.mode == "RGB"
    r, g, b = out.getpixel((1, 1))  # type: ignore[misc]
    # P3 is wider than sRGB: the same numbers mean a more saturated orange.
    assert r > 185 and g < 76 and b < 30


def test_srgb_profile_is_left_alone() -> None:
    img = Image.new("RGB", (4, 4), (180, 80, 40))
    img.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert to_srgb(img).getpixel((0, 0)) == (180, 80, 40)


def test_broken_profile_falls_back_to_plain_conversion() -> None:
    img = Image.new("RGB", (4, 4), (180, 80, 40))
    img.info["icc_profile"] = b"garbage profile bytes"
    assert to_srgb(img).getpixel((0, 0)) == (180, 80, 40)


def test_profile_of_the_wrong_space_is_ignored() -> None:
    img = Image.new("L", (4, 4), 90)
    img.info["icc_profile"] = display_p3_profile()  # an RGB profile on grey pixels
    assert to_srgb(img).getpixel((0, 0)) == (90, 90, 90)


def test_sixteen_bit_and_alpha_modes() -> None:
    arr = np.full((4, 4), 65535 // 2, np.uint16)
    assert to_rgb(Image.fromarray(arr)).getpixel((0, 0)) == (127, 127, 127)
    rgba = Image.new("RGBA", (2, 2), (255, 0, 0, 0))
    assert to_rgb(rgba).getpixel((0, 0)) == (128, 128, 128)  # transparent: mid grey
