"""Discovery: recursion, filtering, hidden/app folders, symlink loops, unreadable folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dropletcleaner.core.photos.discovery import FoundFile, WalkError, walk_images
from tests.helpers import write_jpeg


def _found(root: Path) -> list[str]:
    return [os.path.relpath(f.path, root) for f in walk_images(root) if isinstance(f, FoundFile)]


def test_finds_images_recursively_and_skips_others(tmp_path: Path) -> None:
    write_jpeg(tmp_path / "a.jpg")
    write_jpeg(tmp_path / "B.JPEG")
    write_jpeg(tmp_path / "deep" / "er" / "c.jpg")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "edit.psd").write_bytes(b"8BPS")
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


def test_raw_beside_a_jpeg_is_its_sidecar_and_a_lone_raw_a_photo(tmp_path: Path) -> None:
    write_jpeg(tmp_path / "IMG_1.JPG")
    (tmp_path / "IMG_1.CR2").write_bytes(b"raw")
    (tmp_path / "img_2.jpg").write_bytes(b"x")
    (tmp_path / "IMG_2.NEF").write_bytes(b"raw")  # any case pairs, as in quarantine
    (tmp_path / "IMG_3.ARW").write_bytes(b"raw")  # alone: a photo of its own
    (tmp_path / "IMG_4.heic").write_bytes(b"x")
    (tmp_path / "IMG_4.dng").write_bytes(b"raw")  # only a JPEG makes a RAW a sidecar
    assert _found(tmp_path) == ["IMG_1.JPG", "IMG_3.ARW", "IMG_4.dng", "IMG_4.heic", "img_2.jpg"]


def test_raw_pairs_by_exact_case_when_two_photos_differ_by_case(tmp_path: Path) -> None:
    for name in ("IMG_5.jpg", "img_5.JPG", "IMG_5.CR2", "Img_5.cr2"):
        (tmp_path / name).write_bytes(b"x")
    # IMG_5.CR2 goes with IMG_5.jpg; Img_5.cr2 matches neither spelling, so it stands alone.
    assert _found(tmp_path) == ["IMG_5.jpg", "Img_5.cr2", "img_5.JPG"]


def test_unsupported_image_files_are_reported_only_to_the_scanner(tmp_path: Path) -> None:
    write_jpeg(tmp_path / "a.jpg")
    (tmp_path / "b.psd").write_bytes(b"8BPS")
    (tmp_path / "c.gif").write_bytes(b"GIF89a")
    (tmp_path / "notes.txt").write_text("x")
    assert _found(tmp_path) == ["a.jpg"]  # training and evaluation walks: photos only
    items = [i for i in walk_images(tmp_path, report_special=True) if isinstance(i, FoundFile)]
    problems = {os.path.basename(i.path): i.problem for i in items}
    assert problems == {
        "a.jpg": None,
        "b.psd": "not supported: .psd files (Photoshop document) are not read",
        "c.gif": "not supported: .gif files (GIF) are not read",
    }
