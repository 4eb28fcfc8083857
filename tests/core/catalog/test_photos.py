"""Catalog: upserts, labels, missing rows, embeddings and prefix queries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dropletcleaner.core.catalog.photos import Catalog, ScanResult, path_prefix_bounds


def _result(path: str, fp: str = "f1", score: float = 0.3) -> ScanResult:
    return ScanResult(
        path=path,
        size=10,
        mtime_ns=5,
        fingerprint=fp,
        score=score,
        model_version="m1",
        embedding=np.arange(4, dtype=np.float32),
    )


def test_record_and_read_back(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans([_result("/lib/a.jpg"), _result("/lib/sub/b.jpg", score=0.9)])
        rec = cat.get("/lib/sub/b.jpg")
        assert rec is not None and rec.score == pytest.approx(0.9)
        assert rec.folder == "/lib/sub" and rec.name == "b.jpg" and rec.state == "present"
        _, emb, labels = cat.embeddings()
        assert emb.dtype == np.float16 and emb.shape == (2, 4)
        assert labels == [None, None]


def test_labels_round_trip_and_survive_unchanged_rescan(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans([_result("/lib/a.jpg")])
        assert cat.set_label(["/lib/a.jpg"], "droplet") == 1
        assert cat.labels() == {"/lib/a.jpg": "droplet"}
        cat.record_scans([_result("/lib/a.jpg")])  # same fingerprint: label kept
        assert cat.labels() == {"/lib/a.jpg": "droplet"}
        cat.record_scans([_result("/lib/a.jpg", fp="f2")])  # new pixels: label dropped
        assert cat.labels() == {}
        with pytest.raises(ValueError):
            cat.set_label(["/lib/a.jpg"], "maybe")


def test_missing_and_back(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans([_result("/lib/a.jpg")])
        assert cat.mark_missing(["/lib/a.jpg"]) == 1
        assert cat.photos() == []
        assert cat.photos(include_missing=True)[0].state == "missing"
        cat.mark_present(["/lib/a.jpg"])
        assert cat.photos()[0].state == "present"


def test_prefix_query_does_not_match_sibling_folders(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans([_result("/lib/a.jpg"), _result("/lib2/b.jpg"), _result("/li/c.jpg")])
        assert [p.path for p in cat.photos("/lib")] == ["/lib/a.jpg"]
        assert set(cat.identities_under("/lib/")) == {"/lib/a.jpg"}
    lo, hi = path_prefix_bounds("/lib")
    assert lo <= "/lib/zzz" < hi and not (lo <= "/lib2" < hi)


def test_update_scores(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans([_result("/lib/a.jpg")])
        ids, _, _ = cat.embeddings()
        cat.update_scores(list(ids), [0.75], "m2")
        rec = cat.get("/lib/a.jpg")
        assert rec is not None and rec.score == pytest.approx(0.75) and rec.model_version == "m2"


def test_scored_embeddings_reads_scores_and_versions_in_one_pass(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        assert cat.scored_embeddings()[1].shape == (0, 0)
        cat.record_scans(
            [
                _result("/lib/a.jpg", score=0.25),
                _result("/lib/b.jpg", score=0.75),
                ScanResult(path="/lib/broken.jpg", size=0, mtime_ns=0, error="empty file"),
            ]
        )
        b = cat.get("/lib/b.jpg")
        assert b is not None
        cat.update_scores([b.id], [0.5], "m2")
        ids, emb, scores, versions = cat.scored_embeddings()
        by_id = dict(zip(ids.tolist(), zip(scores.tolist(), versions, strict=True), strict=True))
        assert emb.dtype == np.float16 and emb.shape == (2, 4)
        assert by_id[b.id] == (0.5, "m2")
        assert sorted(by_id.values()) == [(0.25, "m1"), (0.5, "m2")]


def test_droplet_maps_are_stored_compactly_and_read_back(tmp_path: Path) -> None:
    grid = np.arange(81, dtype=np.uint8).reshape(9, 9)
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans(
            [
                ScanResult(path="/lib/wet.jpg", size=1, mtime_ns=1, score=0.9, droplet_map=grid),
                _result("/lib/old.jpg"),
            ]
        )
        back = cat.droplet_map("/lib/wet.jpg")
        assert back is not None and back.dtype == np.uint8 and np.array_equal(back, grid)
        blob = cat.connection.execute(
            "SELECT length(droplet_map) FROM photos WHERE path = '/lib/wet.jpg'"
        ).fetchone()[0]
        assert blob == 81  # one byte a cell
        assert cat.droplet_map("/lib/old.jpg") is None
        assert cat.droplet_map("/lib/unknown.jpg") is None


def test_a_catalog_from_before_droplet_maps_gains_the_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, folder TEXT "
        "NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, "
        "fingerprint TEXT, width INTEGER, height INTEGER, taken_at TEXT, score REAL, "
        "model_version TEXT, embedding BLOB, label TEXT, labelled_at REAL, state TEXT NOT NULL "
        "DEFAULT 'present', error TEXT, scanned_at REAL)"
    )
    conn.execute(
        "INSERT INTO photos (path, folder, name, size, mtime_ns, score) "
        "VALUES ('/lib/a.jpg', '/lib', 'a.jpg', 1, 1, 0.4)"
    )
    conn.commit()
    conn.close()
    with Catalog(path) as cat:
        assert cat.droplet_map("/lib/a.jpg") is None
        rec = cat.get("/lib/a.jpg")
        assert rec is not None and rec.score == pytest.approx(0.4)
        cat.record_scans([ScanResult("/lib/a.jpg", 1, 1, droplet_map=np.ones((9, 9), np.uint8))])
        got = cat.droplet_map("/lib/a.jpg")
        assert got is not None and got.shape == (9, 9)


def test_photos_per_version_and_paths_of_ids(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans([_result("/lib/a.jpg"), _result("/lib/b.jpg"), _result("/lib/c.jpg")])
        ids = {p: cat.get(p).id for p in ("/lib/a.jpg", "/lib/b.jpg")}  # type: ignore[union-attr]
        cat.update_scores([ids["/lib/b.jpg"]], [0.5], "m2")
        assert cat.photos_per_version() == {"m1": 2, "m2": 1}
        assert cat.paths_of([*ids.values(), 999]) == {i: p for p, i in ids.items()}
