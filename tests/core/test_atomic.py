"""Atomic writes: the new file appears whole or not at all, and no temporary file is left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dropletcleaner.core import atomic
from dropletcleaner.core.atomic import atomic_open, atomic_write_bytes, atomic_write_text


class Boom(Exception):
    """A failure in the middle of a write."""


def test_writes_replace_the_file_and_leave_only_it(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new bytes")
    assert target.read_bytes() == b"new bytes"
    atomic_write_text(target, "text é\n")
    assert target.read_text(encoding="utf-8") == "text é\n"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_a_missing_folder_is_made(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.txt"
    atomic_write_text(target, "x")
    assert target.read_text() == "x"


def test_a_failure_mid_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old contents")
    with pytest.raises(Boom), atomic_open(target, "w") as handle:
        handle.write("half of the new")
        raise Boom
    assert target.read_text() == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_a_failure_on_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_open(tmp_path / "new.bin") as handle:
        handle.write(b"partial")
        raise KeyboardInterrupt  # not only Exceptions: an interrupt cleans up too
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_a_hidden_sibling_until_the_end(tmp_path: Path) -> None:
    target = tmp_path / "card.json"
    with atomic_open(target, "w") as handle:
        handle.write("{}")
        (tmp,) = tmp_path.iterdir()
        assert tmp.name.startswith(".card.json.") and tmp.name.endswith(".tmp")
        assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]


@pytest.mark.parametrize("durable", [True, False])
def test_durable_decides_the_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    atomic_write_bytes(tmp_path / "cache.bin", b"x", durable=durable)
    assert (tmp_path / "cache.bin").read_bytes() == b"x"
    assert len(synced) == (1 if durable else 0)
    synced.clear()
    atomic_write_text(tmp_path / "report.txt", "x")  # text writes are always durable
    assert len(synced) == 1


def test_text_keeps_the_bytes_of_names_that_are_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"/photos/caf\xe9.jpg")  # Latin-1 bytes: a lone surrogate in str
    atomic_write_text(tmp_path / "r.csv", f"{name}\n")
    assert (tmp_path / "r.csv").read_bytes() == b"/photos/caf\xe9.jpg\n"


def test_the_file_is_as_readable_as_a_plain_open_would_make_it(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic_write_text(tmp_path / "atomic.txt", "x")
    assert (tmp_path / "atomic.txt").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
