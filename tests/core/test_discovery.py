"""Discovery: recursion, filtering, hidden/app folders, symlink loops, unreadable folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dropletcleaner.core.discovery import FoundFile, WalkError, walk_images
from tests.helpers import write_jpeg


def _found(root: Path) -> list[str]:
    return [os.path.relpath(f.path, root) for f in walk_images(root) if isinstance(f, FoundFile)]


def test_finds_images_recursively_and_skips_others(tmp_path: Path) -> None:
    write_jpeg(tmp_path / "a.jpg")
    write_jpeg(tmp_path / "B.JPEG")
    write_jpeg(tmp_path / "deep" / "er" / "c.jpg")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "raw.cr2").write_bytes(b"raw")
    assert _found(tmp_path) == ["B.JPEG", "a.jpg", os.path.join("deep", "er", "c.jpg")]


def test_skips_hidden_and_app_folders(tmp_path: Path) -> None:
    write_jpeg(tmp_path / ".hidden" / "x.jpg")
    write_jpeg(tmp_path / ".dropletcleaner-quarantine" / "y.jpg")
    write_jpeg(tmp_path / "@eaDir" / "z.jpg")
    write_jpeg(tmp_path / ".dotfile.jpg")
    write_jpeg(tmp_path / "keep.jpg")
    assert _found(tmp_path) == ["keep.jpg"]


def test_survives_symlink_loop(tmp_path: Path) -> None:
    write_jpeg(tmp_path / "a" / "one.jpg")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    found = _found(tmp_path)
    assert found == [os.path.join("a", "one.jpg")]


def test_broken_symlink_is_an_error_not_a_crash(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone.jpg", tmp_path / "dangling.jpg")
    items = list(walk_images(tmp_path))
    assert len(items) == 1 and isinstance(items[0], WalkError)


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_jpeg(tmp_path / "ok.jpg")
    locked = tmp_path / "locked"
    write_jpeg(locked / "secret.jpg")
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(walk_images(tmp_path))
    errors = [i for i in items if isinstance(i, WalkError)]
    assert [e.path for e in errors] == [str(locked)]
    assert errors[0].reason == "Permission denied"
    assert [os.path.basename(i.path) for i in items if isinstance(i, FoundFile)] == ["ok.jpg"]
