"""Checks before any file is touched: dangerous folders, files that changed, one at a time.

A library or destination that is a drive root, the home folder or a system folder is
refused, and so is a destination inside a library or a quarantine. A photo is moved only
if it lies inside the library (not through a symbolic link) and is still the file that
was scored. A lock file beside the catalog refuses a second concurrent operation: the
operations are meant for a single caller at a time (the GUI runs them from one queue).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from dropletcleaner.core.catalog import quarantine_journal as tables
from dropletcleaner.core.catalog.photos import STATE_QUARANTINED, Catalog
from dropletcleaner.core.photos.fingerprint import content_hash
from dropletcleaner.core.photos.fingerprint import matches as fingerprint_matches
from dropletcleaner.core.quarantine.journal import _Item
from dropletcleaner.core.quarantine.names import QUARANTINE_DIR_NAME, default_quarantine_dir
from dropletcleaner.core.quarantine.outcomes import MoveOutcome, QuarantineError, _reason

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
        q in real.parents for q in tables.quarantine_destinations(conn)
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


def _refusal(catalog: Catalog, path: Path, root: Path) -> MoveOutcome | None:
    """Why one photo must not move out of library ``root`` (skipped or failed), or ``None``.

    The photo must be the one that was scored: same size, mtime and fingerprint as its
    catalog row.
    """

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
    return None


def _identify(item: _Item) -> None:
    st = os.stat(item.source)
    item.size, item.mtime_ns = st.st_size, st.st_mtime_ns
    item.digest = content_hash(item.source)


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
