"""The quarantine's tables in the catalog: its batches, the files it moved, and its journal.

Every move the quarantine makes is written here *before* it happens and settled after it
(see :mod:`dropletcleaner.core.quarantine.journal`), in the catalog's own database, so a
photo's row and the record of its move change in one transaction. This module holds the
SQL; the quarantine decides what to write and when.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dropletcleaner.core.catalog.photos import STATE_MISSING, STATE_PRESENT

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine_batches (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at REAL NOT NULL,
    library_root TEXT NOT NULL,
    destination_root TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine_files (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES quarantine_batches(id),
    group_id INTEGER,
    role TEXT NOT NULL,
    photo_path TEXT NOT NULL,
    original TEXT NOT NULL,
    stored TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    restored_to TEXT
);
CREATE INDEX IF NOT EXISTS quarantine_files_state ON quarantine_files(state, batch_id);
CREATE TABLE IF NOT EXISTS quarantine_journal (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES quarantine_batches(id),
    file_id INTEGER NOT NULL REFERENCES quarantine_files(id),
    op TEXT NOT NULL,
    source TEXT NOT NULL,
    destination TEXT,
    temp TEXT,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS quarantine_journal_open ON quarantine_journal(status)
    WHERE status = 'intent';
"""

# quarantine_files.state: "moving" (intent written), "quarantined", "restored", "trashed",
# "not-moved" (the move was rolled back or failed), "lost" (found in neither place).
# quarantine_journal.op: "out" (into quarantine), "back" (restore), "trash";
# status: "intent" (written before the move), "done", "rolled-back", "failed".


def ensure_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(_SCHEMA)


@contextmanager
def synced(conn: sqlite3.Connection) -> Iterator[None]:
    """Writes inside are synced to disk (``synchronous=FULL``): they survive a power cut."""
    previous = int(conn.execute("PRAGMA synchronous").fetchone()[0])
    conn.execute("PRAGMA synchronous=FULL")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous={previous}")


# -- batches ------------------------------------------------------------------------------


def insert_batch(
    conn: sqlite3.Connection,
    batch_id: str,
    kind: str,
    created_at: float,
    library_root: Path,
    destination_root: Path,
) -> None:
    conn.execute(
        "INSERT INTO quarantine_batches (id, kind, created_at, library_root, "
        "destination_root) VALUES (?, ?, ?, ?, ?)",
        (batch_id, kind, created_at, str(library_root), str(destination_root)),
    )


def quarantine_destinations(conn: sqlite3.Connection) -> list[Path]:
    """Every folder a quarantine batch has moved photos into."""
    return [
        Path(r[0])
        for r in conn.execute(
            "SELECT destination_root FROM quarantine_batches WHERE kind = 'quarantine'"
        )
    ]


def batch_kind(conn: sqlite3.Connection, batch_id: str) -> str | None:
    row = conn.execute("SELECT kind FROM quarantine_batches WHERE id = ?", (batch_id,)).fetchone()
    return None if row is None else str(row[0])


def batch_roots(conn: sqlite3.Connection, batch_id: str) -> tuple[Path, Path]:
    """A batch's library root and destination root."""
    row = conn.execute(
        "SELECT library_root, destination_root FROM quarantine_batches WHERE id = ?", (batch_id,)
    ).fetchone()
    return Path(row[0]), Path(row[1])


