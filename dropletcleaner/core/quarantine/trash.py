"""Emptying the quarantine into the system trash: files are trashed, never deleted.

The trash is ``send2trash`` unless the caller passes its own (the GUI passes
``QFile.moveToTrash``). Each file is checked to have really left the quarantine folder.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from dropletcleaner.core.catalog import quarantine_journal as tables
from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine.journal import _Batch, _Item, _mark_lost, _settle
from dropletcleaner.core.quarantine.outcomes import MoveOutcome

# Every reason of a file the trash did not take starts so: such a file is still in the
# quarantine, and a front end can say what to do next.
TRASH_REFUSED = "could not move it to the trash"


def _system_trash() -> Callable[[Path], None]:
    """``send2trash.send2trash``, imported only when a caller brings no trash of its own."""
    from send2trash import send2trash

    return send2trash


def _trash_group(
    catalog: Catalog, batch: _Batch, group: list[_Item], trash: Callable[[Path], None]
) -> MoveOutcome:
    """Send one quarantined group to the trash, photo first; its sidecars stay if it does."""
    lead = group[0]
    present: list[_Item] = []
    for item in group:
        assert item.file_id is not None
        try:
            st = os.lstat(item.source)
        except FileNotFoundError:
            _mark_lost(catalog, item)
            if item is lead:
                return MoveOutcome(
                    lead.source, None, "failed", "no longer in the quarantine folder"
                )
            continue
        item.size, item.mtime_ns = st.st_size, st.st_mtime_ns
        present.append(item)
    # Every file of the group gets its intent in one transaction before any goes to the
    # trash: a kill -9 after the photo went leaves an intent for each sidecar still here,
    # and recovery sends them after it (issue 10, case 14).
    _write_trash_intents(catalog, batch, present)
    gone: list[_Item] = []
    for item in present:
        assert item.file_id is not None
        why = _trash_one(item.source, trash)
        photo_path = item.photo_path if item.role == "photo" else None
        if why:
            _settle(catalog, item.journal_id, item.file_id, "trash", "failed", note=why)
            if item is lead:  # its sidecars stay in quarantine with it
                for rest in present[1:]:
                    assert rest.file_id is not None
                    note = "its photo stayed in quarantine"
                    _settle(
                        catalog, rest.journal_id, rest.file_id, "trash", "rolled-back", note=note
                    )
                return MoveOutcome(lead.source, None, "failed", why)
            continue
        _settle(catalog, item.journal_id, item.file_id, "trash", "done", photo_path=photo_path)
        gone.append(item)
    return MoveOutcome(
        lead.source,
        None,
        "trashed",
        "",
        tuple(i.source for i in gone[1:]),
        sum(i.size for i in gone),
    )


def _write_trash_intents(catalog: Catalog, batch: _Batch, present: list[_Item]) -> None:
    with catalog.transaction() as conn:
        batch.ensure(conn)
        for item in present:
            item.journal_id = tables.insert_trash_intent(
                conn,
                batch_id=batch.id,
                file_id=item.file_id,
                source=item.source,
                size=item.size,
                mtime_ns=item.mtime_ns,
                created_at=time.time(),
            )


def _trash_one(path: Path, trash: Callable[[Path], None]) -> str:
    """Send one file to the trash; the reason it is still here, or ``""``."""
    try:
        trash(path)
    except Exception as exc:  # any front end's trash: report it, never lose the file
        return f"{TRASH_REFUSED}: {exc}"
    if os.path.lexists(path):
        return f"{TRASH_REFUSED}: it was still in the quarantine folder afterwards"
    return ""
