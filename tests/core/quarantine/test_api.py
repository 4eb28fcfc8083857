"""The public operations end to end: flagged photos, round trips, dry runs, undo, rescans."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.jobs import Progress
from dropletcleaner.core.library.scan import Scanner
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine.outcomes import QuarantineError
from tests.helpers import write_jpeg
from tests.quarantine_helpers import (
    _files,
    _journal,
    _photos,
    _photos_before,
    _quarantine_all,
    _record,
    _snapshot,
)


def test_flagged_paths_uses_score_and_labels(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    a, b, c = lib / "a.jpg", lib / "b.jpg", lib / "trip" / "c.jpg"
    _record(cat, [a], score=0.9)
    _record(cat, [b], score=0.1)
    _record(cat, [c], score=0.95)
    write_jpeg(lib / "d.jpg", size=(32, 32))
    write_jpeg(lib / "e.jpg", size=(32, 32), seed=5)
    _record(cat, [lib / "d.jpg", lib / "e.jpg"], score=0.99)
    other = write_jpeg(tmp_path / "elsewhere" / "x.jpg", size=(32, 32))
    _record(cat, [other], score=0.99)
    cat.set_label([str(b)], "droplet")  # labelled droplet despite a low score
    cat.set_label([str(c)], "clean")  # "clean" wins over a high score
    cat.mark_missing([str(lib / "d.jpg")])
    cat.set_state(str(lib / "e.jpg"), "quarantined")
    cat.record_scans([ScanResult(str(lib / "broken.jpg"), 0, 0, error="empty file")])
    assert q.flagged_paths(cat, lib, 0.5) == [a, b]
    assert q.flagged_paths(cat, lib, 0.95) == [b]


def test_round_trip_is_byte_identical_with_same_mtime(cat: Catalog, lib: Path) -> None:
    os.utime(lib / "a.jpg", ns=(1_000_000_000, 1_234_567_891_000))
    before = _snapshot(lib)
    seen: list[Progress] = []
    report = _quarantine_all(cat, lib, on_progress=seen.append)
    assert report.kind == "quarantine" and report.batch_id is not None
    assert (report.moved, report.skipped, report.failed) == (3, 0, 0)
    assert report.bytes_moved == sum(
        (lib / ".dropletcleaner-quarantine" / n).stat().st_size
        for n in ("a.jpg", "a.xmp", "b.jpg", "trip/c.jpg")
    )
    assert [p.done for p in seen] == [1, 2, 3] and seen[-1].total == 3
    # The quarantine mirrors the library layout; nothing is left behind.
    assert _files(lib) == [
        ".dropletcleaner-quarantine/a.jpg",
        ".dropletcleaner-quarantine/a.xmp",
        ".dropletcleaner-quarantine/b.jpg",
        ".dropletcleaner-quarantine/trip/c.jpg",
    ]
    assert {r.state for r in cat.photos(str(lib))} == {"quarantined"}
    assert cat.get(str(lib / "a.jpg")) is not None  # rows keep their original path
    files = q.quarantined_files(cat)
    assert [f.original for f in files] == _photos_before(lib)
    assert files[0].current == lib / ".dropletcleaner-quarantine" / "a.jpg"
    assert q.quarantined_files(cat, report.batch_id) == files

    back = q.restore(cat, batch_id=report.batch_id)
    assert back.kind == "restore" and back.moved == 3 and back.batch_id != report.batch_id
    assert back.outcomes[0].source == lib / ".dropletcleaner-quarantine" / "a.jpg"
    assert back.outcomes[0].destination == lib / "a.jpg"
    assert back.outcomes[0].sidecars == (lib / "a.xmp",)
    assert _snapshot(lib) == before  # same bytes, same mtimes, quarantine folder gone
    assert {r.state for r in cat.photos(str(lib))} == {"present"}
    assert q.quarantined_files(cat) == []
    assert {s for _, s in _journal(cat)} == {"done"}


def test_dry_run_changes_nothing(cat: Catalog, lib: Path) -> None:
    paths = _photos(lib)
    _record(cat, paths)
    (lib / ".dropletcleaner-quarantine").mkdir()
    (lib / ".dropletcleaner-quarantine" / "b.jpg").write_bytes(b"older")
    before = _snapshot(lib)
    rows = cat.photos()
    report = q.quarantine(cat, paths, library_root=lib, dry_run=True)
    assert report.batch_id is None and report.moved == 0 and report.would_move == 3
    qdir = lib / ".dropletcleaner-quarantine"
    assert [o.destination for o in report.outcomes] == [
        qdir / "a.jpg",
        qdir / "b (1).jpg",
        qdir / "trip" / "c.jpg",
    ]
    assert report.outcomes[0].sidecars == (qdir / "a.xmp",)
    assert report.outcomes[0].size == (lib / "a.jpg").stat().st_size + 12
    assert _snapshot(lib) == before and cat.photos() == rows
    assert not (qdir / "trip").exists()
    assert _journal(cat) == [] and q.list_batches(cat) == []


def test_restore_needs_exactly_one_selection(cat: Catalog, lib: Path) -> None:
    for kwargs in ({}, {"batch_id": "x", "all_batches": True}, {"paths": [lib], "batch_id": "x"}):
        with pytest.raises(QuarantineError, match="exactly one"):
            q.restore(cat, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(QuarantineError, match="no quarantine batch"):
        q.restore(cat, batch_id="nope")
    with pytest.raises(QuarantineError, match="no quarantine batch"):
        q.empty_quarantine(cat, batch_id="nope", trash=lambda p: None)


def test_undo_restores_only_the_latest_open_batch(cat: Catalog, lib: Path) -> None:
    assert q.undo(cat) is None
    a, b, c = _photos_before(lib)
    _record(cat, [a, b, c])
    first = q.quarantine(cat, [a, b], library_root=lib)
    second = q.quarantine(cat, [c], library_root=lib)
    undone = q.undo(cat)
    assert undone is not None and [o.destination for o in undone.outcomes] == [c]
    batches = q.list_batches(cat)
    assert [(b.kind, b.count, b.open_count) for b in batches] == [
        ("restore", 1, 0),
        ("quarantine", 1, 0),
        ("quarantine", 2, 2),
    ]
    assert batches[2].batch_id == first.batch_id and batches[1].batch_id == second.batch_id
    assert batches[2].size_bytes == sum(
        (lib / ".dropletcleaner-quarantine" / n).stat().st_size for n in ("a.jpg", "a.xmp", "b.jpg")
    )
    assert batches[2].destination_root == lib / ".dropletcleaner-quarantine"
    assert batches[0].created_at >= batches[2].created_at
    again = q.undo(cat)
    assert again is not None and again.moved == 2
    assert q.undo(cat) is None


def test_a_batch_moved_out_again_after_its_undo_says_so(cat: Catalog, lib: Path) -> None:
    a, b, c = _photos_before(lib)
    _record(cat, [a, b, c])

    def moved_again() -> dict[str | None, bool]:
        return {x.batch_id: x.moved_again for x in q.list_batches(cat) if x.kind == "quarantine"}

    first = q.quarantine(cat, [a], library_root=lib)
    q.undo(cat)
    assert moved_again() == {first.batch_id: False}  # back in the library: only restored
    redo = q.quarantine(cat, [a], library_root=lib)  # the same photo, from where it came back
    assert moved_again() == {redo.batch_id: False, first.batch_id: True}
    q.undo(cat)  # the redo undone: the photo is out of both, the redo's batch is the latest
    assert moved_again() == {redo.batch_id: False, first.batch_id: True}

    # A batch some of whose photos stayed in the library is not stood for by a later one.
    pair = q.quarantine(cat, [b, c], library_root=lib)
    q.undo(cat)
    only_b = q.quarantine(cat, [b], library_root=lib)
    assert moved_again()[pair.batch_id] is False and moved_again()[only_b.batch_id] is False


class _FakeScorer:
    """Enough of a scorer for the scan pipeline, without a model."""

    version = "fake"
    has_map = True
    looks: tuple[int, ...] = ()
    look_above = 1.0

    def embed_and_map(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((len(pixels), 8), np.float32), np.zeros((len(pixels), 9, 9), np.float32)

    def scores_from_embeddings(self, emb: np.ndarray) -> np.ndarray:
        return np.full(len(emb), 0.9, dtype=np.float32)


def test_rescan_keeps_quarantined_rows_and_skips_the_quarantine(
    cat: Catalog, lib: Path, tmp_path: Path
) -> None:
    def scan() -> list[str]:
        scanner = Scanner(lib, cat, _FakeScorer(), ThumbnailCache(tmp_path / "thumbs"))  # type: ignore[arg-type]
        list(scanner.run())
        return scanner.summary.found

    scan()
    paths = q.flagged_paths(cat, lib, 0.5)
    assert len(paths) == 3
    q.quarantine(cat, paths[:2], library_root=lib)
    found = scan()
    assert found == [str(lib / "trip" / "c.jpg")]  # nothing from the quarantine folder
    states = {Path(r.path).name: r.state for r in cat.photos(str(lib), include_missing=True)}
    assert states == {"a.jpg": "quarantined", "b.jpg": "quarantined", "c.jpg": "present"}
    q.undo(cat)
    scan()
    assert {r.state for r in cat.photos(str(lib), include_missing=True)} == {"present"}
