"""Recovering interrupted moves: every intent a crash left is finished or rolled back.

A move whose source is still there is rolled back (our placeholder or partial copy is
removed); one whose file is at its destination is marked done. A sidecar whose photo
already moved is moved after it, and one whose photo went to the trash follows it there,
so groups stay together. Nothing is removed when both copies exist and differ.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from dropletcleaner.core.catalog import quarantine_journal as tables
from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.photos.fingerprint import content_hash
from dropletcleaner.core.quarantine.journal import _ensure_schema, _settle
from dropletcleaner.core.quarantine.names import _remove_placeholder, _reserve
from dropletcleaner.core.quarantine.outcomes import MoveOutcome, _reason
from dropletcleaner.core.quarantine.transfer import _transfer
from dropletcleaner.core.quarantine.trash import _system_trash, _trash_one


def _recover_locked(
    catalog: Catalog, trash: Callable[[Path], None] | None = None
) -> list[MoveOutcome]:
    """:func:`~dropletcleaner.core.quarantine.api.recover`, with the lock already held."""
    conn = _ensure_schema(catalog)
    groups: dict[tuple[str, int, str], list[sqlite3.Row]] = {}
    for row in tables.open_intents(conn):
        groups.setdefault((row["batch_id"], row["group_id"], row["op"]), []).append(row)
    outcomes: list[MoveOutcome] = []
    for (batch_id, group_id, op), entries in groups.items():
        if op == "trash":
            outcomes += _recover_trash_group(catalog, entries, batch_id, group_id, trash)
            continue
        states = {e["id"]: _on_disk(e) for e in entries}
        photo = next((e for e in entries if e["role"] == "photo"), None)
        if photo is not None:
            lead_moved = states[photo["id"]] == "moved"
        else:
            lead_moved = tables.settled_done(conn, batch_id, op, group_id)
        for e in entries:
            outcomes.append(_recover_entry(catalog, e, states[e["id"]], lead_moved))
    return outcomes


def _on_disk(e: sqlite3.Row) -> str:
    """Where an interrupted move's file is: "moved", "stayed", "conflict" or "lost"."""
    src, dst = Path(e["source"]), Path(e["destination"])
    if os.path.lexists(src):
        # The move did not complete: the source is the real file. Our partial copy,
        # placeholder, or verified full copy at the destination are redundant.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(e["temp"])
        if not os.path.lexists(dst):
            return "stayed"
        st = os.lstat(dst)
        if stat.S_ISREG(st.st_mode) and (
            st.st_size == 0 or (st.st_size == e["size"] and content_hash(dst) == e["content_hash"])
        ):
            os.unlink(dst)
            return "stayed"
        return "conflict"
    if os.path.lexists(dst) and os.lstat(dst).st_size == e["size"]:
        return "moved"
    _remove_placeholder(dst)
    return "lost"


def _recover_entry(catalog: Catalog, e: sqlite3.Row, where: str, lead_moved: bool) -> MoveOutcome:
    op = e["op"]
    src, dst = Path(e["source"]), Path(e["destination"])
    photo_path = e["photo_path"] if e["role"] == "photo" else None
    done_status = "moved" if op == "out" else "restored"
    if where == "stayed" and lead_moved and e["role"] == "sidecar":
        # Its photo already moved: finish the sidecar's move so the group stays together.
        try:
            if not _reserve([dst]):
                raise FileExistsError(errno.EEXIST, "name taken", str(dst))
            try:
                _transfer(src, dst, e["content_hash"])
            except OSError:
                _remove_placeholder(dst)
                raise
        except OSError as exc:
            why = f"interrupted; sidecar stayed at {src}: {_reason(exc)}"
            _settle(catalog, e["id"], e["file_id"], op, "failed", note=why)
            return MoveOutcome(src, None, "failed", why)
        where = "moved"
    if where == "moved":
        _settle(
            catalog,
            e["id"],
            e["file_id"],
            op,
            "done",
            photo_path=photo_path,
            destination=dst,
            note="finished after an interruption",
        )
        return MoveOutcome(src, dst, done_status, "finished after an interruption", (), e["size"])
    if where == "stayed":
        note = "interrupted; rolled back, the file is where it was"
        _settle(catalog, e["id"], e["file_id"], op, "rolled-back", note=note)
        return MoveOutcome(src, None, "skipped", note)
    if where == "conflict":
        note = f"interrupted; both {src} and {dst} exist and differ, nothing was removed"
        _settle(catalog, e["id"], e["file_id"], op, "failed", note=note)
        return MoveOutcome(src, None, "failed", note)
    note = f"interrupted; the file is neither at {src} nor at {dst}"
    _settle(catalog, e["id"], e["file_id"], op, "lost", photo_path=photo_path, note=note)
    return MoveOutcome(src, None, "failed", note)


def _recover_trash_group(
    catalog: Catalog,
    entries: list[sqlite3.Row],
    batch_id: str,
    group_id: int,
    trash: Callable[[Path], None] | None,
) -> list[MoveOutcome]:
    """Settle one group's interrupted trashing whole: the photo went, so its sidecars go too."""
    photo = next((e for e in entries if e["role"] == "photo"), None)
    if photo is not None:
        lead_gone = not os.path.lexists(photo["source"])
    else:  # the photo's own entry settled before the interruption
        lead_gone = tables.settled_done(catalog.connection, batch_id, "trash", group_id)
    outcomes: list[MoveOutcome] = []
    for e in entries:
        src = Path(e["source"])
        if lead_gone and os.path.lexists(src):
            if trash is None:
                trash = _system_trash()
            why = _trash_one(src, trash)
            if why:
                note = f"interrupted; its photo is in the trash but {why}"
                _settle(catalog, e["id"], e["file_id"], "trash", "failed", note=note)
                outcomes.append(MoveOutcome(src, None, "failed", note))
                continue
        outcomes.append(_recover_trash(catalog, e))
    return outcomes


def _recover_trash(catalog: Catalog, e: sqlite3.Row) -> MoveOutcome:
    src = Path(e["source"])
    photo_path = e["photo_path"] if e["role"] == "photo" else None
    if os.path.lexists(src):
        note = "interrupted; still in quarantine"
        _settle(catalog, e["id"], e["file_id"], "trash", "rolled-back", note=note)
        return MoveOutcome(src, None, "skipped", note)
    _settle(catalog, e["id"], e["file_id"], "trash", "done", photo_path=photo_path)
    return MoveOutcome(src, None, "trashed", "finished after an interruption", (), e["size"])
