"""The scan controller: rows streamed while scanning, waiting for the model, cancel; the rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.gui.model_loading import ModelHandle
from dropletcleaner.gui.scans import ScanController, _RateMeter
from tests.helpers import write_jpeg


def test_scan_controller_streams_rows_and_finishes(qtbot, tmp_path: Path, bundle) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        write_jpeg(tmp_path / "photos" / f"p{i}.jpg", size=(200, 150), seed=i)
    handle = ModelHandle()
    handle.set(bundle)
    scans = ScanController(tmp_path / "catalog.sqlite3", ThumbnailCache(tmp_path / "thumbs"))
    snapshots: list[list[PhotoRecord]] = []
    rows: list[PhotoRecord] = []
    scans.snapshot.connect(lambda _root, recs: snapshots.append(recs))
    scans.rows.connect(lambda _root, recs: rows.extend(recs))
    with qtbot.waitSignal(scans.finished, timeout=60_000) as blocker:
        scans.start(str(tmp_path / "photos"), handle)
    outcome = blocker.args[0]
    assert snapshots == [[]]  # nothing known before the first scan
    assert sorted(r.name for r in rows) == [f"p{i}.jpg" for i in range(5)]
    assert all(r.score is not None for r in outcome.records)
    assert len(outcome.records) == 5 and not scans.is_running()
    assert scans.shutdown()


def test_scan_waits_for_the_model_and_can_be_cancelled_meanwhile(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_jpeg(tmp_path / "photos" / "a.jpg")
    handle = ModelHandle()  # never loaded
    scans = ScanController(tmp_path / "catalog.sqlite3", ThumbnailCache(tmp_path / "thumbs"))
    phases: list[str] = []
    scans.progress.connect(lambda _root, st: phases.append(st.phase))
    with qtbot.waitSignal(scans.progress, timeout=10_000):
        scans.start(str(tmp_path / "photos"), handle)
    assert phases == ["loading"]
    with qtbot.waitSignal(scans.finished, timeout=10_000) as blocker:
        scans.stop()
    assert blocker.args[0].summary.cancelled
    assert scans.shutdown()


def test_rate_meter_uses_a_sliding_window() -> None:
    meter = _RateMeter(window_s=5.0)
    assert meter.add(0.0, 0) is None
    assert meter.add(0.2, 10) is None  # too soon to say
    assert meter.add(2.0, 100) == pytest.approx(50.0)
    for t in range(3, 20):
        rate = meter.add(float(t), 100 + (t - 2) * 10)
    assert rate == pytest.approx(10.0)  # the old fast start has left the window
