"""Safe quarantine: move spoiled photos (with their sidecars) aside, restore them, undo.

Users hand us their only copies, so every move is written to a journal in the catalog
*before* it happens and settled after it. :func:`recover` finishes or rolls back whatever
a crash left unsettled, so each file ends up exactly once, either where it was or in
quarantine, and the journal says which. Nothing here deletes a user photo, with one
exception: the source of a cross-device move, once its copy is fsynced and hash-verified.

Moves never overwrite. The destination name is first *reserved* by creating an empty
placeholder with ``O_CREAT | O_EXCL`` (atomic on every platform and filesystem), then the
file is renamed onto its own placeholder with ``os.replace``. Once reserved, no other
program can claim the name, so there is no window between "the name is free" and
"rename" in which someone else's file could be overwritten, and the photo is never
visible under two names (as it would be with ``os.link`` + unlink). A crash can leave an
empty placeholder behind; the journal names it, so :func:`recover` removes it.

The quarantine folder mirrors the library: ``<root>/.dropletcleaner-quarantine/a/b.jpg``
came from ``<root>/a/b.jpg``. Discovery skips that folder. Each call is one *batch*.
Functions are meant for a single caller at a time (the GUI runs them from one queue);
a lock file beside the catalog refuses a second concurrent operation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import itertools
import os
import secrets
import shutil
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from dropletcleaner.core.catalog.photos import (
    STATE_MISSING,
    STATE_PRESENT,
    STATE_QUARANTINED,
    Catalog,
)
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.photos.extensions import JPEG_EXTENSIONS, PHOTO_EXTENSIONS, RAW_EXTENSIONS
from dropletcleaner.core.photos.fingerprint import content_hash
from dropletcleaner.core.photos.fingerprint import matches as fingerprint_matches

QUARANTINE_DIR_NAME = ".dropletcleaner-quarantine"

# Files with the photo's stem (case-insensitive) that travel with it.
SIDECAR_EXTENSIONS = frozenset({".xmp", ".aae"})
LIVE_PHOTO_EXTENSIONS = frozenset({".mov"})
# RAW_EXTENSIONS and JPEG_EXTENSIONS come from config: discovery pairs them the same way.
# Photos of their own: two of these whose names differ only by case are two photos.
_PHOTO_EXTENSIONS = PHOTO_EXTENSIONS
# The longest file name (in bytes) that common file systems take (ext4, APFS, NTFS).
_NAME_MAX = 255
_PARTIAL_SUFFIX = ".dropletcleaner-partial"

# Folders never operated on: refused themselves and with everything inside them.
_SYSTEM_TREES = (
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/proc",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var/lib",
    "/var/log",
    "/System",
    "/Library",
    "/Applications",
    "/private/etc",
    "/private/var/db",
)
_WINDOWS_SYSTEM_VARS = ("SystemRoot", "windir", "ProgramFiles", "ProgramFiles(x86)", "ProgramData")
# Folders refused themselves only (their sub-folders hold users' files).
_SYSTEM_ROOTS = ("/home", "/Users", "/var", "/opt", "/mnt", "/media", "/Volumes", "/private")

_O_BINARY = getattr(os, "O_BINARY", 0)
_COPY_CHUNK = 1 << 20
_DONE_STATUSES = frozenset({"moved", "restored", "trashed"})


class QuarantineError(Exception):
    """A refused request: a dangerous folder, a destination inside the quarantine, …"""


class _CopyMismatch(OSError):
    """A cross-device copy did not hash to the original's content."""


@dataclass(frozen=True)
class MoveOutcome:
    """What happened to one photo (and its sidecars) in a batch."""

    source: Path
    destination: Path | None
    status: str  # "moved" | "restored" | "trashed" | "would-move" | "skipped" | "failed"
    reason: str = ""
    sidecars: tuple[Path, ...] = ()
    size: int = 0  # bytes of the photo and sidecars that moved


@dataclass
class BatchReport:
    """All outcomes of one quarantine, restore or empty run."""

    batch_id: str | None
    kind: str  # "quarantine" | "restore" | "empty"
    outcomes: list[MoveOutcome] = field(default_factory=list)
    cancelled: bool = False

    @property
    def moved(self) -> int:
        return sum(o.status in _DONE_STATUSES for o in self.outcomes)

    @property
    def would_move(self) -> int:
        return sum(o.status == "would-move" for o in self.outcomes)

    @property
    def skipped(self) -> int:
        return sum(o.status == "skipped" for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.status == "failed" for o in self.outcomes)

    @property
    def bytes_moved(self) -> int:
        return sum(o.size for o in self.outcomes if o.status in _DONE_STATUSES)


