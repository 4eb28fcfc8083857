"""Content fingerprints: the quick one for change detection, release 1's, and the full hash."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from dropletcleaner.core.photos.fingerprint import (
    content_hash,
    is_legacy,
    legacy_fingerprint_file,
    matches,
    quick_fingerprint,
    quick_fingerprint_bytes,
    quick_fingerprint_file,
)

MIB = 1024 * 1024


def _data(size: int, seed: int = 0) -> bytes:
    return bytes((i * 31 + seed) % 251 for i in range(size))


@pytest.mark.parametrize("size", [0, 10, MIB, MIB + 1, 3 * MIB + 17])
def test_file_handle_and_bytes_give_one_fingerprint(tmp_path: Path, size: int) -> None:
    data = _data(size)
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    fp = quick_fingerprint(path)
    assert len(fp) == 40 and int(fp, 16) >= 0
    assert quick_fingerprint(path, size=size) == fp
    assert quick_fingerprint_file(io.BytesIO(data), size) == fp
    assert quick_fingerprint_bytes(data) == fp
    assert not is_legacy(fp)


def test_a_small_file_is_hashed_whole(tmp_path: Path) -> None:
    data = bytearray(_data(MIB))
    before = quick_fingerprint_bytes(bytes(data))
    data[MIB // 2] ^= 0xFF  # a byte in the middle, where a large file would not be sampled
    assert quick_fingerprint_bytes(bytes(data)) != before


def test_the_size_is_part_of_the_fingerprint() -> None:
    assert quick_fingerprint_bytes(b"abc") != quick_fingerprint_bytes(b"abc\0")


def test_a_large_file_is_read_at_its_head_and_tail() -> None:
    data = bytearray(_data(4 * MIB))
    before = quick_fingerprint_bytes(bytes(data))
    for offset in (100, 200 * 1024, len(data) - 10):
        edited = bytearray(data)
        edited[offset] ^= 0xFF
        assert quick_fingerprint_bytes(bytes(edited)) != before, offset


def test_matches_uses_the_function_that_made_the_stored_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(_data(500_000))
    with path.open("rb") as handle:
        legacy = legacy_fingerprint_file(handle, 500_000)
    assert is_legacy(legacy) and len(legacy) == 32
    assert matches(path, legacy) and matches(path, quick_fingerprint(path))
    path.write_bytes(_data(500_000, seed=1))
    assert not matches(path, legacy) and not matches(path, quick_fingerprint_bytes(_data(10)))


def test_no_fingerprint_is_not_a_legacy_one() -> None:
    assert not is_legacy(None) and not is_legacy("")


def test_content_hash_covers_every_byte(tmp_path: Path) -> None:
    data = bytearray(_data(3 * MIB))
    path = tmp_path / "photo.raw"
    path.write_bytes(bytes(data))
    before = content_hash(path)
    assert before == hashlib.blake2b(bytes(data), digest_size=32).hexdigest()
    quick = quick_fingerprint(path)
    # A byte the quick fingerprint does not sample still changes the full hash.
    data[MIB + 300_000] ^= 0xFF
    path.write_bytes(bytes(data))
    assert quick_fingerprint(path) == quick
    assert content_hash(path) != before
