"""Mutation fuzzing of the photo decoder over the hostile corpus; nothing is downloaded.

Seeds are small valid files of every scanned format plus the hostile corpus; each case
flips bits, overwrites bytes, truncates, splices or repeats a slice of one seed. The only
allowed outcomes of :func:`decode_for_scan` are a decoded photo, ``DecodeError`` or
``OSError``; anything else, or a case slower than ``SLOW_S``, is a finding.

The test suite runs a few seconds of it. A longer run, from the repository root::

    python -m tests.hostile.fuzz --seconds 600 --seed 1
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from dropletcleaner.core.photos.decode import DecodeError, decode_for_scan
from tests.hostile import corpus

SLOW_S = 10.0  # no seed decodes in more than a few milliseconds


def seeds() -> list[bytes]:
    """Small valid files of each scanned format, and the hostile corpus."""
    img = Image.new("RGB", (48, 32), (30, 140, 200))
    out = [corpus.good_jpeg(), corpus.good_png()]
    for fmt, kw in (
        ("WEBP", {}),
        ("TIFF", {"compression": "tiff_deflate"}),
        ("BMP", {}),
        ("PNG", {"optimize": True}),
        ("JPEG", {"progressive": True, "exif": b"Exif\0\0MM\0*\0\0\0\x08\0\0"}),
    ):
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        out.append(buf.getvalue())
    out.extend(build() for build in corpus.FILES.values())
    return [s for s in out if s]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        if not buf:
            buf.extend(rng.randbytes(16))
        at = rng.randrange(len(buf))
        if kind == 0:  # flip bits
            buf[at] ^= 1 << rng.randrange(8)
        elif kind == 1:  # overwrite with an interesting byte
            buf[at] = rng.choice((0x00, 0xFF, 0x7F, 0x80, 0x01))
        elif kind == 2:  # truncate
            del buf[at:]
        elif kind == 3:  # repeat a slice
            end = min(len(buf), at + rng.randint(1, 256))
            buf[at:at] = buf[at:end] * rng.randint(1, 8)
        elif kind == 4:  # big-endian length field set huge or zero
            buf[at : at + 4] = rng.choice((b"\xff\xff\xff\xff", b"\0\0\0\0", b"\x7f\xff\xff\xff"))
        else:  # random bytes
            buf[at : at + 8] = rng.randbytes(8)
    return bytes(buf)


@dataclass
class FuzzResult:
    cases: int = 0
    decoded: int = 0
    refused: int = 0
    findings: list[str] = field(default_factory=list)


def fuzz(seconds: float, seed: int = 0, folder: Path | None = None) -> FuzzResult:
    """Decode mutants for about ``seconds``; unexpected outcomes go to ``findings``."""
    rng = random.Random(seed)
    pool = seeds()
    result = FuzzResult()
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            data = mutate(rng.choice(pool), rng)
            path = Path(tmp) / f"case{result.cases % 8}.jpg"
            path.write_bytes(data)
            result.cases += 1
            start = time.monotonic()
            try:
                decode_for_scan(path)
                result.decoded += 1
            except (DecodeError, OSError):
                result.refused += 1
            except Exception as exc:
                keep = Path(tmp).parent / f"dropletcleaner-fuzz-{seed}-{result.cases}.bin"
                keep.write_bytes(data)
                result.findings.append(f"{type(exc).__name__}: {exc} (kept as {keep})")
            took = time.monotonic() - start
            if took > SLOW_S:
                result.findings.append(f"case {result.cases} took {took:.1f} s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz the photo decoder.")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # Pillow warns on every corrupt tag: noise here
    result = fuzz(args.seconds, args.seed)
    for finding in result.findings:
        print(finding)
    print(
        f"{result.cases} cases: {result.decoded} decoded, {result.refused} refused, "
        f"{len(result.findings)} findings"
    )
    return 1 if result.findings else 0


if __name__ == "__main__":
    sys.exit(main())
