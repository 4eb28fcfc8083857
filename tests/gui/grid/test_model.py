"""The grid model: sorting, filtering, counts, stable selection, and 50,000 rows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPixmap

from dropletcleaner.core.catalog.photos import STATE_PRESENT, STATE_QUARANTINED, PhotoRecord
from dropletcleaner.gui.grid.model import (
    Filter,
    PhotoModel,
    Roles,
    SortKey,
    ThumbnailSource,
    is_flagged,
    matches,
)


def rec(
    name: str,
    score: float | None,
    *,
    folder: str = "/lib",
    label: str | None = None,
    state: str = STATE_PRESENT,
    error: str | None = None,
    taken_at: str | None = None,
    mtime_ns: int = 1_600_000_000 * 10**9,
) -> PhotoRecord:
    return PhotoRecord(
        id=0,
        path=f"{folder}/{name}",
        folder=folder,
        name=name,
        size=1000,
        mtime_ns=mtime_ns,
        fingerprint="f",
        width=640,
        height=480,
        taken_at=taken_at,
        score=score,
        model_version="v",
        label=label,
        state=state,
        error=error,
        scanned_at=0.0,
    )


SAMPLE = [
    rec("a.jpg", 0.95, taken_at="2023-05-01 10:00:00"),
    rec("B.jpg", 0.55, folder="/lib/z", taken_at="2021-01-01 09:00:00"),
    rec("c.jpg", 0.10, folder="/lib/y", label="droplet"),  # labelled droplet: flagged anyway
    rec("d.jpg", 0.80, label="clean", taken_at="2024-02-02 08:00:00"),  # clean label wins
    rec("e.jpg", 0.45),
    rec("f.jpg", None, error="not a recognised image format"),
    rec("g.jpg", 0.99, state=STATE_QUARANTINED),
]


def names(model: PhotoModel) -> list[str]:
    return [model.record_at(r).name for r in range(model.rowCount())]


def test_default_sort_is_confidence_descending_with_unreadable_last() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    assert model.sort_key is SortKey.CONFIDENCE
    # Quarantined photos are not in the folder, so "All photos" leaves them out.
    assert names(model) == ["a.jpg", "d.jpg", "B.jpg", "e.jpg", "c.jpg", "f.jpg"]


def test_sort_by_name_date_and_folder() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    model.set_sort_key(SortKey.NAME)
    assert names(model) == ["a.jpg", "B.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg"]
    model.set_sort_key(SortKey.DATE)
    # Photos without EXIF dates sort by file time (September 2020 here), among dated ones.
    assert names(model) == ["e.jpg", "f.jpg", "c.jpg", "B.jpg", "a.jpg", "d.jpg"]
    model.set_sort_key(SortKey.FOLDER)
    assert names(model) == ["a.jpg", "d.jpg", "e.jpg", "f.jpg", "c.jpg", "B.jpg"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Filter.FLAGGED, {"a.jpg", "B.jpg", "c.jpg"}),
        (Filter.UNCERTAIN, {"B.jpg", "e.jpg"}),
        (Filter.CLEAN, {"d.jpg", "e.jpg"}),
        (Filter.LABELLED, {"c.jpg", "d.jpg"}),
        (Filter.QUARANTINED, {"g.jpg"}),
        (Filter.ERRORS, {"f.jpg"}),
    ],
)
def test_filters(kind: Filter, expected: set[str]) -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    model.set_filter(kind)
    assert set(names(model)) == expected
    assert model.counts().for_filter(kind) == len(expected)


def test_counts_agree_with_filters_at_every_threshold() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    for t in (0.05, 0.3, 0.5, 0.56, 0.9, 0.99):
        model.set_threshold(t)
        counts = model.counts()
        for kind in Filter:
            expected = sum(matches(r, kind, t) for r in SAMPLE)
            assert counts.for_filter(kind) == expected, (t, kind)
        assert counts.flagged == sum(is_flagged(r, t) for r in SAMPLE)
        under = [r for r in SAMPLE if matches(r, Filter.UNCERTAIN, t) and not is_flagged(r, t)]
        assert counts.just_under == len(under), t


def test_threshold_refilters_the_flagged_view() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    model.set_filter(Filter.FLAGGED)
    model.set_threshold(0.9)
    assert set(names(model)) == {"a.jpg", "c.jpg"}
    model.set_threshold(0.3, refilter=False)  # while the slider is dragged: repaint only
    assert set(names(model)) == {"a.jpg", "c.jpg"}
    assert model.counts().flagged == 4
    model.refresh()
    assert set(names(model)) == {"a.jpg", "B.jpg", "c.jpg", "e.jpg"}


def test_persistent_indexes_follow_their_photo_through_sort_and_filter() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    pidx = QPersistentModelIndex(model.index(names(model).index("e.jpg")))
    gone = QPersistentModelIndex(model.index(names(model).index("a.jpg")))
    model.set_sort_key(SortKey.NAME)
    assert model.record_at(pidx.row()).name == "e.jpg"
    model.set_filter(Filter.CLEAN)
    assert model.record_at(pidx.row()).name == "e.jpg"
    assert not gone.isValid()  # a.jpg is flagged: filtered out


def test_in_place_label_update_keeps_rows_still() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    model.set_filter(Filter.FLAGGED)
    before = names(model)
    model.upsert(model.with_label(["/lib/a.jpg"], "clean"), resort=False)
    assert names(model) == before  # the photo under review does not jump away
    assert model.record("/lib/a.jpg").label == "clean"  # type: ignore[union-attr]
    assert model.counts().flagged == 2
    model.refresh()
    assert "a.jpg" not in names(model)


def test_upsert_adds_scan_results_in_sort_order_and_remove() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE[:2])
    model.upsert([rec("new.jpg", 0.99), rec("a.jpg", 0.01)])
    assert names(model) == ["new.jpg", "B.jpg", "a.jpg"]
    model.remove_paths(["/lib/new.jpg"])
    assert names(model) == ["B.jpg", "a.jpg"]


def test_roles_expose_the_record() -> None:
    model = PhotoModel()
    model.replace_all(SAMPLE)
    idx = model.index(0)
    assert idx.data(Roles.PATH) == "/lib/a.jpg"
    assert idx.data(Roles.SCORE) == pytest.approx(0.95)
    assert idx.data(Roles.FLAGGED) is True
    assert idx.data(Qt.ItemDataRole.DisplayRole) == "a.jpg"
    # The score as a number, with what it means at the threshold: no percentage.
    tip = idx.data(Qt.ItemDataRole.ToolTipRole)
    assert "Droplet score 0.95 · flagged (threshold 0.50)" in tip and "%" not in tip
    assert model.roleNames()[int(Roles.SCORE)] == b"score"


class _CountingThumbs(ThumbnailSource):
    """A thumbnail source that never loads anything but counts what is asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()
        self.pm = QPixmap(QSize(64, 48))
        self.pm.fill(Qt.GlobalColor.darkCyan)

    def pixmap(self, record: PhotoRecord) -> QPixmap | None:
        self.asked.add(record.path)
        return self.pm

    def failed(self, record: PhotoRecord) -> bool:
        return False


