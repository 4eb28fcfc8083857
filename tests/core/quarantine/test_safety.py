"""Checks before a move: changed or outside files are skipped, dangerous folders refused."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import safety
from dropletcleaner.core.quarantine.outcomes import QuarantineError
from tests.helpers import write_jpeg
from tests.quarantine_helpers import (
    _journal,
    _photos_before,
    _record,
    _snapshot,
)


def test_changed_files_are_skipped_with_a_reason(cat: Catalog, lib: Path) -> None:
    a, b, c = _photos_before(lib)
    _record(cat, [a, b, c])
    a.write_bytes(a.read_bytes() + b"more")  # size changed
    st = b.stat()
    data = bytearray(b.read_bytes())
    data[10] ^= 0xFF  # same size and mtime, different content
    b.write_bytes(bytes(data))
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns))
    c.unlink()
    report = q.quarantine(cat, [a, b, c], library_root=lib)
    assert [(o.status, o.reason) for o in report.outcomes] == [
        ("skipped", "changed since it was scored"),
        ("skipped", "changed since it was scored"),
        ("skipped", "no longer exists"),
    ]
    assert report.batch_id is None and q.list_batches(cat) == []


def test_requests_outside_the_library_are_skipped(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    outside = write_jpeg(tmp_path / "outside" / "o.jpg", size=(32, 32))
    link = lib / "link.jpg"
    os.symlink(outside, link)
    os.symlink(tmp_path / "outside", lib / "linked-folder")
    via_folder = lib / "linked-folder" / "o.jpg"
    qfile = write_jpeg(lib / ".dropletcleaner-quarantine" / "old.jpg", size=(32, 32))
    _record(cat, [lib / "a.jpg", outside, link, via_folder, qfile])
    report = q.quarantine(
        cat,
        [outside, link, via_folder, qfile, lib / "b.jpg", lib / "a.jpg", lib / "a.jpg"],
        library_root=lib,
    )
    assert [(o.status, o.reason) for o in report.outcomes] == [
        ("skipped", "not inside the library folder"),
        ("skipped", "is a symbolic link, not a photo"),
        ("skipped", "leads outside the library through a symbolic link"),
        ("skipped", "already in the quarantine folder"),
        ("skipped", "not in the catalog; scan the folder first"),
        ("moved", ""),
    ]  # duplicates in the request count once
    again = q.quarantine(cat, [lib / "a.jpg"], library_root=lib)
    assert again.outcomes[0].reason == "already in quarantine"
    assert outside.exists() and os.path.islink(link)


@pytest.mark.parametrize("where", ["replace", "mkdir", "fingerprint", "hash", "reserve"])
def test_permission_errors_leave_the_photo_in_place(
    where: str, cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    b = lib / "b.jpg"
    _record(cat, [b])
    if where == "replace":
        monkeypatch.setattr(os, "replace", denied)
    elif where == "mkdir":
        monkeypatch.setattr(Path, "mkdir", denied)
    elif where == "fingerprint":
        monkeypatch.setattr(safety, "fingerprint_matches", denied)
    elif where == "hash":
        monkeypatch.setattr(safety, "content_hash", denied)
    else:
        monkeypatch.setattr(os, "open", denied)
    before = _snapshot(lib)
    report = q.quarantine(cat, [b], library_root=lib)
    [o] = report.outcomes
    assert o.status == "failed" and "permission denied" in o.reason and o.destination is None
    assert _snapshot(lib) == before  # no placeholder left in the quarantine either
    assert cat.get(str(b)).state == "present"  # type: ignore[union-attr]
    assert all(s == "failed" for _, s in _journal(cat))


def test_refuses_dangerous_destinations(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    _record(cat, [lib / "b.jpg"])
    first = q.quarantine(cat, [lib / "a.jpg"], library_root=lib, dest=tmp_path / "q")
    assert first.batch_id is not None or first.outcomes  # a --to quarantine now exists
    _record(cat, [lib / "a.jpg"])
    q.quarantine(cat, [lib / "a.jpg"], library_root=lib, dest=tmp_path / "q")
    for dest, words in [
        (lib / ".dropletcleaner-quarantine" / "sub", "inside a quarantine"),
        (tmp_path / "q" / "sub", "inside a quarantine"),
        (lib / "trip", "inside the library"),
        (lib, "inside the library"),
        (Path("/usr/share/dropletcleaner"), "system folder"),
        (Path("/"), "root of a drive"),
    ]:
        with pytest.raises(QuarantineError, match=words):
            q.quarantine(cat, [lib / "b.jpg"], library_root=lib, dest=dest)
    assert (lib / "b.jpg").exists()


def test_refuses_dangerous_libraries(
    cat: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    windows = tmp_path / "Windows"
    (windows / "Web").mkdir(parents=True)
    monkeypatch.setenv("SystemRoot", str(windows))
    inside_q = tmp_path / "lib" / ".dropletcleaner-quarantine" / "x"
    inside_q.mkdir(parents=True)
    for root, words in [
        (Path("/"), "root of a drive"),
        (Path("/etc"), "system folder"),
        (Path("/var"), "system folder"),
        (tmp_path / "home", "home folder"),
        (windows / "Web", "system folder"),
        (inside_q, "inside a quarantine"),
        (tmp_path / "nope", "not a folder"),
    ]:
        with pytest.raises(QuarantineError, match=words):
            q.quarantine(cat, [], library_root=root)


def test_a_second_operation_at_once_is_refused(cat: Catalog, lib: Path) -> None:
    import fcntl

    lock = cat.path.with_name(cat.path.name + ".quarantine-lock")
    with open(lock, "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(QuarantineError, match="another quarantine"):
            q.recover(cat)
    assert q.recover(cat) == []
