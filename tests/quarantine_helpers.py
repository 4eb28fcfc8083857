"""Shared helpers of the quarantine tests: catalogue files, snapshot folders, fake a trash."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine.names import QUARANTINE_DIR_NAME
from dropletcleaner.core.quarantine.outcomes import BatchReport


class Crash(BaseException):
    """Stands in for the process dying at a chosen point (nothing catches it)."""


def _record(cat: Catalog, paths: list[Path], score: float = 0.9) -> None:
    """Catalogue files as a scan would, with a chosen score."""
    results = []
    for p in paths:
        st = p.stat()
        results.append(
            ScanResult(
                path=str(p),
                size=st.st_size,
                mtime_ns=st.st_mtime_ns,
                fingerprint=quick_fingerprint(p),
                score=score,
                model_version="test",
            )
        )
    cat.record_scans(results)


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """relative path -> (sha256, mtime_ns) of every file under ``root``, hidden ones too."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            out[str(p.relative_to(root))] = (digest, p.stat().st_mtime_ns)
    return out


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _journal(cat: Catalog) -> list[tuple[str, str]]:
    rows = cat.connection.execute("SELECT op, status FROM quarantine_journal ORDER BY id")
    return [(r[0], r[1]) for r in rows]


def _photos(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jpg") if QUARANTINE_DIR_NAME not in p.parts)


def _quarantine_all(cat: Catalog, root: Path, **kw: object) -> BatchReport:
    paths = _photos(root)
    _record(cat, paths)
    return q.quarantine(cat, paths, library_root=root, **kw)  # type: ignore[arg-type]


def _photos_before(lib: Path) -> list[Path]:
    return [lib / "a.jpg", lib / "b.jpg", lib / "trip" / "c.jpg"]


def _exdev_between_folders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Make every rename between two folders fail like a move across devices."""
    real = os.replace
    calls: list[tuple[str, str]] = []

    def replace(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        calls.append((os.fspath(src), os.fspath(dst)))
        if os.path.dirname(os.fspath(src)) != os.path.dirname(os.fspath(dst)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def _fake_trash(bin_dir: Path) -> Callable[[Path], None]:
    bin_dir.mkdir(parents=True, exist_ok=True)

    def trash(path: Path) -> None:
        os.replace(path, bin_dir / path.name)

    return trash
