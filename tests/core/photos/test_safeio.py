"""Opening a photo without trusting the path: regular files only, bounded by their size."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from dropletcleaner.core.photos.safeio import (
    NotAPhotoFile,
    describe_mode,
    not_regular_reason,
    open_photo,
)


def test_a_regular_file_is_read_whole_and_seekably(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"0123456789")
    with open_photo(path) as photo:
        assert photo.size == 10 and photo.stat.st_size == 10
        assert photo.read(4) == b"0123"
        photo.seek(-3, os.SEEK_END)
        assert photo.read() == b"789"
        assert photo.read_all() == b"0123456789"


def test_reads_stop_at_the_size_seen_at_open(tmp_path: Path) -> None:
    path = tmp_path / "growing.jpg"
    path.write_bytes(b"abc")
    with open_photo(path) as photo:
        with path.open("ab") as more:
            more.write(b"appended later")
        assert photo.read() == b"abc"
        assert photo.read_all() == b"abc"


def test_the_descriptor_is_hidden_from_libraries(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"x")
    with open_photo(path) as photo, pytest.raises(io.UnsupportedOperation):
        photo.fileno()
    assert not hasattr(photo, "name")  # Pillow neither maps nor reopens it by path


def test_a_folder_is_refused_with_its_kind(tmp_path: Path) -> None:
    with pytest.raises(NotAPhotoFile, match="not a regular file: it is a folder"):
        open_photo(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(NotAPhotoFile, match=r"a named pipe \(FIFO\)"):
        open_photo(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "endless.jpg"
    link.symlink_to("/dev/zero")
    with pytest.raises(NotAPhotoFile, match="a character device"):
        open_photo(link)


def test_a_link_to_a_regular_file_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real.jpg").write_bytes(b"data")
    (tmp_path / "link.jpg").symlink_to(tmp_path / "real.jpg")
    with open_photo(tmp_path / "link.jpg") as photo:
        assert photo.read_all() == b"data"


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "video.jpg"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(NotAPhotoFile, match="too large to be a photo"):
        open_photo(path, limit=1024)
    with open_photo(path, limit=2048) as photo:
        assert photo.size == 2048


def test_a_missing_file_raises_the_open_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_photo(tmp_path / "gone.jpg")


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        (stat.S_IFDIR, "a folder"),
        (stat.S_IFIFO, "a named pipe (FIFO)"),
        (stat.S_IFCHR, "a character device"),
        (stat.S_IFBLK, "a block device"),
        (stat.S_IFSOCK, "a socket"),
        (stat.S_IFLNK, "a symbolic link"),
        (stat.S_IFREG, "not a regular file"),
    ],
)
def test_every_kind_of_file_has_words(mode: int, words: str) -> None:
    assert describe_mode(mode) == words
    assert not_regular_reason(mode) == f"not a regular file: it is {words}"


def test_the_error_is_an_os_error_whose_text_is_the_reason() -> None:
    exc = NotAPhotoFile("not a regular file: it is a socket")
    assert isinstance(exc, OSError) and str(exc) == "not a regular file: it is a socket"
    assert str(NotAPhotoFile()) == "not a regular file"
