"""The catalog's tables: made when missing, and an older catalog brought up to date."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.catalog.schema import SCHEMA_VERSION, create_tables

# A catalog of the release before droplet maps: the photos table without that column.
_OLD_PHOTOS = """
CREATE TABLE photos (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, folder TEXT NOT NULL,
    name TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    fingerprint TEXT, width INTEGER, height INTEGER, taken_at TEXT, score REAL,
    model_version TEXT, embedding BLOB,
    label TEXT CHECK (label IN ('droplet', 'clean')), labelled_at REAL,
    state TEXT NOT NULL DEFAULT 'present', error TEXT, scanned_at REAL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO photos (path, folder, name, size, mtime_ns, score, label)
    VALUES ('/p/old.jpg', '/p', 'old.jpg', 10, 1, 0.8, 'droplet');
"""


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(photos)")}


def test_a_new_database_gets_every_table_and_index() -> None:
    conn = sqlite3.connect(":memory:")
    create_tables(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"photos", "meta"} <= tables
    assert {"photos_folder", "photos_label"} <= indexes
    assert {"path", "embedding", "droplet_map", "label", "state"} <= _columns(conn)
    create_tables(conn)  # a second time changes nothing and does not fail


def test_an_older_catalog_gains_the_droplet_map_column_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(_OLD_PHOTOS)
        assert "droplet_map" not in _columns(conn)
    conn.close()
    with Catalog(path) as cat:
        assert "droplet_map" in _columns(cat.connection)
        rec = cat.get("/p/old.jpg")
        assert rec is not None and (rec.score, rec.label, rec.state) == (0.8, "droplet", "present")
        assert cat.droplet_map("/p/old.jpg") is None  # NULL until scanned again
        assert cat.get_meta("schema_version") == str(SCHEMA_VERSION)
        grid = np.full((4, 4), 200, np.uint8)
        cat.record_scans([ScanResult("/p/old.jpg", 10, 2, "fp", score=0.9, droplet_map=grid)])
        stored = cat.droplet_map("/p/old.jpg")
        assert stored is not None
        np.testing.assert_array_equal(stored, grid)


def test_a_new_catalog_records_its_schema_version(tmp_path: Path) -> None:
    with Catalog(tmp_path / "new.sqlite3") as cat:
        assert cat.get_meta("schema_version") == str(SCHEMA_VERSION)
