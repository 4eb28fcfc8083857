"""Write droplet findings into XMP sidecars, journalled and undoable byte for byte.

For each flagged photo (score at or above the threshold, or labelled droplet, never one
labelled clean) the tags of :mod:`~dropletcleaner.core.library.xmp` are merged into the sidecars
the photo tools read: ``NAME.xmp`` (Lightroom, digiKam's compatible mode) and
``NAME.EXT.xmp`` (darktable, digiKam), plus ``NAME.CR2.xmp`` for a RAW that is the JPEG's
sidecar. An existing sidecar is used under its own spelling (``IMG_1.XMP``). The photo
itself is never opened for writing.

Safety: a journal holding every sidecar's original bytes (or that it did not exist) is
written, fsynced, *before* the first sidecar changes; each sidecar is then replaced
atomically (temporary sibling, fsync, ``os.replace``) with its mode kept, after checking
it did not change since it was read. :func:`undo` restores the latest batch: a sidecar
still holding what we wrote gets its original bytes, mode and modification time back (or
is removed if we created it); one changed since by someone else is left alone and named.
A crash mid-batch leaves a pending journal that :func:`undo` settles the same way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dropletcleaner.core import atomic
from dropletcleaner.core.catalog.photos import STATE_PRESENT, Catalog
from dropletcleaner.core.library.xmp import DropletTags, XmpError, merge
from dropletcleaner.core.photos.discovery import paired_raws
from dropletcleaner.core.photos.safeio import open_photo

# Sidecars are small; anything larger is not one we should rewrite.
MAX_SIDECAR_BYTES = 16 << 20
_JOURNAL_VERSION = 1


@dataclass
class SidecarChange:
    """One sidecar to write: what it holds now (``None``: absent) and what it will hold."""

    photo: str
    sidecar: str
    before: bytes | None
    after: bytes
    mode: int | None = None
    mtime_ns: int | None = None


@dataclass
class TagPlan:
    changes: list[SidecarChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # sidecars that already say it all
    problems: list[tuple[str, str]] = field(default_factory=list)  # (sidecar, why left)
    photos: int = 0


@dataclass
class UndoReport:
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    batch: str | None = None


def journal_dir_for(catalog_path: Path) -> Path:
    """Tag journals live beside the catalog they were made from."""
    return catalog_path.parent / "xmp-journal"


def sidecar_names(photo: Path, listing: list[str]) -> list[str]:
    """The sidecar names of ``photo`` in its folder, spelt as existing ones are."""
    wanted = [photo.stem + ".xmp", photo.name + ".xmp"]
    wanted += [raw + ".xmp" for raw in paired_raws(photo.name, listing)]
    existing = {n.lower(): n for n in listing if n.lower().endswith(".xmp")}
    out: list[str] = []
    for name in wanted:
        name = existing.get(name.lower(), name)
        if name not in out:
            out.append(name)
    return out


def plan(
    catalog: Catalog,
    root: Path,
    threshold: float,
    *,
    label: str | None = None,
    reject: bool = False,
) -> TagPlan:
    """Work out every sidecar change for the flagged photos under ``root``; writes nothing."""
    result = TagPlan()
    listings: dict[Path, list[str]] = {}
    seen: set[str] = set()
    for rec in catalog.photos(os.path.abspath(root)):
        if rec.state != STATE_PRESENT or rec.error or rec.label == "clean":
            continue
        if rec.label != "droplet" and (rec.score is None or rec.score < threshold):
            continue
        result.photos += 1
        photo = Path(rec.path)
        listing = listings.get(photo.parent)
        if listing is None:
            try:
                listing = listings[photo.parent] = sorted(os.listdir(photo.parent))
            except OSError as exc:
                result.problems.append((str(photo), f"folder cannot be read: {exc.strerror}"))
                continue
        tags = DropletTags(rec.score or 0.0, rec.model_version or "", label, reject)
        for name in sidecar_names(photo, listing):
            target = str(photo.parent / name)
            if target in seen:
                continue  # IMG_1.xmp shared by IMG_1.jpg and IMG_1.heic: tagged once
            seen.add(target)
            _plan_one(result, rec.path, target, tags)
    return result


def _plan_one(result: TagPlan, photo: str, target: str, tags: DropletTags) -> None:
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        result.changes.append(SidecarChange(photo, target, None, merge(None, tags)))
        return
    except OSError as exc:
        result.problems.append((target, f"cannot be read: {exc.strerror}"))
        return
    if not stat.S_ISREG(st.st_mode):
        # Replacing a link with a file would change the user's folder; writing through
        # it would change a file elsewhere. Either way: leave it.
        result.problems.append((target, "not a regular file (a link?); left alone"))
        return
    try:
        with open_photo(target, limit=MAX_SIDECAR_BYTES) as handle:
            before = handle.read_all()
        after = merge(before, tags)
    except XmpError as exc:
        result.problems.append((target, f"left alone: {exc}"))
        return
    except OSError as exc:
        result.problems.append((target, f"cannot be read: {exc.strerror or exc}"))
        return
    if after == before:
        result.unchanged.append(target)
        return
    change = SidecarChange(photo, target, before, after, stat.S_IMODE(st.st_mode), st.st_mtime_ns)
    result.changes.append(change)


def apply(tag_plan: TagPlan, journal_dir: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Journal, then write every change; returns (written sidecars, problems)."""
    if not tag_plan.changes:
        return [], []
    journal_dir.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%d-%H%M%S") + f"-{secrets.token_hex(3)}.json"
    journal = journal_dir / name
    entries = [
        {
            "photo": c.photo,
            "sidecar": c.sidecar,
            "before": None if c.before is None else base64.b64encode(c.before).decode("ascii"),
            "mode": c.mode,
            "mtime_ns": c.mtime_ns,
            "after_sha256": hashlib.sha256(c.after).hexdigest(),
        }
        for c in tag_plan.changes
    ]
    _write_journal(journal, {"version": _JOURNAL_VERSION, "state": "pending", "entries": entries})
    written: list[str] = []
    problems: list[tuple[str, str]] = []
    for change in tag_plan.changes:
        try:
            if _current(change.sidecar) != change.before:
                problems.append((change.sidecar, "changed while tagging; left as it is"))
                continue
            _replace(change.sidecar, change.after, change.mode)
            written.append(change.sidecar)
        except OSError as exc:
            problems.append((change.sidecar, f"cannot be written: {exc.strerror or exc}"))
    _write_journal(journal, {"version": _JOURNAL_VERSION, "state": "done", "entries": entries})
    return written, problems