@dataclass(frozen=True)
class BatchInfo:
    """One batch as listed: ``count`` photos (sidecars not counted, but in ``size_bytes``)."""

    batch_id: str
    created_at: float
    kind: str
    count: int
    size_bytes: int
    destination_root: Path
    open_count: int  # photos of a quarantine batch still in quarantine


@dataclass(frozen=True)
class QuarantinedFile:
    """A photo now in quarantine: where it came from and where it is."""

    original: Path
    current: Path
    batch_id: str
    size: int


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


def _ensure_schema(catalog: Catalog) -> sqlite3.Connection:
    conn = catalog.connection
    conn.executescript(_SCHEMA)
    return conn


# -- public API ---------------------------------------------------------------------------


def default_quarantine_dir(library_root: Path) -> Path:
    """``<library_root>/.dropletcleaner-quarantine``: same filesystem, so moves are renames."""
    return Path(os.path.abspath(library_root)) / QUARANTINE_DIR_NAME


def flagged_paths(catalog: Catalog, library_root: Path, threshold: float) -> list[Path]:
    """Present photos under ``library_root`` scoring ``>= threshold`` or labelled droplet.

    A "clean" label wins over the score: the user said so.
    """
    out: list[Path] = []
    for r in catalog.photos(os.path.abspath(library_root)):
        if r.state != STATE_PRESENT or r.error:
            continue
        if r.label == "droplet" or (
            r.label is None and r.score is not None and r.score >= threshold
        ):
            out.append(Path(r.path))
    return out


def recover(catalog: Catalog, trash: Callable[[Path], None] | None = None) -> list[MoveOutcome]:
    """Settle every journal entry a crash left unfinished; call at start-up.

    A move whose source is still there is rolled back (our placeholder or partial copy is
    removed); one whose file is at its destination is marked done. A sidecar whose photo
    already moved is moved after it, so groups stay together.
    """
    _ensure_schema(catalog)
    with _exclusive(catalog):
        return _recover_locked(catalog, trash)


