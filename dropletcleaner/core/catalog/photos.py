"""The embedded SQLite catalog: one row per photo with its identity, score, embedding and label.

The catalog is the only shared state between the scanner, the quarantine, the GUI and
retraining. Each thread opens its own :class:`Catalog` on the same file; WAL mode lets
readers work while a scan writes. Opening a damaged, locked or read-only catalog raises
:class:`~dropletcleaner.core.catalog.db.CatalogError` with one line to show; the file is
never changed or deleted by a failed open. Paths that are not valid UTF-8 are stored as
their own bytes (see :mod:`dropletcleaner.core.catalog.db`). The tables and their migrations
are in :mod:`.schema`, the label queries in :mod:`.labels`.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropletcleaner.core.catalog.db import CatalogError, catalog_error, connect
from dropletcleaner.core.catalog.labels import LabelQueries
from dropletcleaner.core.catalog.schema import SCHEMA_VERSION, create_tables
from dropletcleaner.core.paths import default_catalog_path

__all__ = ["Catalog", "CatalogError", "PhotoRecord", "ScanResult"]

# Photo states. An unreadable file is "present" with a non-empty ``error``.
STATE_PRESENT = "present"
STATE_MISSING = "missing"
STATE_QUARANTINED = "quarantined"


_PHOTO_COLUMNS = (
    "id, path, folder, name, size, mtime_ns, fingerprint, width, height, taken_at, "
    "score, model_version, label, state, error, scanned_at"
)


@dataclass(frozen=True)
class PhotoRecord:
    """One catalogued photo, without its embedding (fetch those in bulk with ``embeddings``)."""

    id: int
    path: str
    folder: str
    name: str
    size: int
    mtime_ns: int
    fingerprint: str | None
    width: int | None
    height: int | None
    taken_at: str | None
    score: float | None
    model_version: str | None
    label: str | None
    state: str
    error: str | None
    scanned_at: float | None


@dataclass(frozen=True)
class ScanResult:
    """What the scanner learned about one file; ``error`` set means it could not be read."""

    path: str
    size: int
    mtime_ns: int
    fingerprint: str | None = None
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None
    score: float | None = None
    model_version: str | None = None
    embedding: np.ndarray | None = None
    # Droplet map: water coverage per cell of the model's grid, 0-255, square (see maps.py).
    droplet_map: np.ndarray | None = None
    error: str | None = None
    # The same file by the release 1 fingerprint function: a row stored with that one keeps
    # its label when the content is unchanged (see fingerprint.py).
    legacy_fingerprint: str | None = None


def path_prefix_bounds(root: str) -> tuple[str, str]:
    """SQLite range ``[lo, hi)`` matching every path strictly inside folder ``root``."""
    base = root.rstrip("/\\")
    sep = "\\" if "\\" in base and "/" not in base else "/"
    lo = base + sep
    hi = base + chr(ord(sep) + 1)
    return lo, hi


class Catalog(LabelQueries):
    """A connection to the catalog database. Not shared across threads: open one per thread."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_catalog_path()
        try:
            self._open()
        except (sqlite3.Error, OSError) as exc:
            if getattr(self, "_conn", None) is not None:
                self._conn.close()
            raise catalog_error(exc, self.path) from exc

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn: sqlite3.Connection = connect(self.path)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        create_tables(self._conn)
        if self.get_meta("schema_version") is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))

    # -- plumbing -----------------------------------------------------------------------
    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for core modules that keep their own tables (e.g. the journal)."""
        return self._conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on error. Not re-entrant."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            # SQLite rolls back by itself on some errors (a full disk): a second ROLLBACK
            # would fail and hide the error that says what happened.
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- scanning -----------------------------------------------------------------------
    def identities_under(self, root: str) -> dict[str, tuple[int, int, str, str | None]]:
        """``path -> (size, mtime_ns, state, model_version)`` for every row inside ``root``."""
        lo, hi = path_prefix_bounds(root)
        rows = self._conn.execute(
            "SELECT path, size, mtime_ns, state, model_version FROM photos "
            "WHERE path >= ? AND path < ?",
            (lo, hi),
        )
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def record_scans(self, results: Sequence[ScanResult]) -> None:
        """Insert or update scanned files in one transaction.

        A file whose size, mtime or fingerprint changed loses its user label, because the
        label described different pixels.
        """
        now = time.time()
        with self.transaction() as conn:
            for r in results:
                p = Path(r.path)
                emb = None if r.embedding is None else _pack_embedding(r.embedding)
                grid = None if r.droplet_map is None else _pack_map(r.droplet_map)
                conn.execute(
                    """
                    INSERT INTO photos (path, folder, name, size, mtime_ns, fingerprint, width,
                        height, taken_at, score, model_version, embedding, droplet_map, state,
                        error, scanned_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'present', ?, ?)
                    ON CONFLICT(path) DO UPDATE SET
                        label = CASE WHEN photos.fingerprint IS excluded.fingerprint
                                       OR (? IS NOT NULL AND photos.fingerprint IS ?)
                                     THEN photos.label ELSE NULL END,
                        folder = excluded.folder, name = excluded.name,
                        size = excluded.size, mtime_ns = excluded.mtime_ns,
                        fingerprint = excluded.fingerprint, width = excluded.width,
                        height = excluded.height, taken_at = excluded.taken_at,
                        score = excluded.score,
                        model_version = excluded.model_version, embedding = excluded.embedding,
                        droplet_map = excluded.droplet_map,
                        state = 'present', error = excluded.error,
                        scanned_at = excluded.scanned_at
                    """,
                    (
                        r.path,
                        str(p.parent),
                        p.name,
                        r.size,
                        r.mtime_ns,
                        r.fingerprint,
                        r.width,
                        r.height,
                        r.taken_at,
                        r.score,
                        r.model_version,
                        emb,
                        grid,
                        r.error,
                        now,
                        r.legacy_fingerprint,
                        r.legacy_fingerprint,
                    ),
                )

    def mark_missing(self, paths: Iterable[str]) -> int:
        """Mark rows whose files disappeared; they keep their history and labels."""
        with self.transaction() as conn:
            cur = conn.executemany(
                "UPDATE photos SET state = 'missing' WHERE path = ? AND state = 'present'",
                [(p,) for p in paths],
            )
            return cur.rowcount

    def mark_present(self, paths: Iterable[str]) -> None:
        """Rows marked missing whose unchanged file is back where it was."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE photos SET state = 'present' WHERE path = ? AND state = 'missing'",
                [(p,) for p in paths],
            )

    # -- queries ------------------------------------------------------------------------
    def get(self, path: str) -> PhotoRecord | None:
        row = self._conn.execute(
            f"SELECT {_PHOTO_COLUMNS} FROM photos WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None else PhotoRecord(*row)

    def droplet_map(self, path: str) -> np.ndarray | None:
        """The photo's stored droplet map (uint8, square), or ``None`` if it has none."""
        row = self._conn.execute(
            "SELECT droplet_map FROM photos WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None or row[0] is None else _unpack_map(row[0])

    def get_by_id(self, photo_id: int) -> PhotoRecord | None:
        row = self._conn.execute(
            f"SELECT {_PHOTO_COLUMNS} FROM photos WHERE id = ?", (photo_id,)
        ).fetchone()
        return None if row is None else PhotoRecord(*row)

    def photos(
        self, root: str | None = None, *, include_missing: bool = False
    ) -> list[PhotoRecord]:
        """All photos (inside ``root`` when given), ordered by path."""
        sql = f"SELECT {_PHOTO_COLUMNS} FROM photos"
        params: tuple[object, ...] = ()
        clauses = []
        if root is not None:
            clauses.append("path >= ? AND path < ?")
            params = path_prefix_bounds(root)
        if not include_missing:
            clauses.append("state != 'missing'")
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY path"
        return [PhotoRecord(*row) for row in self._conn.execute(sql, params)]

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0])

    # -- embeddings and scores ----------------------------------------------------------
    def embeddings(
        self, *, labelled_only: bool = False, root: str | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """``(ids, float16 embeddings [N, D], labels)`` for every row that has an embedding."""
        sql = "SELECT id, embedding, label FROM photos WHERE embedding IS NOT NULL"
        params: tuple[object, ...] = ()
        if labelled_only:
            sql += " AND label IS NOT NULL"
        if root is not None:
            sql += " AND path >= ? AND path < ?"
            params = path_prefix_bounds(root)
        ids: list[int] = []
        blobs: list[bytes] = []
        labels: list[str | None] = []
        for row in self._conn.execute(sql, params):
            ids.append(row[0])
            blobs.append(row[1])
            labels.append(row[2])
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float16), []
        emb = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(ids), -1)
        return np.asarray(ids, dtype=np.int64), emb, labels

    def scored_embeddings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str | None]]:
        """``(ids, float16 embeddings, scores, model versions)`` of every embedded row, one pass.

        What re-scoring needs; a missing score is ``nan``.
        """
        ids: list[int] = []
        blobs: list[bytes] = []
        scores: list[float] = []
        versions: list[str | None] = []
        for row in self._conn.execute(
            "SELECT id, embedding, score, model_version FROM photos WHERE embedding IS NOT NULL"
        ):
            ids.append(row[0])
            blobs.append(row[1])
            scores.append(math.nan if row[2] is None else row[2])
            versions.append(row[3])
        if not ids:
            empty = np.zeros(0, dtype=np.float64)
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float16), empty, []
        emb = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(ids), -1)
        return np.asarray(ids, dtype=np.int64), emb, np.asarray(scores), versions

    def photos_per_version(self) -> dict[str, int]:
        """How many photos each model version scored (rows without a version not counted)."""
        rows = self._conn.execute(
            "SELECT model_version, COUNT(*) FROM photos WHERE model_version IS NOT NULL GROUP BY 1"
        )
        return {str(version): int(n) for version, n in rows}

    def paths_of(self, ids: Sequence[int]) -> dict[int, str]:
        """``id -> path`` of the given rows (ids not in the catalog are left out)."""
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(f"SELECT id, path FROM photos WHERE id IN ({marks})", list(ids))
        return {int(i): str(path) for i, path in rows}

    def update_scores(
        self, ids: Sequence[int], scores: Sequence[float], model_version: str
    ) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE photos SET score = ?, model_version = ? WHERE id = ?",
                [(float(s), model_version, int(i)) for i, s in zip(ids, scores, strict=True)],
            )

    # -- file moves (quarantine) ---------------------------------------------------------
    def set_state(self, path: str, state: str) -> None:
        self._conn.execute("UPDATE photos SET state = ? WHERE path = ?", (state, path))


def _pack_map(grid: np.ndarray) -> bytes:
    if grid.ndim != 2 or grid.shape[0] != grid.shape[1]:
        raise ValueError(f"a droplet map is a square grid, got {grid.shape}")
    return np.ascontiguousarray(grid, dtype=np.uint8).tobytes()


def _unpack_map(blob: bytes) -> np.ndarray | None:
    side = math.isqrt(len(blob))
    if side == 0 or side * side != len(blob):
        return None  # not a map this version wrote: treat as absent
    return np.frombuffer(blob, dtype=np.uint8).reshape(side, side)


def _pack_embedding(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float16).tobytes()
