"""The files that travel with a photo: sidecars, Live Photo movies, the RAW of a pair."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from PIL import Image

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine import api as q
from tests.helpers import write_jpeg
from tests.quarantine_helpers import (
    _record,
    _snapshot,
)


def test_sidecars_go_out_and_come_back_together(cat: Catalog, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    photo = write_jpeg(root / "IMG_1.JPG", size=(32, 32))
    sidecars = ["img_1.xmp", "IMG_1.CR2", "IMG_1.MOV", "IMG_1.aae", "IMG_1.JPG.xmp", "IMG_1.dng"]
    for name in sidecars:
        (root / name).write_bytes(name.encode())
    (root / "IMG_10.xmp").write_text("another photo's")
    (root / "IMG_1.txt").write_text("not a sidecar")
    (root / ".IMG_1.xmp").write_text("hidden")
    os.symlink(root / "IMG_1.txt", root / "IMG_1.arw")  # a link is not a sidecar
    png = root / "IMG_2.png"
    Image.new("RGB", (32, 32), (10, 20, 30)).save(png)
    (root / "IMG_2.dng").write_bytes(b"raw beside a png is its own photo")
    (root / "IMG_2.xmp").write_text("png sidecar")
    before = _snapshot(root)
    _record(cat, [photo, png])
    report = q.quarantine(cat, [photo, png], library_root=root)
    qdir = root / ".dropletcleaner-quarantine"
    assert sorted(p.name for p in report.outcomes[0].sidecars) == sorted(sidecars)
    assert report.outcomes[1].sidecars == (qdir / "IMG_2.xmp",)
    left = {p.name for p in root.iterdir() if p.is_file() or p.is_symlink()}
    assert left == {"IMG_10.xmp", "IMG_1.txt", ".IMG_1.xmp", "IMG_1.arw", "IMG_2.dng"}
    assert q.quarantined_files(cat)[0].current == qdir / "IMG_1.JPG"  # sidecars not listed
    undone = q.undo(cat)
    assert undone is not None and undone.moved == 2
    assert _snapshot(root) == before


def test_unreadable_folder_listing_means_no_sidecars(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(path: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "scandir", denied)
    _record(cat, [lib / "a.jpg"])
    report = q.quarantine(cat, [lib / "a.jpg"], library_root=lib)
    assert report.outcomes[0].status == "moved" and report.outcomes[0].sidecars == ()