def quarantine(
    catalog: Catalog,
    paths: Sequence[Path],
    *,
    library_root: Path,
    dest: Path | None = None,
    dry_run: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> BatchReport:
    """Move catalogued photos (and their sidecars) from ``library_root`` into quarantine.

    ``dest`` defaults to :func:`default_quarantine_dir`. Each photo is re-checked against
    its catalog row first and skipped, with a reason, if it changed since it was scored.
    ``dry_run`` changes nothing and reports what would move where.
    """
    root = Path(os.path.abspath(library_root))
    _check_library(root)
    qroot = Path(os.path.abspath(dest)) if dest is not None else default_quarantine_dir(root)
    conn = _ensure_schema(catalog)
    _check_destination(conn, qroot, root)
    unique = list(dict.fromkeys(Path(os.path.abspath(p)) for p in paths))
    report = BatchReport(None, "quarantine")
    with _exclusive(catalog):
        if not dry_run:
            _recover_locked(catalog)
        batch = _Batch("quarantine", root, qroot)
        siblings = _Siblings()
        claimed: set[Path] = set()
        run = _Run(catalog, batch, "out", len(unique), on_progress)
        for path in unique:
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            run.add(_prepare_out(catalog, path, root, qroot, dry_run, siblings, claimed))
        report.outcomes = run.finish()
        report.batch_id = batch.id if batch.created else None
    return report


def restore(
    catalog: Catalog,
    *,
    batch_id: str | None = None,
    paths: Sequence[Path] = (),
    all_batches: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> BatchReport:
    """Put quarantined photos back where they were: one batch, given paths, or everything.

    ``paths`` may name original or quarantine locations of photos or sidecars; a whole
    group comes back together. An occupied original path is never overwritten: the photo
    comes back beside it with a " (n)" suffix, and the outcome says so.
    """
    if sum((batch_id is not None, bool(paths), all_batches)) != 1:
        raise QuarantineError("choose exactly one of: a batch id, paths, or all batches")
    conn = _ensure_schema(catalog)
    report = BatchReport(None, "restore")
    with _exclusive(catalog):
        _recover_locked(catalog)
        groups = _select_groups(conn, report, batch_id, paths)
        roots = [_batch_roots(conn, g[0].batch_id) for g in groups]
        libraries = {r[0] for r in roots} or {Path("/")}  # informative only
        common = libraries.pop() if len(libraries) == 1 else Path(roots[0][0].anchor)
        batch = _Batch("restore", common, common)
        run = _Run(catalog, batch, "back", len(groups), on_progress)
        for group, (_, stop) in zip(groups, roots, strict=True):
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            run.add(_prepare_back(catalog, group, stop))
        report.outcomes += run.finish()
        report.batch_id = batch.id if batch.created else None
    return report


def undo(
    catalog: Catalog, on_progress: Callable[[Progress], None] | None = None
) -> BatchReport | None:
    """Restore the latest batch that still has photos in quarantine; ``None`` if there is none."""
    latest = next((b for b in list_batches(catalog) if b.open_count > 0), None)
    if latest is None:
        return None
    return restore(catalog, batch_id=latest.batch_id, on_progress=on_progress)


def list_batches(catalog: Catalog) -> list[BatchInfo]:
    """Every batch that touched at least one file, newest first."""
    conn = _ensure_schema(catalog)
    rows = conn.execute(
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
    return [BatchInfo(r[0], r[1], r[2], r[4], r[5], Path(r[3]), r[6]) for r in rows]


def quarantined_files(catalog: Catalog, batch_id: str | None = None) -> list[QuarantinedFile]:
    """Photos now in quarantine (and sidecars whose photo is not), in path order."""
    conn = _ensure_schema(catalog)
    sql = (
        "SELECT f.original, f.stored, f.batch_id, f.size FROM quarantine_files f "
        "WHERE f.state = 'quarantined' AND (f.role = 'photo' OR NOT EXISTS ("
        "SELECT 1 FROM quarantine_files p WHERE p.id = f.group_id AND p.state = 'quarantined'))"
    )
    params: tuple[str, ...] = ()
    if batch_id is not None:
        sql += " AND f.batch_id = ?"
        params = (batch_id,)
    rows = conn.execute(sql + " ORDER BY f.original", params).fetchall()
    return [QuarantinedFile(Path(r[0]), Path(r[1]), r[2], r[3]) for r in rows]


def empty_quarantine(
    catalog: Catalog,
    *,
    batch_id: str | None = None,
    trash: Callable[[Path], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> BatchReport:
    """Send quarantined files (one batch, or all) to the system trash, never deleting them.

    ``trash`` defaults to ``send2trash.send2trash``; the GUI passes ``QFile.moveToTrash``.
    Each file is checked to have really left the quarantine folder.
    """
    conn = _ensure_schema(catalog)
    if trash is None:
        from send2trash import send2trash

        trash = send2trash
    report = BatchReport(None, "empty")
    with _exclusive(catalog):
        _recover_locked(catalog, trash)
        if batch_id is not None:
            _require_batch(conn, batch_id)
        groups = _open_groups(conn, batch_id)
        roots = [_batch_roots(conn, g[0].batch_id) for g in groups]
        first = roots[0] if roots else (Path("/"), Path("/"))  # no groups: never written
        batch = _Batch("empty", *first)
        for i, group in enumerate(groups):
            report.outcomes.append(_trash_group(catalog, batch, group, trash))
            _prune_empty(group, roots[i][1])
            if on_progress is not None:
                current = str(group[0].source)
                on_progress(Progress("empty", done=i + 1, total=len(groups), current=current))
        report.batch_id = batch.id if batch.created else None
    return report


# -- safety checks ------------------------------------------------------------------------


def _danger(path: Path) -> str | None:
    """Why ``path`` must never be operated on, or ``None``."""
    home = Path(os.path.expanduser("~"))
    trees = [Path(t) for t in _SYSTEM_TREES]
    trees += [Path(v) for v in (os.environ.get(k) for k in _WINDOWS_SYSTEM_VARS) if v]
    for p in (path, Path(os.path.realpath(path))):
        if p == Path(p.anchor):
            return "is the root of a drive"
        if p in (home, Path(os.path.realpath(home))):
            return "is the home folder itself"
        if p in [Path(r) for r in _SYSTEM_ROOTS] or any(p == t or t in p.parents for t in trees):
            return "is a system folder"
    return None


def _check_library(root: Path) -> None:
    if not root.is_dir():
        raise QuarantineError(f"not a folder: {root}")
    reason = _danger(root)
    if reason is not None:
        raise QuarantineError(f"refusing to quarantine from {root}: it {reason}")
    if QUARANTINE_DIR_NAME in root.parts:
        raise QuarantineError(f"refusing to quarantine from {root}: it is inside a quarantine")


def _check_destination(conn: sqlite3.Connection, qroot: Path, root: Path) -> None:
    reason = _danger(qroot)
    if reason is not None:
        raise QuarantineError(f"refusing to quarantine into {qroot}: it {reason}")
    if qroot == default_quarantine_dir(root):
        return
    real = Path(os.path.realpath(qroot))
    if QUARANTINE_DIR_NAME in qroot.parts or any(
        q in real.parents
        for q in (
            Path(r[0])
            for r in conn.execute(
                "SELECT destination_root FROM quarantine_batches WHERE kind = 'quarantine'"
            )
        )
    ):
        raise QuarantineError(f"refusing to quarantine into {qroot}: it is inside a quarantine")
    real_root = Path(os.path.realpath(root))
    if qroot == root or root in qroot.parents or real == real_root or real_root in real.parents:
        raise QuarantineError(
            f"refusing to quarantine into {qroot}: it is inside the library, whose photos "
            "would be scanned again; use a folder outside it"
        )
    if qroot in root.parents or real in real_root.parents:
        # Quarantined photos would land inside the library (a parent's mirror of it is the
        # library itself): a rescan would catalogue them as new, a restore misplace them.
        raise QuarantineError(
            f"refusing to quarantine into {qroot}: it contains the library {root}, so the "
            "photos would stay inside it; use a folder outside the library"
        )


def _outside_library(path: Path, root: Path) -> str | None:
    """Why ``path`` may not be moved as part of library ``root``, or ``None``."""
    if root not in path.parents:
        return "not inside the library folder"
    if QUARANTINE_DIR_NAME in path.relative_to(root).parts:
        return "already in the quarantine folder"
    if os.path.islink(path):
        return "is a symbolic link, not a photo"
    if Path(os.path.realpath(root)) not in Path(os.path.realpath(path)).parents:
        return "leads outside the library through a symbolic link"
    return None


# -- plumbing -----------------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(catalog: Catalog) -> Iterator[None]:
    """One quarantine operation per catalog at a time (the lock file sits beside it)."""
    lock_path = catalog.path.with_name(catalog.path.name + ".quarantine-lock")
    with open(lock_path, "a+b") as handle:  # closing it releases the lock, even on kill -9
        try:
            _lock(handle)
        except OSError as exc:
            raise QuarantineError(
                "another quarantine, restore or empty is running on this catalog"
            ) from exc
        yield


def _lock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


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
            conn.execute(
                "INSERT INTO quarantine_batches (id, kind, created_at, library_root, "
                "destination_root) VALUES (?, ?, ?, ?, ?)",
                (
                    self.id,
                    self.kind,
                    self.created_at,
                    str(self.library_root),
                    str(self.destination_root),
                ),
            )
            self.created = True


class _Siblings:
    """Folder listings for sidecar look-ups, read once per folder per batch."""

    def __init__(self) -> None:
        self._index: dict[Path, dict[str, list[str]]] = {}

    def sidecars(self, photo: Path, claimed: set[Path]) -> list[Path]:
        index = self._index.get(photo.parent)
        if index is None:
            index = self._index[photo.parent] = self._read(photo.parent)
        photo_ext = photo.suffix.lower()
        group = index.get(photo.stem.lower(), [])
        # Two photos whose names differ only by case (IMG_5.jpg beside img_5.JPG, on a
        # case-sensitive disk): each keeps the sidecars spelt exactly like it. Otherwise
        # case does not matter (cameras write IMG_5.JPG, editors img_5.xmp).
        exact = any(
            os.path.splitext(n)[0] != photo.stem
            and os.path.splitext(n)[1].lower() in _PHOTO_EXTENSIONS
            for n in group
        )

        def same(a: str, b: str) -> bool:
            return a == b if exact else a.lower() == b.lower()

        def xmp_of(name: str) -> list[Path]:
            """Sidecars named after a whole file name: "IMG_1.JPG.xmp", "IMG_1.CR2.xmp"."""
            return [
                photo.parent / n
                for n in index.get(name.lower(), [])
                if n.lower().endswith(".xmp") and same(n[:-4], name)
            ]

        found: list[Path] = []
        for name in group:
            stem, ext = os.path.splitext(name)
            ext = ext.lower()
            if not same(stem, photo.stem):
                continue
            raw = ext in RAW_EXTENSIONS and photo_ext in JPEG_EXTENSIONS
            if ext in SIDECAR_EXTENSIONS or ext in LIVE_PHOTO_EXTENSIONS or raw:
                found.append(photo.parent / name)
            if raw:
                found += xmp_of(name)  # the RAW's own edits (darktable) go with the RAW
        found += xmp_of(photo.name)
        out = [p for p in found if p not in claimed]
        claimed.update(out)
        return out

    @staticmethod
    def _read(folder: Path) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                        continue
                    stem = os.path.splitext(entry.name)[0].lower()
                    index.setdefault(stem, []).append(entry.name)
        except OSError:
            return {}  # unreadable folder: no sidecars can be found, the photo still moves
        for names in index.values():
            names.sort()
        return index


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


def _suffixed(path: Path, n: int) -> Path:
    return path if n == 0 else path.with_name(f"{path.stem} ({n}){path.suffix}")


def _free_names(
    targets: list[Path], start: int = 0, planned: set[Path] | None = None
) -> tuple[list[Path], int]:
    """The first " (n)" variant, same n for the whole group, under which every name is free.

    ``planned`` holds names already journalled for other groups of the chunk: two open
    intents never share a destination, so recovery can tell whose file is whose.
    """
    taken = planned if planned is not None else set()
    for n in itertools.count(start):
        names = [_suffixed(t, n) for t in targets]
        if not any(p in taken or os.path.lexists(p) for p in names):
            taken.update(names)
            return names, n
    raise AssertionError("unreachable")  # pragma: no cover


def _temp_for(dst: Path) -> Path:
    # Hidden (discovery skips it) and unique because ``dst`` itself is reserved.
    name = f".{dst.name}{_PARTIAL_SUFFIX}"
    if len(os.fsencode(name)) > _NAME_MAX:
        # A long name would make the temporary one too long: use a digest of the name,
        # the same every time, so recovery finds the partial copy again.
        digest = hashlib.blake2b(os.fsencode(dst.name), digest_size=12).hexdigest()
        name = f".{digest}{_PARTIAL_SUFFIX}"
    return dst.with_name(name)


def _reserve(names: list[Path]) -> bool:
    """Create an empty placeholder at every name, atomically; ``False`` if one is taken."""
    made: list[Path] = []
    try:
        for p in names:
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600))
            made.append(p)
    except OSError as exc:
        for p in made:
            _remove_placeholder(p)
        if isinstance(exc, FileExistsError):
            return False
        raise
    return True


def _remove_placeholder(path: Path) -> None:
    """Remove our empty placeholder; anything else at that name is left alone."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_size == 0:
        os.unlink(path)


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


def _identify(item: _Item) -> None:
    st = os.stat(item.source)
    item.size, item.mtime_ns = st.st_size, st.st_mtime_ns
    item.digest = content_hash(item.source)


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "the file disappeared"
    return exc.strerror or str(exc)


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


# -- journal ------------------------------------------------------------------------------


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
    conn = catalog.connection
    previous = int(conn.execute("PRAGMA synchronous").fetchone()[0])
    conn.execute("PRAGMA synchronous=FULL")
    try:
        with catalog.transaction() as conn:
            batch.ensure(conn)
            for items in groups:
                names, n = _free_names([i.target for i in items], 0, planned)
                suffixes.append(n)
                for item, name in zip(items, names, strict=True):
                    _write_intent(conn, batch, op, items[0], item, name, now)
    finally:
        conn.execute(f"PRAGMA synchronous={previous}")
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
        cur = conn.execute(
            "INSERT INTO quarantine_files (batch_id, group_id, role, photo_path, "
            "original, stored, size, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'moving')",
            (
                batch.id,
                lead.file_id,
                item.role,
                item.photo_path,
                str(item.original),
                str(name),
                item.size,
            ),
        )
        item.file_id = cur.lastrowid
        if item is lead:
            conn.execute("UPDATE quarantine_files SET group_id = id WHERE id = ?", (item.file_id,))
    cur = conn.execute(
        "INSERT INTO quarantine_journal (batch_id, file_id, op, source, destination, "
        "temp, size, mtime_ns, content_hash, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'intent', ?)",
        (
            batch.id,
            item.file_id,
            op,
            str(item.source),
            str(name),
            str(_temp_for(name)),
            item.size,
            item.mtime_ns,
            item.digest,
            now,
        ),
    )
    item.journal_id = int(cur.lastrowid or 0)


def _rename_intents(catalog: Catalog, items: list[_Item], names: list[Path]) -> None:
    """Point not-yet-started intents at other free names (the planned ones were taken)."""
    with catalog.transaction() as conn:
        for item, name in zip(items, names, strict=True):
            item.destination = name
            conn.execute(
                "UPDATE quarantine_journal SET destination = ?, temp = ? WHERE id = ?",
                (str(name), str(_temp_for(name)), item.journal_id),
            )
            conn.execute(
                "UPDATE quarantine_files SET stored = ? WHERE id = ? AND state = 'moving'",
                (str(name), item.file_id),
            )


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
        conn.execute(
            "UPDATE quarantine_journal SET status = ?, note = ?, finished_at = ? WHERE id = ?",
            ("failed" if status == "lost" else status, note, time.time(), journal_id),
        )
        if status == "done":
            if op == "out":
                conn.execute(
                    "UPDATE quarantine_files SET state = 'quarantined' WHERE id = ?", (file_id,)
                )
                if photo_path is not None:
                    catalog.set_state(photo_path, STATE_QUARANTINED)
            elif op == "back":
                conn.execute(
                    "UPDATE quarantine_files SET state = 'restored', restored_to = ? WHERE id = ?",
                    (str(destination), file_id),
                )
                if photo_path is not None:
                    _catalog_restored(conn, photo_path, Path(str(destination)))
            else:
                conn.execute(
                    "UPDATE quarantine_files SET state = 'trashed' WHERE id = ?", (file_id,)
                )
                if photo_path is not None:
                    catalog.set_state(photo_path, STATE_MISSING)
        elif status == "lost":
            conn.execute("UPDATE quarantine_files SET state = 'lost' WHERE id = ?", (file_id,))
            if photo_path is not None:
                catalog.set_state(photo_path, STATE_MISSING)
        elif op == "out":
            conn.execute("UPDATE quarantine_files SET state = 'not-moved' WHERE id = ?", (file_id,))


def _catalog_restored(conn: sqlite3.Connection, photo_path: str, new_path: Path) -> None:
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


# -- moving groups ------------------------------------------------------------------------


def _move_group(
    catalog: Catalog, batch: _Batch, op: str, items: list[_Item], n: int, planned: set[Path]
) -> MoveOutcome:
    """Reserve the journalled names, then move the photo first and its sidecars after it."""
    lead = items[0]
    targets = [i.target for i in items]
    names = [i.destination or i.target for i in items]
    try:
        while not _reserve(names):  # taken between the check and the reservation
            names, n = _free_names(targets, n + 1, planned)
            _rename_intents(catalog, items, names)
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


@dataclass
class _Pending:
    """A checked group waiting for its intents to be journalled with others."""

    items: list[_Item]
    notes: list[str] = field(default_factory=list)
    prune_below: Path | None = None  # quarantine root to tidy after a restore


class _Run:
    """Moves checked groups in chunks: one durable journal write per chunk, outcomes in order."""

    CHUNK = 64

    def __init__(
        self,
        catalog: Catalog,
        batch: _Batch,
        op: str,
        total: int,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        self.catalog, self.batch, self.op = catalog, batch, op
        self.total, self.on_progress = total, on_progress
        self.slots: list[MoveOutcome | None] = []
        self.pending: list[tuple[int, _Pending]] = []
        self.done = 0

    def add(self, prepared: MoveOutcome | _Pending) -> None:
        if isinstance(prepared, MoveOutcome):
            self.slots.append(prepared)
            self._tick(prepared.source)
            return
        self.pending.append((len(self.slots), prepared))
        self.slots.append(None)
        if len(self.pending) >= self.CHUNK:
            self._flush()

    def finish(self) -> list[MoveOutcome]:
        self._flush()
        return [o for o in self.slots if o is not None]

    def _flush(self) -> None:
        if not self.pending:
            return
        groups = [p.items for _, p in self.pending]
        planned: set[Path] = set()
        suffixes = _begin(self.catalog, self.batch, self.op, groups, planned)
        for (slot, p), n in zip(self.pending, suffixes, strict=True):
            outcome = _move_group(self.catalog, self.batch, self.op, p.items, n, planned)
            if p.notes:
                reason = "; ".join([r for r in (outcome.reason,) if r] + p.notes)
                outcome = dataclasses.replace(outcome, reason=reason)
            if p.prune_below is not None:
                _prune_empty(p.items, p.prune_below)
            self.slots[slot] = outcome
            self._tick(outcome.source)
        self.pending = []

    def _tick(self, current: Path) -> None:
        self.done += 1
        if self.on_progress is not None:
            phase = "quarantine" if self.op == "out" else "restore"
            self.on_progress(
                Progress(phase, done=self.done, total=self.total, current=str(current))
            )


def _prepare_out(
    catalog: Catalog,
    path: Path,
    root: Path,
    qroot: Path,
    dry_run: bool,
    siblings: _Siblings,
    claimed: set[Path],
) -> MoveOutcome | _Pending:
    """Check one photo and gather its group, or say why it does not move."""

    def skipped(reason: str) -> MoveOutcome:
        return MoveOutcome(path, None, "skipped", reason)

    refusal = _outside_library(path, root)
    if refusal is not None:
        return skipped(refusal)
    row = catalog.get(str(path))
    if row is None:
        return skipped("not in the catalog; scan the folder first")
    if row.state == STATE_QUARANTINED:
        return skipped("already in quarantine")
    try:
        st = os.stat(path)
        if st.st_size != row.size or st.st_mtime_ns != row.mtime_ns:
            return skipped("changed since it was scored")
        if row.fingerprint is not None and not fingerprint_matches(
            path, row.fingerprint, st.st_size
        ):
            return skipped("changed since it was scored")
    except FileNotFoundError:
        return skipped("no longer exists")
    except OSError as exc:
        return MoveOutcome(path, None, "failed", _reason(exc))
    folder = qroot / path.parent.relative_to(root)
    items = [_Item("photo", path, folder / path.name, str(path), path)]
    items += [
        _Item("sidecar", s, folder / s.name, str(path), s) for s in siblings.sidecars(path, claimed)
    ]
    try:
        for item in items:
            _identify(item)
    except OSError as exc:
        return MoveOutcome(path, None, "failed", _reason(exc))
    if dry_run:
        names, _ = _free_names([i.target for i in items])
        return MoveOutcome(
            path, names[0], "would-move", "", tuple(names[1:]), sum(i.size for i in items)
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return MoveOutcome(path, None, "failed", f"cannot create {folder}: {_reason(exc)}")
    return _Pending(items)


def _open_groups(conn: sqlite3.Connection, batch_id: str | None) -> list[list[_Item]]:
    """Quarantined files grouped by photo (photo first), oldest batch first."""
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
    groups: dict[int, list[_Item]] = {}
    for r in conn.execute(sql, params):
        item = _Item(
            r[2],
            Path(r[5]),
            Path(r[4]),
            r[3],
            Path(r[4]),
            batch_id=r[6],
            file_id=r[0],
            group_id=r[1],
        )
        groups.setdefault(r[1], []).append(item)
    return list(groups.values())


def _require_batch(conn: sqlite3.Connection, batch_id: str) -> None:
    row = conn.execute("SELECT kind FROM quarantine_batches WHERE id = ?", (batch_id,)).fetchone()
    if row is None or row[0] != "quarantine":
        raise QuarantineError(f"no quarantine batch {batch_id!r}")


def _batch_roots(conn: sqlite3.Connection, batch_id: str) -> tuple[Path, Path]:
    row = conn.execute(
        "SELECT library_root, destination_root FROM quarantine_batches WHERE id = ?", (batch_id,)
    ).fetchone()
    return Path(row[0]), Path(row[1])


def _select_groups(
    conn: sqlite3.Connection, report: BatchReport, batch_id: str | None, paths: Sequence[Path]
) -> list[list[_Item]]:
    if batch_id is not None:
        _require_batch(conn, batch_id)
        return _open_groups(conn, batch_id)
    groups = _open_groups(conn, None)
    if not paths:
        return groups
    by_path: dict[Path, int] = {}
    for index, group in enumerate(groups):
        for item in group:
            by_path[item.original] = by_path[item.source] = index
    chosen: list[int] = []
    for p in paths:
        hit = by_path.get(Path(os.path.abspath(p)))
        if hit is None:
            report.outcomes.append(MoveOutcome(Path(p), None, "skipped", "not in quarantine"))
        elif hit not in chosen:
            chosen.append(hit)
    return [groups[i] for i in chosen]


def _prepare_back(catalog: Catalog, group: list[_Item], stop: Path) -> MoveOutcome | _Pending:
    """Check one quarantined group before it comes back, or say why it cannot."""
    lead = group[0]
    present: list[_Item] = []
    notes: list[str] = []
    for item in group:
        try:
            _identify(item)
        except OSError as exc:
            why = _reason(exc)
            if isinstance(exc, FileNotFoundError):
                why = "no longer in the quarantine folder"
                _mark_lost(catalog, item)
            if item is lead:
                return MoveOutcome(lead.source, None, "failed", why)
            notes.append(f"sidecar {item.source.name}: {why}")
            continue
        present.append(item)
    try:
        lead.target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = f"cannot create {lead.target.parent}: {_reason(exc)}"
        return MoveOutcome(lead.source, None, "failed", why)
    return _Pending(present, notes, stop)


def _mark_lost(catalog: Catalog, item: _Item) -> None:
    """A quarantined file someone removed: forget it, and let a rescan find the photo."""
    with catalog.transaction() as conn:
        conn.execute("UPDATE quarantine_files SET state = 'lost' WHERE id = ?", (item.file_id,))
        if item.role == "photo":
            catalog.set_state(item.photo_path, STATE_MISSING)


def _trash_group(
    catalog: Catalog, batch: _Batch, group: list[_Item], trash: Callable[[Path], None]
) -> MoveOutcome:
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
    with catalog.transaction() as conn:
        batch.ensure(conn)
        for item in present:
            cur = conn.execute(
                "INSERT INTO quarantine_journal (batch_id, file_id, op, source, size, mtime_ns, "
                "content_hash, status, created_at) "
                "VALUES (?, ?, 'trash', ?, ?, ?, '', 'intent', ?)",
                (batch.id, item.file_id, str(item.source), item.size, item.mtime_ns, time.time()),
            )
            item.journal_id = int(cur.lastrowid or 0)
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


# -- recovery -----------------------------------------------------------------------------


def _recover_locked(
    catalog: Catalog, trash: Callable[[Path], None] | None = None
) -> list[MoveOutcome]:
    conn = _ensure_schema(catalog)
    rows = conn.execute(
        "SELECT j.id, j.batch_id, j.file_id, j.op, j.source, j.destination, j.temp, j.size, "
        "j.content_hash, f.role, f.group_id, f.photo_path FROM quarantine_journal j "
        "JOIN quarantine_files f ON f.id = j.file_id WHERE j.status = 'intent' ORDER BY j.id"
    ).fetchall()
    groups: dict[tuple[str, int, str], list[sqlite3.Row]] = {}
    for row in rows:
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
            lead_moved = (
                conn.execute(
                    "SELECT 1 FROM quarantine_journal WHERE batch_id = ? AND op = ? "
                    "AND file_id = ? AND status = 'done'",
                    (batch_id, op, group_id),
                ).fetchone()
                is not None
            )
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


def _trash_one(path: Path, trash: Callable[[Path], None]) -> str:
    """Send one file to the trash; the reason it is still here, or ``""``."""
    try:
        trash(path)
    except Exception as exc:  # any front end's trash: report it, never lose the file
        return f"could not move it to the trash: {exc}"
    if os.path.lexists(path):
        return "still in the quarantine folder after moving it to the trash"
    return ""


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
        lead_gone = (
            catalog.connection.execute(
                "SELECT 1 FROM quarantine_journal WHERE batch_id = ? AND op = 'trash' "
                "AND file_id = ? AND status = 'done'",
                (batch_id, group_id),
            ).fetchone()
            is not None
        )
    outcomes: list[MoveOutcome] = []
    for e in entries:
        src = Path(e["source"])
        if lead_gone and os.path.lexists(src):
            if trash is None:
                from send2trash import send2trash

                trash = send2trash
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
