"""Build a corpus of hostile and odd image files in a folder; nothing is ever downloaded.

Every builder writes one file (or special file) that once crashed, hung or misled a
scan (issue 10). ``build_corpus`` writes them all beside one good JPEG; the fuzz test
mutates them. Run ``python -m tests.hostile.corpus DEST`` to get a folder to try by hand.
"""

from __future__ import annotations

import io
import os
import socket
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

# An EPS that loops forever if Ghostscript ever runs it (issue 10, case 1).
EPS_LOOP = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n{ } loop\n"
PS_LOOP = b"%!PS-Adobe-3.0\n{ } loop\nshowpage\n"
PDF_MINIMAL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# A name that is not valid UTF-8 (Latin-1 "café"), as old archives and shares hold.
LATIN1_NAME = b"caf\xe9.jpg"


def good_jpeg(seed: int = 0, size: tuple[int, int] = (96, 64)) -> bytes:
    """A small photo-like JPEG."""
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def good_png(size: tuple[int, int] = (64, 64)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (90, 120, 150)).save(buf, "PNG")
    return buf.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    """A valid PNG with one extra chunk inserted right after IHDR."""
    png = good_png()
    ihdr_end = 8 + 8 + 13 + 4
    return png[:ihdr_end] + _chunk(kind, body) + png[ihdr_end:]


def png_truncated_ihdr() -> bytes:
    """The IHDR length field zeroed (bytes 8-11): Pillow raised ValueError."""
    data = bytearray(good_png())
    data[8:12] = b"\0\0\0\0"
    return bytes(data)


def _bomb() -> bytes:
    return zlib.compress(b"\0" * (2 * 1024 * 1024), 9)  # inflates past Pillow's 1 MB cap


def png_ztxt_bomb() -> bytes:
    return _png_with_chunk(b"zTXt", b"Comment\0\0" + _bomb())


def png_itxt_bomb() -> bytes:
    return _png_with_chunk(b"iTXt", b"Comment\0\x01\0\0\0" + _bomb())


def png_iccp_bomb() -> bytes:
    return _png_with_chunk(b"iCCP", b"icc\0\0" + _bomb())


def jpeg2000_bad_comment() -> bytes:
    """A JPEG 2000 codestream whose COM marker claims more bytes than follow."""
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 30)).save(buf, "JPEG2000", no_jp2=True)
    data = buf.getvalue()
    siz_at = data.find(b"\xff\x51")
    siz_len = struct.unpack(">H", data[siz_at + 2 : siz_at + 4])[0]
    cut = siz_at + 2 + siz_len
    return data[:cut] + b"\xff\x64\x00\x01" + data[cut:]


def truncated_jpeg() -> bytes:
    data = good_jpeg(1)
    return data[: len(data) // 2]


def random_bytes(seed: int = 3) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, 4096, dtype=np.uint8).tobytes()


# name -> builder of the file's bytes
FILES: dict[str, Callable[[], bytes]] = {
    "holiday-eps.jpg": lambda: EPS_LOOP,
    "postscript.png": lambda: PS_LOOP,
    "document-pdf.jpg": lambda: PDF_MINIMAL,
    "broken-ihdr.png": png_truncated_ihdr,
    "ztxt-bomb.png": png_ztxt_bomb,
    "itxt-bomb.png": png_itxt_bomb,
    "iccp-bomb.png": png_iccp_bomb,
    "jpeg2000-bad-comment.jpg": jpeg2000_bad_comment,
    "truncated.jpg": truncated_jpeg,
    "noise.jpg": random_bytes,
    "empty.jpg": lambda: b"",
}


def make_fifo(path: Path) -> bool:
    """A named pipe at ``path``; ``False`` where the platform has none."""
    if not hasattr(os, "mkfifo"):
        return False
    os.mkfifo(path)
    return True


def make_socket(path: Path) -> socket.socket | None:
    """A bound Unix socket at ``path`` (the caller closes it); ``None`` where unsupported."""
    if not hasattr(socket, "AF_UNIX") or len(os.fsencode(path)) > 100:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(os.fspath(path))
    return sock


def build_special(folder: Path) -> dict[str, Path]:
    """Special files and bad links named like photos (issue 10, case 7)."""
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    if make_fifo(folder / "pipe.jpg"):
        made["fifo"] = folder / "pipe.jpg"
    (folder / "dangling.jpg").symlink_to(folder / "no-such-target.jpg")
    made["dangling"] = folder / "dangling.jpg"
    (folder / "loop-a.jpg").symlink_to(folder / "loop-b.jpg")
    (folder / "loop-b.jpg").symlink_to(folder / "loop-a.jpg")
    made["loop"] = folder / "loop-a.jpg"
    if os.path.exists("/dev/null"):
        (folder / "device.jpg").symlink_to("/dev/null")
        made["device"] = folder / "device.jpg"
    return made


def build_corpus(folder: Path, *, special: bool = True) -> dict[str, Path]:
    """Write every hostile file and one good JPEG into ``folder``; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    (folder / "good.jpg").write_bytes(good_jpeg())
    made["good.jpg"] = folder / "good.jpg"
    for name, build in FILES.items():
        (folder / name).write_bytes(build())
        made[name] = folder / name
    latin1 = Path(os.fsdecode(os.path.join(os.fsencode(folder), LATIN1_NAME)))
    latin1.write_bytes(good_jpeg(7))
    made["latin1"] = latin1
    if special:
        made.update(build_special(folder))
    return made


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m tests.hostile.corpus DEST", file=sys.stderr)
        raise SystemExit(2)
    files = build_corpus(Path(sys.argv[1]))
    print(f"wrote {len(files)} hostile files to {sys.argv[1]}")
