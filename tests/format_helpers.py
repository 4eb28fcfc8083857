"""Small photos in every format the app reads, made by the tests themselves (no downloads).

``write_dng`` writes a minimal but real DNG with tifffile: a Bayer (CFA) raw image in a
sub-IFD, optionally with an embedded JPEG preview in IFD 0 (tifffile cannot JPEG-encode
without imagecodecs, so the preview is written uncompressed and then patched to point at
JPEG bytes appended to the file). ``display_p3_profile`` builds a matrix/TRC ICC profile
with the Display P3 primaries.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image

from tests.helpers import write_jpeg

_DNG_TAGS = [
    (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
    (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
    (50708, "s", 0, "DropletCleaner Test Camera", True),  # UniqueCameraModel
    (50721, "2i", 9, (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1), True),
    (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
    (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
]
_CFA_TAGS = [
    (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
    (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
    (50717, "I", 1, 4095, True),  # WhiteLevel
    (50714, "H", 1, 0, True),  # BlackLevel
]


def write_dng(
    path: Path,
    size: tuple[int, int] = (640, 480),
    *,
    preview: Image.Image | None = None,
    orientation: int = 1,
    preview_exif: bytes | None = None,
) -> Path:
    """A DNG of ``size`` (w, h); with ``preview``, IFD 0 is that JPEG preview."""
    import tifffile

    w, h = size
    rng = np.random.default_rng(0)
    xx = np.mgrid[0:h, 0:w][1]
    cfa = (xx * (3000 / w) + 500 + rng.integers(0, 50, (h, w))).astype(np.uint16)
    ifd0 = [*_DNG_TAGS, (274, "H", 1, orientation, True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tifffile.TiffWriter(path) as tw:
        if preview is None:
            tw.write(cfa, photometric=32803, subfiletype=0, extratags=ifd0 + _CFA_TAGS)
            return path
        rgb = np.asarray(preview.convert("RGB"))
        tw.write(rgb, photometric="rgb", subfiletype=1, subifds=1, extratags=ifd0)
        tw.write(cfa, photometric=32803, subfiletype=0, extratags=_CFA_TAGS)
    buf = io.BytesIO()
    extra = {} if preview_exif is None else {"exif": preview_exif}
    preview.convert("RGB").save(buf, "JPEG", quality=90, **extra)
    _patch_to_jpeg(path, buf.getvalue())
    return path


def _patch_to_jpeg(path: Path, jpeg: bytes) -> None:
    import tifffile

    with tifffile.TiffFile(path) as tf:
        page = tf.pages.first
        tags = {t.code: t for t in page.tags.values()}
        order = "<" if tf.byteorder == "<" else ">"
    with open(path, "r+b") as f:
        f.seek(0, 2)
        where = f.tell()
        f.write(jpeg)
        # Compression JPEG, photometric YCbCr, one strip of the JPEG bytes appended above.
        for code, value in ((259, 7), (262, 6), (273, where), (279, len(jpeg))):
            tag = tags[code]
            f.seek(tag.valueoffset)
            f.write(struct.pack(order + ("H" if int(tag.dtype) == 3 else "I"), value))


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def display_p3_profile() -> bytes:
    """An ICC v2 display profile with the Display P3 primaries (D50-adapted), gamma 2.2."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)

    name = b"Display P3 (test)\0"
    desc = (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(name))
        + name
        + b"\0" * 8  # no Unicode description
        + b"\0" * 3  # no ScriptCode description
        + b"\0" * 67
    )
    curv = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curv),
        (b"gTRC", curv),
        (b"bTRC", curv),
        (b"cprt", b"text\0\0\0\0no copyright\0"),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table = struct.pack(">I", len(tags))
    body = b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = 128 + table_size + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + table + body


def flat(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    return Image.new("RGB", size, colour)


def write_every_format(folder: Path) -> dict[str, Path]:
    """One small photo per format the app reads, named after its format."""
    import pillow_heif
    import pillow_jxl  # noqa: F401  (registers the JXL encoder)

    pillow_heif.register_heif_opener()
    folder.mkdir(parents=True, exist_ok=True)
    # Plain pixels, not the JPEG: a JPEG source would be stored as a JPEG inside the JXL.
    base = Image.fromarray(np.asarray(Image.open(write_jpeg(folder / "jpeg.jpg", size=(640, 480)))))
    made = {"jpeg": folder / "jpeg.jpg"}
    made["raw"] = write_dng(folder / "raw.dng", preview=base)
    made["raw_demosaic"] = write_dng(folder / "raw_demosaic.nef", size=(640, 480))
    for key, ext, fmt in (
        ("heic", "heic", "HEIF"),
        ("avif", "avif", "AVIF"),
        ("jxl", "jxl", "JXL"),
    ):
        made[key] = folder / f"{key}.{ext}"
        base.save(made[key], fmt, quality=80)
    arr16 = (np.asarray(base.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    made["tiff16"] = folder / "tiff16.tif"
    Image.fromarray(arr16).save(made["tiff16"], "TIFF")
    made["cmyk"] = folder / "cmyk.jpg"
    base.convert("CMYK").save(made["cmyk"], "JPEG", quality=90)
    made["p3"] = folder / "p3.jpg"
    base.save(made["p3"], "JPEG", quality=90, icc_profile=display_p3_profile())
    return made
