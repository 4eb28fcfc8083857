"""Issue 10, case 3 in the desktop app: a file name that is not valid UTF-8 is shown
readably, its thumbnail loads, and signals hand back the exact path (Qt's QString would
drop the undecodable bytes). Also: the app's own photo reads refuse a FIFO at once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt

from dropletcleaner.core.catalog.photos import PhotoRecord
from tests.hostile import corpus

pytest.importorskip("pytestqt")


def _record(path: str, size: int, mtime_ns: int) -> PhotoRecord:
    return PhotoRecord(
        id=1,
        path=path,
        folder=os.path.dirname(path),
        name=os.path.basename(path),
        size=size,
        mtime_ns=mtime_ns,
        fingerprint=None,
        width=None,
        height=None,
        taken_at=None,
        score=0.5,
        model_version="v",
        label=None,
        state="present",
        error=None,
        scanned_at=None,
    )


def _latin1_photo(tmp_path: Path) -> PhotoRecord:
    raw = os.path.join(os.fsencode(tmp_path), corpus.LATIN1_NAME)
    with open(raw, "wb") as out:
        out.write(corpus.good_jpeg(5, size=(120, 80)))
    st = os.stat(raw)
    return _record(os.fsdecode(raw), st.st_size, st.st_mtime_ns)


def test_case3_gui_shows_the_name_readably(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.gui.grid.model import PhotoModel

    rec = _latin1_photo(tmp_path)
    model = PhotoModel()
    model.replace_all([rec])
    shown = model.data(model.index(0), Qt.ItemDataRole.DisplayRole)
    assert shown == "caf\\xe9.jpg"  # not "caf.jpg", which Qt would make of it
    assert "caf\\xe9.jpg" in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)


def test_case3_gui_thumbnail_of_a_name_that_is_not_utf8(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.core.library.thumbnails import ThumbnailCache
    from dropletcleaner.gui.grid.thumbnails import ThumbnailService

    rec = _latin1_photo(tmp_path)
    service = ThumbnailService(ThumbnailCache(tmp_path / "thumbs"), QSize(64, 64))
    try:
        assert service.pixmap(rec) is None  # not cached: read from the photo itself
        with qtbot.waitSignal(service.ready, timeout=10_000) as blocker:
            pass
        assert blocker.args == [rec.path]  # the exact path, surrogates and all
        pm = service.pixmap(rec)
        assert pm is not None and pm.width() == 64
    finally:
        service.shutdown()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_gui_thumbnail_of_a_fifo_fails_at_once(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.core.library.thumbnails import ThumbnailCache
    from dropletcleaner.gui.grid.thumbnails import ThumbnailService

    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    rec = _record(str(fifo), 0, 0)
    service = ThumbnailService(ThumbnailCache(tmp_path / "thumbs"), QSize(64, 64))
    try:
        service.pixmap(rec)
        with qtbot.waitSignal(service.ready, timeout=10_000):
            pass
        assert service.failed(rec)
    finally:
        service.shutdown()


def test_case3_errors_panel_hands_back_the_exact_path(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.gui.errors_panel import ErrorsPanel

    path = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"bad-\xff.jpg"))
    panel = ErrorsPanel()
    qtbot.addWidget(panel)
    panel.set_errors([(path, "not a recognised image format")])
    item = panel._tree.topLevelItem(0)
    assert item.text(0) == "bad-\\xff.jpg"
    with qtbot.waitSignal(panel.photoActivated, timeout=2_000) as blocker:
        panel._tree.itemActivated.emit(item, 0)
    assert blocker.args == [path]


def test_case8_gui_scan_of_a_garbage_catalog_fails_with_one_line(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.core.library.thumbnails import ThumbnailCache
    from dropletcleaner.gui.model_loading import ModelHandle
    from dropletcleaner.gui.scans import ScanController

    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(corpus.good_jpeg())
    db = tmp_path / "catalog.sqlite3"
    garbage = b"\x01garbage" * 512
    db.write_bytes(garbage)
    scans = ScanController(db, ThumbnailCache(tmp_path / "thumbs"))
    try:  # the scan thread waits for a model that never loads: always stop it
        with qtbot.waitSignal(scans.failed, timeout=20_000) as blocker:
            scans.start(str(tmp_path / "photos"), ModelHandle())
        message = blocker.args[-1]
        assert str(db) in message and "damaged" in message and "\n" not in message
        assert "Traceback" not in message and not message.startswith("CatalogError")
        assert db.read_bytes() == garbage
    finally:
        stopped = scans.shutdown()
    assert stopped
