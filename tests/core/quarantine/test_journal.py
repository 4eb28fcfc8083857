"""Settling a restore: the photo's catalog row follows it back, or waits for a rescan."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.quarantine import api as q
from tests.quarantine_helpers import (
    _quarantine_all,
)


def test_restore_beside_a_stale_catalog_row_leaves_the_photo_to_a_rescan(
    cat: Catalog, lib: Path
) -> None:
    _quarantine_all(cat, lib)
    (lib / "a.jpg").write_bytes(b"new")
    cat.record_scans([ScanResult(str(lib / "a (1).jpg"), 1, 1, error="gone")])
    cat.mark_missing([str(lib / "a (1).jpg")])
    q.restore(cat, paths=[lib / "a.jpg"])
    row = cat.get(str(lib / "a.jpg"))
    assert row is not None and row.state == "missing"
    assert (lib / "a (1).jpg").stat().st_size > 3
