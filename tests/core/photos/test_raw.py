"""RAW files: the embedded preview first, a half-size demosaic when there is none or it is
too small, the camera's orientation applied once, hostile bytes refused with a reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dropletcleaner.core.photos.decode import DecodeError, decode_for_scan, load_rgb
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.photos.raw import RawError, open_raw
from tests.format_helpers import write_dng


def _px(value: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in value)  # plain ints: uint8 arithmetic would wrap


def _halves(size: tuple[int, int] = (600, 400)) -> Image.Image:
    """Left half red, right half blue: after a clockwise turn, red is on top."""
    w, h = size
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, : w // 2] = (220, 20, 20)
    arr[:, w // 2 :] = (20, 20, 220)
    return Image.fromarray(arr)


def test_preview_is_used_when_large_enough(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "a.dng", size=(640, 480), preview=_halves((640, 480)))
    raw = open_raw(path.read_bytes(), max_pixels=PREPROCESS.max_pixels, min_side=288)
    assert raw.from_preview and raw.image.format == "JPEG"
    assert (raw.width, raw.height) == (640, 480)
    d = decode_for_scan(path)
    assert (d.width, d.height) == (640, 480)
    assert _px(d.pixels[144, 10]) == pytest.approx((220, 20, 20), abs=8)  # the preview's


def test_small_preview_falls_back_to_a_half_size_demosaic(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "a.dng", size=(640, 480), preview=_halves((160, 120)))
    raw = open_raw(path.read_bytes(), max_pixels=PREPROCESS.max_pixels, min_side=288)
    assert not raw.from_preview
    assert raw.image.size == (320, 240)  # half size
    d = decode_for_scan(path)
    assert d.pixels.shape == (PREPROCESS.input_size, PREPROCESS.input_size, 3)
    assert max(d.thumbnail.size) == 256


def test_raw_without_preview_is_demosaiced(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "a.nef", size=(640, 480))
    d = decode_for_scan(path)
    assert (d.width, d.height) == (640, 480)
    assert d.pixels.std() > 1  # a gradient, not a blank frame
    assert load_rgb(path, max_side=200).size == (200, 150)


@pytest.mark.parametrize("preview_exif", [False, True])
def test_camera_orientation_is_applied_once(tmp_path: Path, preview_exif: bool) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = write_dng(
        tmp_path / "r.dng",
        size=(600, 400),
        preview=_halves(),
        orientation=6,
        preview_exif=exif.tobytes() if preview_exif else None,
    )
    d = decode_for_scan(path)
    assert (d.width, d.height) == (400, 600)
    assert d.thumbnail.size[0] < d.thumbnail.size[1]
    assert _px(d.pixels[10, 144]) == pytest.approx((220, 20, 20), abs=8)  # red on top
    assert _px(d.pixels[-10, 144]) == pytest.approx((20, 20, 220), abs=8)


def test_demosaic_is_oriented_too(tmp_path: Path) -> None:
    d = decode_for_scan(write_dng(tmp_path / "r.dng", size=(600, 400), orientation=6))
    assert (d.width, d.height) == (400, 600)
    assert d.thumbnail.size[0] < d.thumbnail.size[1]


def test_capture_time_from_the_raw(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2024:07:01 18:30:05"
    path = write_dng(tmp_path / "t.dng", preview=_halves((640, 480)), preview_exif=exif.tobytes())
    # LibRaw rewrites the preview's EXIF; a file without a time must not claim 1970.
    assert decode_for_scan(path).taken_at in (None, "2024-07-01 18:30:05")


@pytest.mark.parametrize(
    "data",
    [b"not a raw file at all" * 10, b"II*\x00" + b"\x00" * 200, b"\xff\xd8\xff" + b"\x00" * 64],
)
def test_garbage_named_raw_is_a_decode_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.cr2"
    path.write_bytes(data)
    with pytest.raises(DecodeError) as info:
        decode_for_scan(path)
    assert str(info.value) and "\n" not in str(info.value)


def test_truncated_raw_is_a_decode_error(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "a.dng", size=(640, 480))
    cut = tmp_path / "cut.dng"
    cut.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(DecodeError):
        decode_for_scan(cut)


def test_raw_bomb_is_refused_from_the_header(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "a.dng", size=(640, 480))
    with pytest.raises(RawError, match="decompression bomb"):
        open_raw(path.read_bytes(), max_pixels=1000, min_side=288)
