"""Moving a group: cross-device copies verified before the source goes, sidecars that stay."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import transfer
from tests.quarantine_helpers import (
    _exdev_between_folders,
    _files,
    _quarantine_all,
    _record,
    _snapshot,
)


def test_cross_device_move_copies_verifies_and_round_trips(
    cat: Catalog, lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _exdev_between_folders(monkeypatch)
    before = _snapshot(lib)
    dest = tmp_path / "other-disk"
    report = _quarantine_all(cat, lib, dest=dest)
    assert report.moved == 3 and report.failed == 0
    assert any(".dropletcleaner-partial" in src for src, _ in calls)  # the copy path ran
    assert _files(lib) == []
    assert _files(dest) == ["a.jpg", "a.xmp", "b.jpg", "trip/c.jpg"]  # no partial copies left
    assert _snapshot(dest)["a.jpg"] == before["a.jpg"]  # same bytes and mtime
    q.restore(cat, all_batches=True)
    assert _snapshot(lib) == before
    assert dest.is_dir() and _files(dest) == []  # a --to folder the user chose stays


def test_cross_device_copy_that_does_not_verify_is_discarded(
    cat: Catalog, lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _exdev_between_folders(monkeypatch)
    real_hash = transfer.content_hash
    monkeypatch.setattr(
        transfer, "content_hash", lambda p: "bad" if "partial" in os.fspath(p) else real_hash(p)
    )
    before = _snapshot(lib)
    dest = tmp_path / "other-disk"
    report = _quarantine_all(cat, lib, dest=dest)
    assert report.failed == 3 and report.moved == 0
    assert "does not match" in report.outcomes[0].reason
    assert _snapshot(lib) == before and _files(dest) == []
    assert {r.state for r in cat.photos(str(lib))} == {"present"}
    assert q.list_batches(cat) == []


def test_cross_device_source_that_cannot_be_removed_keeps_one_copy(
    cat: Catalog, lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _exdev_between_folders(monkeypatch)
    real_unlink = os.unlink

    def unlink(path: os.PathLike[str] | str) -> None:
        if Path(path).parent == lib:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_unlink(path)

    monkeypatch.setattr(os, "unlink", unlink)
    before = _snapshot(lib)
    dest = tmp_path / "other-disk"
    _record(cat, [lib / "b.jpg"])
    report = q.quarantine(cat, [lib / "b.jpg"], library_root=lib, dest=dest)
    assert report.outcomes[0].status == "failed"
    assert report.outcomes[0].reason == "permission denied"
    assert _snapshot(lib) == before and _files(dest) == []


def test_sidecar_that_cannot_move_stays_and_is_reported(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if os.fspath(src).endswith(".xmp"):
            raise PermissionError(errno.EACCES, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    _record(cat, [lib / "a.jpg"])
    report = q.quarantine(cat, [lib / "a.jpg"], library_root=lib)
    [o] = report.outcomes
    assert o.status == "moved" and o.sidecars == ()
    assert o.reason == "sidecar a.xmp stayed behind: permission denied"
    assert (lib / "a.xmp").exists()
    assert not (lib / ".dropletcleaner-quarantine" / "a.xmp").exists()
