"""Same-shot suggestions: copies of a photo marked clean are offered, other photos are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from dropletcleaner.core.catalog.photos import STATE_PRESENT, STATE_QUARANTINED, PhotoRecord
from dropletcleaner.core.library.same_shot import (
    SAME_SHOT_BITS,
    ShotHashes,
    flagged_unlabelled,
    same_shot,
)
from dropletcleaner.core.library.thumbnails import ThumbnailCache


def _scene(seed: int) -> Image.Image:
    """A smooth, photo-like 256x192 scene: broad shapes, as a thumbnail has."""
    rng = np.random.default_rng(seed)
    small = rng.normal(0, 1, (12, 16, 3)).cumsum(0).cumsum(1)
    small = (small - small.min()) / (np.ptp(small) + 1e-6) * 220 + 15
    return Image.fromarray(small.astype(np.uint8)).resize((256, 192), Image.Resampling.BICUBIC)


def _record(
    path: str, *, score: float | None = 0.97, label: str | None = None, state: str = STATE_PRESENT
) -> PhotoRecord:
    return PhotoRecord(
        id=1,
        path=path,
        folder=str(Path(path).parent),
        name=Path(path).name,
        size=1000,
        mtime_ns=7,
        fingerprint=None,
        width=4000,
        height=3000,
        taken_at=None,
        score=score,
        model_version="droplet-test",
        label=label,
        state=state,
        error=None,
        scanned_at=None,
    )


def _stored(cache: ThumbnailCache, path: str, thumb: Image.Image, **kw: object) -> PhotoRecord:
    record = _record(path, **kw)  # type: ignore[arg-type]
    cache.store(record.path, record.size, record.mtime_ns, thumb)
    return record


def test_blurred_darker_and_blocky_copies_are_offered_and_other_photos_are_not(
    tmp_path: Path,
) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    scene = _scene(1)
    marked = _stored(cache, "/lib/IMG_1.jpg", scene)
    blurred = _stored(cache, "/lib/IMG_2.jpg", scene.filter(ImageFilter.GaussianBlur(3)))
    darker = _stored(cache, "/lib/IMG_3.jpg", ImageEnhance.Brightness(scene).enhance(0.5))
    small = scene.resize((64, 48)).resize((256, 192), Image.Resampling.NEAREST)
    blocky = _stored(cache, "/lib/IMG_4.jpg", small)
    others = [_stored(cache, f"/lib/other_{s}.jpg", _scene(s)) for s in range(10, 16)]

    found = same_shot([marked], [marked, blurred, darker, blocky, *others], ShotHashes(cache))

    assert {s.path for s in found} == {blurred.path, darker.path, blocky.path}
    assert all(s.bits <= SAME_SHOT_BITS for s in found)
    assert [s.bits for s in found] == sorted(s.bits for s in found)  # nearest first


def test_photos_without_a_thumbnail_are_neither_anchors_nor_suggestions(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    scene = _scene(2)
    marked = _stored(cache, "/lib/a.jpg", scene)
    unseen = _record("/lib/b.jpg")  # never scanned to a thumbnail
    damaged = _record("/lib/c.jpg")
    target = cache.path_for(damaged.path, damaged.size, damaged.mtime_ns)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\xff\xd8 not really a jpeg")
    hashes = ShotHashes(cache)

    assert same_shot([marked], [unseen, damaged], hashes) == []
    assert same_shot([unseen], [marked], hashes) == []


def test_an_edited_file_is_hashed_afresh(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    marked = _stored(cache, "/lib/a.jpg", _scene(3))
    copy = _stored(cache, "/lib/b.jpg", _scene(3))
    hashes = ShotHashes(cache)
    assert [s.path for s in same_shot([marked], [copy], hashes)] == [copy.path]
    # The same file, edited into another picture: a new size and mtime, a new thumbnail.
    edited = PhotoRecord(**{**copy.__dict__, "size": 2000, "mtime_ns": 9})
    cache.store(edited.path, edited.size, edited.mtime_ns, _scene(30))
    assert same_shot([marked], [edited], hashes) == []


def test_only_flagged_unlabelled_photos_on_disk_are_candidates() -> None:
    records = [
        _record("/lib/flagged.jpg", score=0.95),
        _record("/lib/below.jpg", score=0.5),
        _record("/lib/unscored.jpg", score=None),
        _record("/lib/labelled.jpg", score=0.99, label="clean"),
        _record("/lib/moved.jpg", score=0.99, state=STATE_QUARANTINED),
    ]
    assert [r.path for r in flagged_unlabelled(records, 0.94)] == ["/lib/flagged.jpg"]
