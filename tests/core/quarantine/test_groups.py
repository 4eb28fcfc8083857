"""Choosing and checking the groups a restore brings back: by path, whole, re-identified."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import safety
from tests.quarantine_helpers import (
    _quarantine_all,
    _record,
)


def test_restore_by_paths_brings_whole_groups_back(cat: Catalog, lib: Path) -> None:
    _quarantine_all(cat, lib)
    qdir = lib / ".dropletcleaner-quarantine"
    back = q.restore(cat, paths=[qdir / "a.xmp", lib / "a.jpg", lib / "zzz.jpg"])
    assert [(o.status, o.source) for o in back.outcomes] == [
        ("skipped", lib / "zzz.jpg"),
        ("restored", qdir / "a.jpg"),
    ]
    assert (lib / "a.jpg").exists() and (lib / "a.xmp").exists()
    assert [f.original.name for f in q.quarantined_files(cat)] == ["b.jpg", "c.jpg"]


def test_restore_when_the_quarantined_file_was_removed_by_hand(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _quarantine_all(cat, lib)
    qdir = lib / ".dropletcleaner-quarantine"
    (qdir / "b.jpg").unlink()
    (qdir / "a.xmp").unlink()
    back = q.restore(cat, all_batches=True)
    by_name = {o.source.name: o for o in back.outcomes}
    assert by_name["b.jpg"].status == "failed"
    assert by_name["b.jpg"].reason == "no longer in the quarantine folder"
    assert by_name["a.jpg"].status == "restored"
    assert by_name["a.jpg"].reason == "sidecar a.xmp: no longer in the quarantine folder"
    assert cat.get(str(lib / "b.jpg")).state == "missing"  # type: ignore[union-attr]
    assert q.quarantined_files(cat) == []


@pytest.mark.parametrize("where", ["hash", "sidecar-hash", "mkdir"])
def test_restore_permission_errors(
    where: str, cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(cat, [lib / "a.jpg"])
    q.quarantine(cat, [lib / "a.jpg"], library_root=lib)
    real = safety.content_hash

    def denied_hash(path: os.PathLike[str]) -> str:
        if where == "hash" or os.fspath(path).endswith(".xmp"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path)

    def denied_mkdir(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    if where == "mkdir":
        monkeypatch.setattr(Path, "mkdir", denied_mkdir)
    else:
        monkeypatch.setattr(safety, "content_hash", denied_hash)
    back = q.restore(cat, all_batches=True)
    [o] = back.outcomes
    if where == "sidecar-hash":
        assert o.status == "restored" and o.reason == "sidecar a.xmp: permission denied"
        assert [f.current.name for f in q.quarantined_files(cat)] == ["a.xmp"]  # orphan listed
    else:
        assert o.status == "failed" and "permission denied" in o.reason
        assert [f.original for f in q.quarantined_files(cat)] == [lib / "a.jpg"]
