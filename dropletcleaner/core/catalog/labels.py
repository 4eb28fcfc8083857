"""The user's labels in the catalog: set them, read them, and what retraining needs of them.

A label says what the user saw in a photo: ``droplet`` or ``clean``. It belongs to the
photo's content: a file whose content changes loses it (see ``Catalog.record_scans``).
These queries are mixed into :class:`~dropletcleaner.core.catalog.photos.Catalog`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

LABELS = ("droplet", "clean")


class LabelQueries:
    """The catalog's label queries; :class:`Catalog` provides the connection and transactions."""

    _conn: sqlite3.Connection

    if TYPE_CHECKING:

        def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...

    def set_label(self, paths: Iterable[str], label: str | None) -> int:
        """Set (or clear with ``None``) the user label of each path; returns rows changed."""
        if label is not None and label not in LABELS:
            raise ValueError(f"label must be one of {LABELS} or None, not {label!r}")
        now = time.time() if label is not None else None
        with self.transaction() as conn:
            cur = conn.executemany(
                "UPDATE photos SET label = ?, labelled_at = ? WHERE path = ?",
                [(label, now, p) for p in paths],
            )
            return cur.rowcount

    def labels(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT path, label FROM photos WHERE label IS NOT NULL")
        return {r[0]: r[1] for r in rows}

    def label_counts(self) -> dict[tuple[str, bool], int]:
        """Labelled photos per ``(label, has a stored embedding)``; absent pairs have none."""
        rows = self._conn.execute(
            "SELECT label, embedding IS NOT NULL, COUNT(*) FROM photos "
            "WHERE label IS NOT NULL GROUP BY 1, 2"
        )
        return {(str(label), bool(has_embedding)): int(n) for label, has_embedding, n in rows}

    def labelled_identities(self) -> dict[int, tuple[str | None, str, str | None]]:
        """``id -> (fingerprint, path, model version)`` of every labelled photo."""
        rows = self._conn.execute(
            "SELECT id, fingerprint, path, model_version FROM photos WHERE label IS NOT NULL"
        )
        return {int(r[0]): (r[1], r[2], r[3]) for r in rows}

    def labelled_readable(self) -> list[tuple[str, str, str | None]]:
        """``(path, label, fingerprint)`` of labelled photos present and read, by path."""
        rows = self._conn.execute(
            "SELECT path, label, fingerprint FROM photos "
            "WHERE label IS NOT NULL AND state = 'present' AND (error IS NULL OR error = '') "
            "ORDER BY path"
        )
        return [(r[0], r[1], r[2]) for r in rows]
