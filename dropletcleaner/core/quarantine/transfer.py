"""Moving a photo with its sidecars: reserve, rename (or copy across devices), settle.

The photo moves first and its sidecars after it; if the photo cannot move, none do. A
move across devices is a copy, fsynced and hash-verified before the source is removed:
that is the one removal of a user file anywhere in the quarantine. Quarantine folders
that a group's departure left empty are removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.photos.fingerprint import content_hash
from dropletcleaner.core.quarantine.journal import _Batch, _Item, _rename_intents, _settle
from dropletcleaner.core.quarantine.names import (
    _O_BINARY,
    QUARANTINE_DIR_NAME,
    _free_names,
    _remove_placeholder,
    _reserve,
    _temp_for,
)
from dropletcleaner.core.quarantine.outcomes import MoveOutcome, _reason

_COPY_CHUNK = 1 << 20


class _CopyMismatch(OSError):
    """A cross-device copy did not hash to the original's content."""


def _move_group(
    catalog: Catalog, batch: _Batch, op: str, items: list[_Item], n: int, planned: set[Path]
) -> MoveOutcome:
    """Reserve the journalled names, then move the photo first and its sidecars after it."""
    lead = items[0]
    try:
        n = _reserve_group(catalog, items, n, planned)
    except OSError as exc:
        why = _reason(exc)
        for item in items:
            assert item.file_id is not None
            _settle(catalog, item.journal_id, item.file_id, op, "failed", note=why)
        return MoveOutcome(lead.source, None, "failed", why)
    moved: list[_Item] = []
    notes: list[str] = []
    for item in items:
        assert item.destination is not None and item.file_id is not None
        photo_path = item.photo_path if item.role == "photo" else None
        try:
            _transfer(item.source, item.destination, item.digest)
        except OSError as exc:
            _remove_placeholder(item.destination)
            why = _reason(exc)
            _settle(catalog, item.journal_id, item.file_id, op, "failed", note=why)
            if item is lead:
                for rest in items[1:]:
                    assert rest.destination is not None and rest.file_id is not None
                    _remove_placeholder(rest.destination)
                    _settle(catalog, rest.journal_id, rest.file_id, op, "rolled-back", note=why)
                return MoveOutcome(lead.source, None, "failed", why)
            notes.append(f"sidecar {item.source.name} stayed behind: {why}")
            continue
        _settle(
            catalog,
            item.journal_id,
            item.file_id,
            op,
            "done",
            photo_path=photo_path,
            destination=item.destination,
        )
        moved.append(item)
    return _moved(op, items, moved, notes, n)


def _reserve_group(catalog: Catalog, items: list[_Item], n: int, planned: set[Path]) -> int:
    """Reserve the group's journalled names, or the next free " (n)"; returns that n."""
    targets = [i.target for i in items]
    names = [i.destination or i.target for i in items]
    while not _reserve(names):  # taken between the check and the reservation
        names, n = _free_names(targets, n + 1, planned)
        _rename_intents(catalog, items, names)
    return n


def _moved(
    op: str, items: list[_Item], moved: list[_Item], notes: list[str], n: int
) -> MoveOutcome:
    """The outcome of a group whose photo moved (``moved``: the files that did)."""
    lead = items[0]
    assert lead.destination is not None
    if n:
        if op == "out":
            notes.insert(0, f"name taken in quarantine; stored as {lead.destination.name}")
        else:
            notes.insert(
                0, f"{lead.target} is occupied; restored beside it as {lead.destination.name}"
            )
    return MoveOutcome(
        lead.source,
        lead.destination,
        "moved" if op == "out" else "restored",
        "; ".join(notes),
        tuple(i.destination for i in moved[1:] if i.destination is not None),
        sum(i.size for i in moved),
    )


def _transfer(src: Path, dst: Path, digest: str) -> None:
    """Move ``src`` onto its reserved placeholder ``dst``; copy when across devices."""
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_across(src, dst, digest)


def _copy_across(src: Path, dst: Path, digest: str) -> None:
    """Copy, fsync, verify the hash, rename into place, and only then remove the source."""
    temp = _temp_for(dst)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, _COPY_CHUNK)
            out.flush()
            os.fsync(out.fileno())
        shutil.copystat(src, temp)
        if content_hash(temp) != digest:
            raise _CopyMismatch(errno.EIO, "the copy does not match the original")
        os.replace(temp, dst)
        _fsync_dir(dst.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    try:
        os.unlink(src)  # the one removal of a user file: its copy is verified and durable
    except OSError:
        os.unlink(dst)  # the source stays the only copy
        raise


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # Windows cannot open a folder; nothing to do there
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _prune_empty(group: list[_Item], stop: Path) -> None:
    """Remove quarantine folders that the group's departure left empty (never ``stop``'s parent)."""
    for item in group:
        folder = item.source.parent
        while folder == stop or stop in folder.parents:
            if folder == stop and stop.name != QUARANTINE_DIR_NAME:
                break  # a --to folder the user chose stays
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = folder.parent