def batch_summaries(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Per batch that touched a file, newest first: id, created_at, kind, destination_root,
    photos, bytes, and photos of a quarantine batch still in quarantine."""
    return conn.execute(
        """
        SELECT b.id, b.created_at, b.kind, b.destination_root,
            SUM(CASE WHEN f.role = 'photo' THEN 1 ELSE 0 END),
            SUM(j.size),
            SUM(CASE WHEN b.kind = 'quarantine' AND f.role = 'photo'
                     AND f.state = 'quarantined' THEN 1 ELSE 0 END)
        FROM quarantine_batches b
        JOIN quarantine_journal j ON j.batch_id = b.id AND j.status = 'done'
        JOIN quarantine_files f ON f.id = j.file_id
        GROUP BY b.id
        ORDER BY b.created_at DESC, b.id DESC
        """
    ).fetchall()


def moved_again_batches(conn: sqlite3.Connection) -> set[str]:
    """Quarantine batches whose every photo came back and then went out again (a redo).

    "Again" means the very file a restore put back was moved out later, from the place it
    came back to: the journal's order says "later", so the clock never decides.
    """
    return {
        str(r[0])
        for r in conn.execute(
            """
            SELECT f.batch_id FROM quarantine_files f
            JOIN quarantine_batches b ON b.id = f.batch_id AND b.kind = 'quarantine'
            WHERE f.role = 'photo' AND f.state NOT IN ('moving', 'not-moved')
            GROUP BY f.batch_id
            HAVING MIN(f.state = 'restored' AND EXISTS (
                SELECT 1 FROM quarantine_journal back
                JOIN quarantine_journal again ON again.op = 'out' AND again.status = 'done'
                    AND again.source = f.restored_to AND again.id > back.id
                WHERE back.file_id = f.id AND back.op = 'back' AND back.status = 'done'
            ))
            """
        )
    }


# -- files --------------------------------------------------------------------------------


def insert_file(
    conn: sqlite3.Connection,
    *,
    batch_id: str,
    group_id: int | None,
    role: str,
    photo_path: str,
    original: Path,
    stored: Path,
    size: int,
) -> int | None:
    """A file about to move into quarantine (state "moving"); its id. A group's lead passes
    ``group_id=None`` and then :func:`lead_own_group`."""
    cur = conn.execute(
        "INSERT INTO quarantine_files (batch_id, group_id, role, photo_path, "
        "original, stored, size, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'moving')",
        (batch_id, group_id, role, photo_path, str(original), str(stored), size),
    )
    return cur.lastrowid


def lead_own_group(conn: sqlite3.Connection, file_id: int | None) -> None:
    conn.execute("UPDATE quarantine_files SET group_id = id WHERE id = ?", (file_id,))


def set_file_state(conn: sqlite3.Connection, file_id: int | None, state: str) -> None:
    conn.execute("UPDATE quarantine_files SET state = ? WHERE id = ?", (state, file_id))


def set_file_restored(conn: sqlite3.Connection, file_id: int, restored_to: Path | None) -> None:
    conn.execute(
        "UPDATE quarantine_files SET state = 'restored', restored_to = ? WHERE id = ?",
        (str(restored_to), file_id),
    )


def quarantined_rows(conn: sqlite3.Connection, batch_id: str | None) -> list[sqlite3.Row]:
    """original, stored, batch_id, size of photos now in quarantine (and of sidecars whose
    photo is not), in path order."""
    sql = (
        "SELECT f.original, f.stored, f.batch_id, f.size FROM quarantine_files f "
        "WHERE f.state = 'quarantined' AND (f.role = 'photo' OR NOT EXISTS ("
        "SELECT 1 FROM quarantine_files p WHERE p.id = f.group_id AND p.state = 'quarantined'))"
    )
    params: tuple[str, ...] = ()
    if batch_id is not None:
        sql += " AND f.batch_id = ?"
        params = (batch_id,)
    return conn.execute(sql + " ORDER BY f.original", params).fetchall()


def open_file_rows(conn: sqlite3.Connection, batch_id: str | None) -> list[sqlite3.Row]:
    """id, group_id, role, photo_path, original, stored, batch_id of quarantined files, by
    group (photo first), oldest batch first."""
    sql = (
        "SELECT f.id, f.group_id, f.role, f.photo_path, f.original, f.stored, f.batch_id "
        "FROM quarantine_files f JOIN quarantine_batches b ON b.id = f.batch_id "
        "WHERE f.state = 'quarantined'"
    )
    params: tuple[str, ...] = ()
    if batch_id is not None:
        sql += " AND f.batch_id = ?"
        params = (batch_id,)
    sql += " ORDER BY b.created_at, f.group_id, f.role = 'sidecar', f.id"
    return conn.execute(sql, params).fetchall()


def photo_follows_restore(conn: sqlite3.Connection, photo_path: str, new_path: Path) -> None:
    """The photo's catalog row follows it back, to a suffixed name if it had to."""
    if str(new_path) == photo_path:
        conn.execute("UPDATE photos SET state = ? WHERE path = ?", (STATE_PRESENT, photo_path))
        return
    taken = conn.execute("SELECT 1 FROM photos WHERE path = ?", (str(new_path),)).fetchone()
    if taken is None:
        conn.execute(
            "UPDATE photos SET path = ?, folder = ?, name = ?, state = ? WHERE path = ?",
            (str(new_path), str(new_path.parent), new_path.name, STATE_PRESENT, photo_path),
        )
    else:  # a stale row holds that name: the next scan sorts both out
        conn.execute("UPDATE photos SET state = ? WHERE path = ?", (STATE_MISSING, photo_path))


# -- the journal --------------------------------------------------------------------------


def insert_intent(
    conn: sqlite3.Connection,
    *,
    batch_id: str,
    file_id: int | None,
    op: str,
    source: Path,
    destination: Path,
    temp: Path,
    size: int,
    mtime_ns: int,
    content_hash: str,
    created_at: float,
) -> int:
    """A move about to happen ("out" or "back"); the journal entry's id."""
    cur = conn.execute(
        "INSERT INTO quarantine_journal (batch_id, file_id, op, source, destination, "
        "temp, size, mtime_ns, content_hash, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'intent', ?)",
        (
            batch_id,
            file_id,
            op,
            str(source),
            str(destination),
            str(temp),
            size,
            mtime_ns,
            content_hash,
            created_at,
        ),
    )
    return int(cur.lastrowid or 0)


def insert_trash_intent(
    conn: sqlite3.Connection,
    *,
    batch_id: str,
    file_id: int | None,
    source: Path,
    size: int,
    mtime_ns: int,
    created_at: float,
) -> int:
    """A file about to go to the system trash; the journal entry's id."""
    cur = conn.execute(
        "INSERT INTO quarantine_journal (batch_id, file_id, op, source, size, mtime_ns, "
        "content_hash, status, created_at) "
        "VALUES (?, ?, 'trash', ?, ?, ?, '', 'intent', ?)",
        (batch_id, file_id, str(source), size, mtime_ns, created_at),
    )
    return int(cur.lastrowid or 0)


def redirect_intent(
    conn: sqlite3.Connection, journal_id: int, file_id: int | None, destination: Path, temp: Path
) -> None:
    """Point a not-yet-started move (and its file, if moving out) at another name."""
    conn.execute(
        "UPDATE quarantine_journal SET destination = ?, temp = ? WHERE id = ?",
        (str(destination), str(temp), journal_id),
    )
    conn.execute(
        "UPDATE quarantine_files SET stored = ? WHERE id = ? AND state = 'moving'",
        (str(destination), file_id),
    )


def finish_entry(
    conn: sqlite3.Connection, journal_id: int, status: str, note: str, finished_at: float
) -> None:
    conn.execute(
        "UPDATE quarantine_journal SET status = ?, note = ?, finished_at = ? WHERE id = ?",
        (status, note, finished_at, journal_id),
    )


def open_intents(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every journal entry still an intent, oldest first, with its file's role and group."""
    return conn.execute(
        "SELECT j.id, j.batch_id, j.file_id, j.op, j.source, j.destination, j.temp, j.size, "
        "j.content_hash, f.role, f.group_id, f.photo_path FROM quarantine_journal j "
        "JOIN quarantine_files f ON f.id = j.file_id WHERE j.status = 'intent' ORDER BY j.id"
    ).fetchall()


def settled_done(conn: sqlite3.Connection, batch_id: str, op: str, file_id: int) -> bool:
    """Whether the file's ``op`` in this batch finished."""
    return (
        conn.execute(
            "SELECT 1 FROM quarantine_journal WHERE batch_id = ? AND op = ? "
            "AND file_id = ? AND status = 'done'",
            (batch_id, op, file_id),
        ).fetchone()
        is not None
    )


_STATES_SQL = (
    "SELECT batch_id, state, COUNT(*) FROM quarantine_files WHERE role = 'photo' "
    "GROUP BY batch_id, state"
)


def batch_photo_states(catalog_path: Path | None) -> dict[str, dict[str, int]]:
    """``{batch id: {state: photos}}`` read without locking (the quarantine window's words).

    Read-only and quick to give up: a missing catalog, no quarantine tables yet, or a busy
    catalog give ``{}``, as there is nothing to say.
    """
    out: dict[str, dict[str, int]] = {}
    if catalog_path is None or not Path(catalog_path).exists():
        return {}
    try:
        conn = sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True, timeout=1.0)
        try:
            for batch_id, state, count in conn.execute(_STATES_SQL):
                out.setdefault(batch_id, {})[state] = int(count)
        finally:
            conn.close()
    except sqlite3.Error:
        return {}
    return out
