"""``--exclude GLOB`` and ``--no-recursive``: which files a run covers."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.core.photos.discovery import FoundFile, walk_images
from dropletcleaner.core.photos.selection import Selection
from tests.helpers import write_jpeg


def test_a_glob_matches_a_name_or_a_relative_path(tmp_path: Path) -> None:
    sel = Selection.of(tmp_path, ["*.png", "2024/raw/*", "tmp"])
    assert not sel.covers(str(tmp_path / "a.png"))
    assert not sel.covers(str(tmp_path / "2024" / "raw" / "x.jpg"))
    assert not sel.covers(str(tmp_path / "x" / "tmp" / "y.jpg"))
    assert sel.covers(str(tmp_path / "2024" / "b.jpg"))
    assert not sel.covers(str(tmp_path.parent / "outside.jpg"))
    assert not sel.walks_into(str(tmp_path / "x" / "tmp"))


def test_no_recursive_covers_only_the_top_folder(tmp_path: Path) -> None:
    sel = Selection.of(tmp_path, recursive=False)
    assert sel.covers(str(tmp_path / "a.jpg")) and not sel.covers(str(tmp_path / "s" / "b.jpg"))
    assert not sel.walks_into(str(tmp_path / "s"))


def test_walk_leaves_out_what_the_selection_excludes(tmp_path: Path) -> None:
    for rel in ("a.jpg", "b.jpg", "keep/c.jpg", "skip/d.jpg"):
        write_jpeg(tmp_path / rel)
    sel = Selection.of(tmp_path, ["b.jpg", "skip"])
    found = [
        Path(f.path).name for f in walk_images(tmp_path, selection=sel) if isinstance(f, FoundFile)
    ]
    assert found == ["a.jpg", "c.jpg"]