def _latest_to_undo(journal_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The newest readable journal not yet undone, with what it holds; ``None`` if none."""
    try:
        journals = sorted(journal_dir.glob("*.json")) if journal_dir.is_dir() else []
    except OSError:
        return None
    for journal in reversed(journals):
        try:
            data = json.loads(journal.read_text(encoding="utf-8", errors="surrogateescape"))
        except (OSError, ValueError):
            continue  # unreadable journal: never guess what it held
        if isinstance(data, dict) and data.get("state") != "undone":
            return journal, data
    return None


def can_undo(journal_dir: Path) -> bool:
    """Whether :func:`undo` would restore a batch (what the app's Undo action shows)."""
    return _latest_to_undo(journal_dir) is not None


def undo(journal_dir: Path) -> UndoReport:
    """Restore the sidecars of the latest batch not yet undone."""
    report = UndoReport()
    latest = _latest_to_undo(journal_dir)
    if latest is None:
        return report
    journal, data = latest
    report.batch = journal.stem
    for entry in reversed(data.get("entries", [])):
        _undo_one(entry, report)
    data["state"] = "undone"
    _write_journal(journal, data)
    return report


def _undo_one(entry: dict[str, object], report: UndoReport) -> None:
    path = str(entry["sidecar"])
    raw_before = entry.get("before")
    before = None if raw_before is None else base64.b64decode(str(raw_before))
    try:
        current = _current(path)
    except OSError as exc:
        report.conflicts.append((path, f"cannot be read: {exc.strerror or exc}"))
        return
    if current == before:
        return  # never written (the batch stopped first), or already restored
    if current is None or hashlib.sha256(current).hexdigest() != entry.get("after_sha256"):
        report.conflicts.append((path, "changed since it was tagged; left as it is"))
        return
    try:
        if before is None:
            os.unlink(path)
            report.removed.append(path)
            return
        mode = entry.get("mode")
        _replace(path, before, mode if isinstance(mode, int) else None)
        mtime = entry.get("mtime_ns")
        if isinstance(mtime, int):
            os.utime(path, ns=(mtime, mtime))
        report.restored.append(path)
    except OSError as exc:
        report.conflicts.append((path, f"cannot be restored: {exc.strerror or exc}"))


def _current(path: str) -> bytes | None:
    try:
        with open_photo(path, limit=MAX_SIDECAR_BYTES) as handle:
            return handle.read_all()
    except FileNotFoundError:
        return None


def _replace(path: str, data: bytes, mode: int | None) -> None:
    """Atomically give ``path`` the bytes ``data`` (and ``mode``, else the umask's)."""
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        if hasattr(os, "fchmod"):
            # A new sidecar gets the mode any new file of the user's gets (the umask's).
            os.fchmod(fd, atomic._FILE_MODE if mode is None else mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _write_journal(path: Path, data: dict[str, object]) -> None:
    atomic.atomic_write_text(path, json.dumps(data, indent=1) + "\n")
