"""The on-disk thumbnail cache: keyed by path and identity, written atomically, failures counted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from dropletcleaner.core.library import thumbnails as thumbnails_module
from dropletcleaner.core.library.thumbnails import ThumbnailCache


def _thumb(colour: str = "red") -> Image.Image:
    return Image.new("RGB", (64, 48), colour)


def test_the_default_root_is_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DROPLETCLEANER_CACHE", str(tmp_path / "cache"))
    assert ThumbnailCache().root == tmp_path / "cache" / "thumbnails"


def test_a_stored_thumbnail_is_found_by_the_same_path_and_identity(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    assert not cache.has("/p/a.jpg", 100, 5)
    target = cache.store("/p/a.jpg", 100, 5, _thumb())
    assert target == cache.path_for("/p/a.jpg", 100, 5)
    assert target.parent.parent == cache.root and target.parent.name == target.name[:2]
    assert cache.has("/p/a.jpg", 100, 5)
    with Image.open(target) as img:
        assert (img.format, img.size) == ("JPEG", (64, 48))
        red, green, _ = img.convert("RGB").getpixel((32, 24))
        assert red > 200 and green < 60
    # Only the thumbnail: the atomic write leaves no temporary file beside it.
    assert [p.name for p in target.parent.iterdir()] == [target.name]


@pytest.mark.parametrize(
    "other", [("/p/b.jpg", 100, 5), ("/p/a.jpg", 101, 5), ("/p/a.jpg", 100, 6)]
)
def test_a_changed_size_mtime_or_path_is_another_key(
    tmp_path: Path, other: tuple[str, int, int]
) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    cache.store("/p/a.jpg", 100, 5, _thumb())
    assert cache.path_for(*other) != cache.path_for("/p/a.jpg", 100, 5)
    assert not cache.has(*other)  # a stale thumbnail is never shown


def test_keys_are_stable_and_names_that_are_not_utf8_have_their_own(tmp_path: Path) -> None:
    a, b = ThumbnailCache(tmp_path / "one"), ThumbnailCache(tmp_path / "two")
    assert a.path_for("/p/a.jpg", 1, 2).name == b.path_for("/p/a.jpg", 1, 2).name
    latin = os.fsdecode(b"/p/caf\xe9.jpg")
    target = a.store(latin, 1, 2, _thumb())
    assert a.has(latin, 1, 2) and target != a.path_for("/p/café.jpg", 1, 2)


def test_a_failed_write_is_counted_with_a_one_line_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    assert cache.write_warning() is None
    assert cache.try_store("/p/a.jpg", 1, 2, _thumb())

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(thumbnails_module, "atomic_write_bytes", full)
    assert not cache.try_store("/p/b.jpg", 1, 2, _thumb())
    assert cache.write_failures == 1
    warning = cache.write_warning()
    assert warning is not None and "\n" not in warning
    assert warning.startswith(f"could not write 1 thumbnail to {cache.root} (No space left")
    assert not cache.try_store("/p/c.jpg", 1, 2, _thumb())
    assert (cache.write_warning() or "").startswith("could not write 2 thumbnails")
    assert cache.has("/p/a.jpg", 1, 2) and not cache.has("/p/b.jpg", 1, 2)


def test_store_itself_lets_a_write_failure_through(tmp_path: Path) -> None:
    blocker = tmp_path / "thumbs"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(OSError):
        ThumbnailCache(blocker).store("/p/a.jpg", 1, 2, _thumb())
