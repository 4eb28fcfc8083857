"""Content fingerprints: a quick sampled one for change detection, a full hash for moves.

The quick fingerprint hashes small files whole (up to 1 MiB). A larger file is sampled
across its whole length: the first 256 KiB (headers, EXIF, the embedded preview: where
editors usually write), 64 evenly spaced 4 KiB samples of the rest, and the last 64 KiB.
An edit of a large file that misses every sample and restores the size and mtime goes
unnoticed (issue 10, case 18, documented in the README); the full :func:`content_hash`
still verifies every byte when a file is moved.

Release 1 fingerprints (three 64 KiB chunks, 32 hex digits) did not cover bytes 64-192 KiB
of a file. They are still recognised by their length: :func:`matches` compares a stored one
with the same old function, so a catalog written before the change keeps its labels and no
photo counts as changed merely because the function did.
"""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

_WHOLE = 1024 * 1024  # files up to this size are hashed whole
_HEAD = 256 * 1024
_TAIL = 64 * 1024
_SAMPLES = 64
_SAMPLE = 4 * 1024
_DIGEST = 20  # bytes; 40 hex digits tell a current fingerprint from a release 1 one

_LEGACY_CHUNK = 64 * 1024
_LEGACY_HEX = 32


def quick_fingerprint(path: str | os.PathLike[str], size: int | None = None) -> str:
    """blake2b over the size and the file (whole, or sampled across it when large)."""
    with open(path, "rb") as handle:
        if size is None:
            size = os.fstat(handle.fileno()).st_size
        return quick_fingerprint_file(handle, size)


def quick_fingerprint_file(handle: BinaryIO, size: int) -> str:
    """The same fingerprint, read from an open file of ``size`` bytes (seeks it)."""
    h = hashlib.blake2b(digest_size=_DIGEST)
    h.update(str(size).encode())
    for offset, length in _spans(size):
        handle.seek(offset)
        h.update(handle.read(length))
    return h.hexdigest()


def quick_fingerprint_bytes(data: bytes) -> str:
    """The same fingerprint as :func:`quick_fingerprint`, for a file already read into memory."""
    h = hashlib.blake2b(digest_size=_DIGEST)
    h.update(str(len(data)).encode())
    for offset, length in _spans(len(data)):
        h.update(data[offset : offset + length])
    return h.hexdigest()


def _spans(size: int) -> list[tuple[int, int]]:
    if size <= _WHOLE:
        return [(0, size)]
    body, end = _HEAD, size - _TAIL
    step = (end - body - _SAMPLE) / (_SAMPLES - 1)
    samples = [(body + int(i * step), _SAMPLE) for i in range(_SAMPLES)]
    return [(0, _HEAD), *samples, (end, _TAIL)]


def is_legacy(fingerprint: str | None) -> bool:
    """Whether a stored fingerprint was made by the release 1 function."""
    return fingerprint is not None and len(fingerprint) == _LEGACY_HEX


def legacy_fingerprint_file(handle: BinaryIO, size: int) -> str:
    """The release 1 fingerprint (size, and 64 KiB at the start, middle and end)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(size).encode())
    offsets = (
        [0]
        if size <= 3 * _LEGACY_CHUNK
        else [0, size // 2 - _LEGACY_CHUNK // 2, size - _LEGACY_CHUNK]
    )
    for offset in offsets:
        handle.seek(offset)
        h.update(handle.read(_LEGACY_CHUNK))
    return h.hexdigest()


def matches(path: str | os.PathLike[str], stored: str, size: int | None = None) -> bool:
    """Whether ``path`` still has the content ``stored`` describes, by the function that made it."""
    with open(path, "rb") as handle:
        if size is None:
            size = os.fstat(handle.fileno()).st_size
        if is_legacy(stored):
            return legacy_fingerprint_file(handle, size) == stored
        return quick_fingerprint_file(handle, size) == stored


def content_hash(path: str | os.PathLike[str]) -> str:
    """Full-file blake2b, used to verify copies before a source is removed."""
    h = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
