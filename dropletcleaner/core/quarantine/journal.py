"""The move journal: every move is written as an intent before it happens, settled after.

Users hand us their only copies, so every move is written to the journal (tables in the
catalog, see :mod:`dropletcleaner.core.catalog.quarantine_journal`) *before* it happens
and settled after it. Recovery finishes or rolls back whatever a crash left unsettled,
so each file ends up exactly once, either where it was or in quarantine, and the journal
says which. Each call of the public operations is one *batch*.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core.catalog import quarantine_journal as tables
from dropletcleaner.core.catalog.photos import STATE_MISSING, STATE_QUARANTINED, Catalog
from dropletcleaner.core.quarantine.names import _free_names, _temp_for


def _ensure_schema(catalog: Catalog) -> sqlite3.Connection:
    conn = catalog.connection
    tables.ensure_schema(conn)
    return conn


class _Batch:
    """A batch id whose row is written with the first journal entry that uses it."""

    def __init__(self, kind: str, library_root: Path, destination_root: Path) -> None:
        self.kind = kind
        self.library_root = library_root
        self.destination_root = destination_root
        self.created_at = time.time()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self.created_at))
        self.id = f"{stamp}-{secrets.token_hex(3)}"
        self.created = False

    def ensure(self, conn: sqlite3.Connection) -> None:
        if not self.created:
            tables.insert_batch(
                conn,
                self.id,
                self.kind,
                self.created_at,
                self.library_root,
                self.destination_root,
            )
            self.created = True


@dataclass
class _Item:
    """One file of a move group (a photo and its sidecars), as planned and journalled."""

    role: str  # "photo" | "sidecar"
    source: Path
    target: Path  # wanted destination, before a collision suffix
    photo_path: str  # catalog key of the group's photo
    original: Path  # the file's place in the library
    batch_id: str = ""  # the quarantine batch that moved it out (restores)
    file_id: int | None = None
    group_id: int | None = None
    size: int = 0
    mtime_ns: int = 0
    digest: str = ""
    journal_id: int = 0
    destination: Path | None = None


def _begin(
    catalog: Catalog,
    batch: _Batch,
    op: str,
    groups: list[list[_Item]],
    planned: set[Path] | None = None,
) -> list[int]:
    """Plan free names and write the intent of every move, before any file is touched.

    One transaction for many groups, synced to disk (``synchronous=FULL``) so the intents
    survive a power cut too. The "done" marks after each move need no sync: if one is
    lost, :func:`recover` tells from the files where they are. Returns each group's suffix.
    """
    suffixes: list[int] = []
    now = time.time()
    with tables.synced(catalog.connection), catalog.transaction() as conn:
        batch.ensure(conn)
        for items in groups:
            names, n = _free_names([i.target for i in items], 0, planned)
            suffixes.append(n)
            for item, name in zip(items, names, strict=True):
                _write_intent(conn, batch, op, items[0], item, name, now)
    return suffixes


def _write_intent(
    conn: sqlite3.Connection,
    batch: _Batch,
    op: str,
    lead: _Item,
    item: _Item,
    name: Path,
    now: float,
) -> None:
    item.destination = name
    if op == "out":
        item.file_id = tables.insert_file(
            conn,
            batch_id=batch.id,
            group_id=lead.file_id,
            role=item.role,
            photo_path=item.photo_path,
            original=item.original,
            stored=name,
            size=item.size,
        )
        if item is lead:
            tables.lead_own_group(conn, item.file_id)
    item.journal_id = tables.insert_intent(
        conn,
        batch_id=batch.id,
        file_id=item.file_id,
        op=op,
        source=item.source,
        destination=name,
        temp=_temp_for(name),
        size=item.size,
        mtime_ns=item.mtime_ns,
        content_hash=item.digest,
        created_at=now,
    )


def _rename_intents(catalog: Catalog, items: list[_Item], names: list[Path]) -> None:
    """Point not-yet-started intents at other free names (the planned ones were taken)."""
    with catalog.transaction() as conn:
        for item, name in zip(items, names, strict=True):
            item.destination = name
            tables.redirect_intent(conn, item.journal_id, item.file_id, name, _temp_for(name))


def _settle(
    catalog: Catalog,
    journal_id: int,
    file_id: int,
    op: str,
    status: str,
    *,
    photo_path: str | None = None,
    destination: Path | None = None,
    note: str = "",
) -> None:
    """Record how one journalled move ended, and what that means for its file and photo."""
    with catalog.transaction() as conn:
        tables.finish_entry(
            conn, journal_id, "failed" if status == "lost" else status, note, time.time()
        )
        if status == "done":
            _settle_done(catalog, conn, file_id, op, photo_path, destination)
        elif status == "lost":
            tables.set_file_state(conn, file_id, "lost")
            if photo_path is not None:
                catalog.set_state(photo_path, STATE_MISSING)
        elif op == "out":
            tables.set_file_state(conn, file_id, "not-moved")


def _settle_done(
    catalog: Catalog,
    conn: sqlite3.Connection,
    file_id: int,
    op: str,
    photo_path: str | None,
    destination: Path | None,
) -> None:
    """A finished move: the file is in quarantine, back in the library, or in the trash."""
    if op == "out":
        tables.set_file_state(conn, file_id, "quarantined")
        if photo_path is not None:
            catalog.set_state(photo_path, STATE_QUARANTINED)
    elif op == "back":
        tables.set_file_restored(conn, file_id, destination)
        if photo_path is not None:
            tables.photo_follows_restore(conn, photo_path, Path(str(destination)))
    else:
        tables.set_file_state(conn, file_id, "trashed")
        if photo_path is not None:
            catalog.set_state(photo_path, STATE_MISSING)


def _mark_lost(catalog: Catalog, item: _Item) -> None:
    """A quarantined file someone removed: forget it, and let a rescan find the photo."""
    with catalog.transaction() as conn:
        tables.set_file_state(conn, item.file_id, "lost")
        if item.role == "photo":
            catalog.set_state(item.photo_path, STATE_MISSING)
