"""Decoding: draft sizes, EXIF orientation, colour modes, bombs and broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dropletcleaner.core.photos.decode import DecodeError, decode_for_scan, draft_request, load_rgb
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.photos.preprocess import PREPROCESS
from tests.helpers import write_jpeg


def test_decode_gives_model_pixels_thumbnail_and_identity(tmp_path: Path) -> None:
    path = write_jpeg(tmp_path / "a.jpg", size=(1200, 800))
    d = decode_for_scan(path)
    assert d.pixels.shape == (PREPROCESS.input_size, PREPROCESS.input_size, 3)
    assert d.pixels.dtype == np.uint8
    assert max(d.thumbnail.size) == PREPROCESS.thumbnail_size
    assert (d.width, d.height) == (1200, 800)
    assert d.fingerprint == quick_fingerprint(path)
    assert d.size == path.stat().st_size


def test_decode_resizes_the_same_frame_for_each_further_look(tmp_path: Path) -> None:
    path = write_jpeg(tmp_path / "a.jpg", size=(1200, 800))
    plain, looked = decode_for_scan(path), decode_for_scan(path, looks=(416, 64))
    assert plain.looks == {}
    assert {k: v.shape for k, v in looked.looks.items()} == {416: (416, 416, 3), 64: (64, 64, 3)}
    assert np.array_equal(plain.pixels, looked.pixels)  # the first look is unchanged
    small = np.asarray(Image.fromarray(looked.looks[416]).resize((64, 64)), np.float32)
    assert np.abs(small - looked.looks[64]).mean() < 8  # the same picture at two sizes


def test_draft_request_keeps_enough_resolution() -> None:
    w, h = draft_request(4000, 3000)
    assert w >= PREPROCESS.decode_size and h >= PREPROCESS.input_size
    assert w < 1000  # libjpeg may decode at 1/8 scale
    assert draft_request(100, 50) == (100, 50)  # never upscale


def test_exif_orientation_and_date(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    exif.get_ifd(0x8769)[36867] = "2024:07:01 18:30:05"
    path = write_jpeg(tmp_path / "r.jpg", size=(600, 400), exif=exif.tobytes())
    d = decode_for_scan(path)
    assert (d.width, d.height) == (400, 600)
    assert d.thumbnail.size[1] > d.thumbnail.size[0]
    assert d.taken_at == "2024-07-01 18:30:05"


@pytest.mark.parametrize("mode", ["RGBA", "P", "L", "I;16", "CMYK", "LA"])
def test_colour_modes_become_rgb(tmp_path: Path, mode: str) -> None:
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 80, 3), dtype=np.uint8))
    if mode == "I;16":
        arr = (np.linspace(0, 65535, 64 * 80).reshape(64, 80)).astype(np.uint16)
        img = Image.frombytes("I;16", (80, 64), arr.tobytes())
    else:
        img = rgb.convert(mode)
    suffix = ".tif" if mode == "CMYK" else ".png"
    path = tmp_path / f"m{suffix}"
    img.save(path)
    d = decode_for_scan(path)
    assert d.pixels.shape == (PREPROCESS.input_size, PREPROCESS.input_size, 3)
    if mode == "I;16":
        # 16-bit data is scaled, not clipped: the gradient spans the full 8-bit range.
        assert d.pixels.max() > 240 and d.pixels.min() < 15


def test_transparency_composites_over_grey(tmp_path: Path) -> None:
    Image.new("RGBA", (32, 32), (255, 0, 0, 0)).save(tmp_path / "t.png")
    d = decode_for_scan(tmp_path / "t.png")
    assert tuple(d.pixels[0, 0]) == (128, 128, 128)


def test_zero_byte_text_and_truncated_files(tmp_path: Path) -> None:
    (tmp_path / "zero.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    full = write_jpeg(tmp_path / "full.jpg", size=(800, 600)).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(full[: len(full) // 2])
    with pytest.raises(DecodeError, match="empty"):
        decode_for_scan(tmp_path / "zero.jpg")
    with pytest.raises(DecodeError, match="not a recognised"):
        decode_for_scan(tmp_path / "text.jpg")
    with pytest.raises(DecodeError, match="truncated"):
        decode_for_scan(tmp_path / "cut.jpg")


def test_decompression_bomb_refused_from_header(tmp_path: Path) -> None:
    # A tiny PNG whose header claims 20000 x 20000 pixels.
    Image.new("1", (20000, 20000)).save(tmp_path / "bomb.png", optimize=True)
    assert (tmp_path / "bomb.png").stat().st_size < 200_000
    with pytest.raises(DecodeError, match="decompression bomb"):
        decode_for_scan(tmp_path / "bomb.png")


def test_load_rgb_downscales(tmp_path: Path) -> None:
    path = write_jpeg(tmp_path / "a.jpg", size=(1600, 1200))
    img = load_rgb(path, max_side=500)
    assert img.mode == "RGB" and max(img.size) == 500


def test_every_format_decodes(tmp_path: Path) -> None:
    from tests.format_helpers import write_every_format

    made = write_every_format(tmp_path)
    reference = decode_for_scan(made["jpeg"]).pixels.astype(np.float32)
    for key, path in made.items():
        d = decode_for_scan(path)
        assert (d.width, d.height) == (640, 480), key
        assert d.thumbnail.mode == "RGB" and max(d.thumbnail.size) == 256, key
        if key in ("raw", "heic", "avif", "jxl", "cmyk"):  # the same picture, re-encoded
            assert np.abs(d.pixels.astype(np.float32) - reference).mean() < 6, key


@pytest.mark.parametrize(("ext", "fmt"), [("heic", "HEIF"), ("avif", "AVIF"), ("jxl", "JXL")])
def test_exif_orientation_in_newer_formats(tmp_path: Path, ext: str, fmt: str) -> None:
    import pillow_jxl  # noqa: F401  (the JXL encoder)

    from dropletcleaner.core.photos.formats import register_plugins

    register_plugins()
    arr = np.zeros((400, 600, 3), np.uint8)
    arr[:, :300] = (220, 20, 20)  # left red: on top after a clockwise turn
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / f"o.{ext}"
    Image.fromarray(arr).save(path, fmt, quality=90, exif=exif.tobytes())
    d = decode_for_scan(path)
    assert (d.width, d.height) == (400, 600)
    assert int(d.pixels[10, 144, 0]) > 200 and int(d.pixels[-10, 144, 0]) < 40


def test_tiff_orientation_gives_the_upright_size(tmp_path: Path) -> None:
    """Pillow's TIFF plugin reports the upright size already: it must not be swapped twice."""
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (600, 400)).save(tmp_path / "o.tif", exif=exif.tobytes())
    d = decode_for_scan(tmp_path / "o.tif")
    assert (d.width, d.height) == (400, 600)
    assert d.thumbnail.size[0] < d.thumbnail.size[1]


def test_display_p3_jpeg_is_scored_in_srgb(tmp_path: Path) -> None:
    from tests.format_helpers import display_p3_profile

    path = tmp_path / "p3.jpg"
    Image.new("RGB", (64, 64), (180, 80, 40)).save(
        path, quality=100, icc_profile=display_p3_profile()
    )
    d = decode_for_scan(path)
    r, g, b = (int(v) for v in d.pixels[10, 10])
    assert r > 185 and g < 76 and b < 30
    assert d.thumbnail.getpixel((5, 5))[0] > 185  # type: ignore[index]
    assert load_rgb(path).getpixel((5, 5))[0] > 185  # type: ignore[index]