def fake_rows(n: int) -> list[PhotoRecord]:
    return [
        rec(
            f"IMG_{i:05d}.jpg",
            (i * 7919 % 10007) / 10007,
            folder=f"/big/{i % 37:02d}",
            mtime_ns=(1_500_000_000 + i * 60) * 10**9,
            label=("droplet", "clean", None, None, None)[i % 5],
        )
        for i in range(n)
    ]


def test_fifty_thousand_rows_scroll_and_sort_lazily(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.gui.grid.delegate import PhotoDelegate
    from dropletcleaner.gui.grid.view import PhotoGrid

    n = 50_000
    thumbs = _CountingThumbs()
    model = PhotoModel(thumbs)
    grid = PhotoGrid()
    qtbot.addWidget(grid)
    delegate = PhotoDelegate(grid)
    grid.setItemDelegate(delegate)
    grid.setModel(model)
    grid.set_cell_size(delegate.cell_size(grid.font()) + QSize(8, 8))
    grid.resize(1000, 700)
    grid.show()
    qtbot.waitExposed(grid)

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    model.replace_all(fake_rows(n))
    qtbot.wait(50)
    grid.viewport().repaint()
    timings["fill"] = time.perf_counter() - t0
    assert model.rowCount() == n

    cols = max(1, grid.viewport().width() // grid.gridSize().width())
    visible_rows = grid.viewport().height() // grid.gridSize().height() + 2
    on_screen = cols * visible_rows

    t0 = time.perf_counter()
    bar = grid.verticalScrollBar()
    assert bar.maximum() > 0
    grid.selectionModel().setCurrentIndex(
        model.index(0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    for step in range(1, 41):  # scroll through the whole library in 40 jumps
        bar.setValue(bar.maximum() * step // 40)
        grid.viewport().repaint()
    timings["scroll"] = time.perf_counter() - t0
    assert bar.value() == bar.maximum()

    for key in (SortKey.NAME, SortKey.DATE, SortKey.FOLDER, SortKey.CONFIDENCE):
        t0 = time.perf_counter()
        model.set_sort_key(key)
        grid.viewport().repaint()
        timings[f"sort {key.value}"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.set_filter(Filter.FLAGGED)
    model.set_threshold(0.7)
    grid.viewport().repaint()
    timings["filter"] = time.perf_counter() - t0
    assert 0 < model.rowCount() < n

    # Lazy: only painted cells ask for thumbnails, a screenful per repaint at most.
    repaints = 1 + 40 + 4 + 1
    print(f"painted {delegate.paint_count} cells, {len(thumbs.asked)} thumbnails asked")
    assert delegate.paint_count >= repaints  # it really painted each time
    assert len(thumbs.asked) <= on_screen * repaints
    assert model.thumbnail_requests <= on_screen * repaints * 2
    assert delegate.paint_count <= on_screen * repaints * 2
    print("50,000 rows:", {k: f"{v * 1000:.0f} ms" for k, v in timings.items()})
    # Sanity bound only (shared CI machines vary): nothing may take anywhere near a stall.
    assert max(timings.values()) < 20.0


def test_incremental_updates_match_a_full_sort_and_keep_the_selection() -> None:
    import random

    rng = random.Random(7)
    model = PhotoModel()
    model.replace_all(fake_rows(300))
    model.set_filter(Filter.FLAGGED)
    watched = QPersistentModelIndex(model.index(5))
    watched_path = model.record_at(5).path
    for _ in range(40):
        batch = []
        for _ in range(rng.randint(1, 12)):
            i = rng.randrange(400)  # some new paths, some known ones
            batch.append(
                rec(
                    f"IMG_{i:05d}.jpg",
                    rng.random(),
                    folder=f"/big/{i % 37:02d}",
                    label=rng.choice([None, None, "droplet", "clean"]),
                    error=None if rng.random() > 0.05 else "truncated",
                )
            )
        model.upsert(batch)
        if rng.random() < 0.2:
            model.remove_paths([model.record_at(rng.randrange(model.rowCount())).path])
        expected, _ = model._compute_view()
        assert model.visible_paths() == expected
        if watched.isValid():
            assert model.record_at(watched.row()).path == watched_path
        for kind in Filter:  # the incremental counts agree with a recount
            assert model.counts().for_filter(kind) == sum(
                matches(r, kind, model.threshold) for r in model.records()
            )


def test_small_scan_batches_on_a_big_library_do_not_resort(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = PhotoModel()
    model.replace_all(fake_rows(50_000))
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    t0 = time.perf_counter()
    for b in range(20):
        model.upsert([rec(f"NEW_{b}_{i}.jpg", (b * 32 + i) / 640) for i in range(32)])
    per_batch = (time.perf_counter() - t0) / 20
    print(f"32-row scan batch into 50,000 rows: {per_batch * 1000:.1f} ms")
    assert layouts == []  # rows were inserted where they belong, no full re-sort
    assert model.rowCount() == 50_000 + 640
    expected, _ = model._compute_view()
    assert model.visible_paths() == expected
