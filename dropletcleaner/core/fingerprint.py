"""Content fingerprints: a quick sampled one for change detection, a full hash for moves."""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

_CHUNK = 64 * 1024


def quick_fingerprint(path: str | os.PathLike[str], size: int | None = None) -> str:
    """blake2b over the size and three 64 KiB chunks (start, middle, end) of the file."""
    with open(path, "rb") as handle:
        if size is None:
            size = os.fstat(handle.fileno()).st_size
        return quick_fingerprint_file(handle, size)


def quick_fingerprint_file(handle: BinaryIO, size: int) -> str:
    """The same fingerprint, read from an open file of ``size`` bytes (seeks it)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(size).encode())
    for offset in _chunk_offsets(size):
        handle.seek(offset)
        h.update(handle.read(_CHUNK))
    return h.hexdigest()


def quick_fingerprint_bytes(data: bytes) -> str:
    """The same fingerprint as :func:`quick_fingerprint`, for a file already read into memory."""
    size = len(data)
    h = hashlib.blake2b(digest_size=16)
    h.update(str(size).encode())
    for offset in _chunk_offsets(size):
        h.update(data[offset : offset + _CHUNK])
    return h.hexdigest()


def _chunk_offsets(size: int) -> list[int]:
    if size <= 3 * _CHUNK:
        return [0]
    return [0, size // 2 - _CHUNK // 2, size - _CHUNK]


def content_hash(path: str | os.PathLike[str]) -> str:
    """Full-file blake2b, used to verify copies before a source is removed."""
    h = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
