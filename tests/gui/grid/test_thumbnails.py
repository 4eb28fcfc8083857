"""Thumbnails load in the background, newest first, into a cache bounded in bytes."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSize

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.gui.grid.thumbnails import ThumbnailService
from dropletcleaner.gui.threads import running_threads
from tests.helpers import write_jpeg


def record_for(path: Path, error: str | None = None) -> PhotoRecord:
    st = path.stat() if path.exists() else None
    return PhotoRecord(
        id=1,
        path=str(path),
        folder=str(path.parent),
        name=path.name,
        size=st.st_size if st else 0,
        mtime_ns=st.st_mtime_ns if st else 0,
        fingerprint=None,
        width=None,
        height=None,
        taken_at=None,
        score=0.5,
        model_version="v",
        label=None,
        state="present",
        error=error,
        scanned_at=None,
    )


def test_thumbnails_load_in_the_background_with_a_bounded_cache(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = ThumbnailCache(tmp_path / "thumbs")
    photos = [write_jpeg(tmp_path / f"p{i}.jpg", size=(400, 300), seed=i) for i in range(4)]
    recs = [record_for(p) for p in photos]
    # Two have cached thumbnails; the others are read from the photo itself.
    for rec in recs[:2]:
        cache.store(rec.path, rec.size, rec.mtime_ns, Image.new("RGB", (256, 192), "red"))
    one = 96 * 72 * 4  # bytes of one pixmap at this box size
    service = ThumbnailService(cache, QSize(96, 96), budget_bytes=int(one * 2.5))
    try:
        assert service.pixmap(recs[0]) is None  # not loaded yet: asks the thread
        with qtbot.waitSignal(service.ready, timeout=10_000) as blocker:
            pass
        assert blocker.args == [recs[0].path]
        pm = service.pixmap(recs[0])
        assert pm is not None and (pm.width(), pm.height()) == (96, 72)
        assert pm.toImage().pixelColor(48, 36).red() > 200  # the cached red thumbnail

        ready: list[str] = []
        service.ready.connect(ready.append)
        for rec in recs[1:]:
            service.pixmap(rec)
        qtbot.waitUntil(lambda: len(ready) == 3, timeout=10_000)
        assert sorted(ready) == sorted(r.path for r in recs[1:])
        assert service.cached_count() == 2  # the budget holds two and a half pixmaps
        assert service.requested == 4
        assert service.pixmap(recs[0]) is None  # least recently used: evicted, asked again
        assert service.requested == 5

        broken = tmp_path / "broken.jpg"
        broken.write_bytes(b"not an image")
        bad = record_for(broken)
        with qtbot.waitSignal(
            service.ready, timeout=10_000, check_params_cb=lambda path: path == bad.path
        ):
            service.pixmap(bad)
        assert service.pixmap(bad) is None and service.failed(bad)
        unreadable = record_for(broken, error="not a recognised image format")
        before = service.requested
        assert service.pixmap(unreadable) is None and service.requested == before
    finally:
        service.shutdown()
    assert not running_threads()
