"""The catalog's tables, and the migrations that bring an older catalog up to date.

Opening a catalog creates what is missing: a new file gets every table, an older one the
columns added since (NULL until the photo is scanned again). Nothing is ever dropped, so an
older release can still read the rows it knows.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS photos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    folder TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    fingerprint TEXT,
    width INTEGER,
    height INTEGER,
    taken_at TEXT,
    score REAL,
    model_version TEXT,
    embedding BLOB,
    droplet_map BLOB,
    label TEXT CHECK (label IN ('droplet', 'clean')),
    labelled_at REAL,
    state TEXT NOT NULL DEFAULT 'present',
    error TEXT,
    scanned_at REAL
);
CREATE INDEX IF NOT EXISTS photos_folder ON photos(folder);
CREATE INDEX IF NOT EXISTS photos_label ON photos(label) WHERE label IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def create_tables(conn: sqlite3.Connection) -> None:
    """Create the photo and meta tables where missing, and add the columns added since."""
    conn.executescript(_SCHEMA)
    _add_missing_columns(conn)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Catalogs made before the droplet map get its column (NULL until re-scanned)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(photos)")}
    if "droplet_map" not in have:
        conn.execute("ALTER TABLE photos ADD COLUMN droplet_map BLOB")
