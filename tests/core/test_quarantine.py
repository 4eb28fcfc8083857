"""Quarantine: round trips, sidecars, collisions, cross-device moves, crashes, refusals."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dropletcleaner.core import quarantine as q
from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.library.scan import Scanner
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from tests.helpers import write_jpeg

REPO = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """Stands in for the process dying at a chosen point (nothing catches it)."""


# -- helpers ------------------------------------------------------------------------------


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


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    write_jpeg(root / "a.jpg", size=(64, 48), seed=1)
    write_jpeg(root / "b.jpg", size=(64, 48), seed=2)
    write_jpeg(root / "trip" / "c.jpg", size=(64, 48), seed=3)
    (root / "a.xmp").write_text("<xmp>a</xmp>")
    return root


@pytest.fixture
def cat(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.db") as catalog:
        yield catalog


def _photos(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jpg") if q.QUARANTINE_DIR_NAME not in p.parts)


def _quarantine_all(cat: Catalog, root: Path, **kw: object) -> q.BatchReport:
    paths = _photos(root)
    _record(cat, paths)
    return q.quarantine(cat, paths, library_root=root, **kw)  # type: ignore[arg-type]


# -- basics -------------------------------------------------------------------------------


def test_default_quarantine_dir_sits_inside_the_library(tmp_path: Path) -> None:
    assert q.default_quarantine_dir(tmp_path) == tmp_path / ".dropletcleaner-quarantine"


def test_flagged_paths_uses_score_and_labels(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    a, b, c = lib / "a.jpg", lib / "b.jpg", lib / "trip" / "c.jpg"
    _record(cat, [a], score=0.9)
    _record(cat, [b], score=0.1)
    _record(cat, [c], score=0.95)
    write_jpeg(lib / "d.jpg", size=(32, 32))
    write_jpeg(lib / "e.jpg", size=(32, 32), seed=5)
    _record(cat, [lib / "d.jpg", lib / "e.jpg"], score=0.99)
    other = write_jpeg(tmp_path / "elsewhere" / "x.jpg", size=(32, 32))
    _record(cat, [other], score=0.99)
    cat.set_label([str(b)], "droplet")  # labelled droplet despite a low score
    cat.set_label([str(c)], "clean")  # "clean" wins over a high score
    cat.mark_missing([str(lib / "d.jpg")])
    cat.set_state(str(lib / "e.jpg"), "quarantined")
    cat.record_scans([ScanResult(str(lib / "broken.jpg"), 0, 0, error="empty file")])
    assert q.flagged_paths(cat, lib, 0.5) == [a, b]
    assert q.flagged_paths(cat, lib, 0.95) == [b]


def test_round_trip_is_byte_identical_with_same_mtime(cat: Catalog, lib: Path) -> None:
    os.utime(lib / "a.jpg", ns=(1_000_000_000, 1_234_567_891_000))
    before = _snapshot(lib)
    seen: list[Progress] = []
    report = _quarantine_all(cat, lib, on_progress=seen.append)
    assert report.kind == "quarantine" and report.batch_id is not None
    assert (report.moved, report.skipped, report.failed) == (3, 0, 0)
    assert report.bytes_moved == sum(
        (lib / ".dropletcleaner-quarantine" / n).stat().st_size
        for n in ("a.jpg", "a.xmp", "b.jpg", "trip/c.jpg")
    )
    assert [p.done for p in seen] == [1, 2, 3] and seen[-1].total == 3
    # The quarantine mirrors the library layout; nothing is left behind.
    assert _files(lib) == [
        ".dropletcleaner-quarantine/a.jpg",
        ".dropletcleaner-quarantine/a.xmp",
        ".dropletcleaner-quarantine/b.jpg",
        ".dropletcleaner-quarantine/trip/c.jpg",
    ]
    assert {r.state for r in cat.photos(str(lib))} == {"quarantined"}
    assert cat.get(str(lib / "a.jpg")) is not None  # rows keep their original path
    files = q.quarantined_files(cat)
    assert [f.original for f in files] == _photos_before(lib)
    assert files[0].current == lib / ".dropletcleaner-quarantine" / "a.jpg"
    assert q.quarantined_files(cat, report.batch_id) == files

    back = q.restore(cat, batch_id=report.batch_id)
    assert back.kind == "restore" and back.moved == 3 and back.batch_id != report.batch_id
    assert back.outcomes[0].source == lib / ".dropletcleaner-quarantine" / "a.jpg"
    assert back.outcomes[0].destination == lib / "a.jpg"
    assert back.outcomes[0].sidecars == (lib / "a.xmp",)
    assert _snapshot(lib) == before  # same bytes, same mtimes, quarantine folder gone
    assert {r.state for r in cat.photos(str(lib))} == {"present"}
    assert q.quarantined_files(cat) == []
    assert {s for _, s in _journal(cat)} == {"done"}


def _photos_before(lib: Path) -> list[Path]:
    return [lib / "a.jpg", lib / "b.jpg", lib / "trip" / "c.jpg"]


def test_sidecars_go_out_and_come_back_together(cat: Catalog, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    photo = write_jpeg(root / "IMG_1.JPG", size=(32, 32))
    sidecars = ["img_1.xmp", "IMG_1.CR2", "IMG_1.MOV", "IMG_1.aae", "IMG_1.JPG.xmp", "IMG_1.dng"]
    for name in sidecars:
        (root / name).write_bytes(name.encode())
    (root / "IMG_10.xmp").write_text("another photo's")
    (root / "IMG_1.txt").write_text("not a sidecar")
    (root / ".IMG_1.xmp").write_text("hidden")
    os.symlink(root / "IMG_1.txt", root / "IMG_1.arw")  # a link is not a sidecar
    png = root / "IMG_2.png"
    Image.new("RGB", (32, 32), (10, 20, 30)).save(png)
    (root / "IMG_2.dng").write_bytes(b"raw beside a png is its own photo")
    (root / "IMG_2.xmp").write_text("png sidecar")
    before = _snapshot(root)
    _record(cat, [photo, png])
    report = q.quarantine(cat, [photo, png], library_root=root)
    qdir = root / ".dropletcleaner-quarantine"
    assert sorted(p.name for p in report.outcomes[0].sidecars) == sorted(sidecars)
    assert report.outcomes[1].sidecars == (qdir / "IMG_2.xmp",)
    left = {p.name for p in root.iterdir() if p.is_file() or p.is_symlink()}
    assert left == {"IMG_10.xmp", "IMG_1.txt", ".IMG_1.xmp", "IMG_1.arw", "IMG_2.dng"}
    assert q.quarantined_files(cat)[0].current == qdir / "IMG_1.JPG"  # sidecars not listed
    undone = q.undo(cat)
    assert undone is not None and undone.moved == 2
    assert _snapshot(root) == before


def test_collision_in_quarantine_gets_a_suffix_for_the_whole_group(cat: Catalog, lib: Path) -> None:
    qdir = lib / ".dropletcleaner-quarantine"
    qdir.mkdir()
    (qdir / "a.jpg").write_bytes(b"an older quarantined photo")
    (qdir / "a (1).xmp").write_bytes(b"and a sidecar")
    before = _snapshot(lib)
    report = _quarantine_all(cat, lib)
    first = report.outcomes[0]
    assert first.destination == qdir / "a (2).jpg" and first.sidecars == (qdir / "a (2).xmp",)
    assert "stored as a (2).jpg" in first.reason
    assert (qdir / "a.jpg").read_bytes() == b"an older quarantined photo"
    q.restore(cat, all_batches=True)
    assert _snapshot(lib) == before


def test_collision_on_restore_restores_beside_and_reports(cat: Catalog, lib: Path) -> None:
    original = (lib / "a.jpg").read_bytes()
    report = _quarantine_all(cat, lib)
    (lib / "a.jpg").write_bytes(b"a new photo took the name")
    back = q.restore(cat, paths=[lib / "a.jpg"])
    [o] = back.outcomes
    assert o.status == "restored" and o.destination == lib / "a (1).jpg"
    assert o.sidecars == (lib / "a (1).xmp",)
    assert "occupied" in o.reason and "a (1).jpg" in o.reason
    assert (lib / "a.jpg").read_bytes() == b"a new photo took the name"
    assert (lib / "a (1).jpg").read_bytes() == original
    # The catalog row follows the photo to its new name.
    row = cat.get(str(lib / "a (1).jpg"))
    assert row is not None and row.state == "present" and row.score == 0.9
    assert cat.get(str(lib / "a.jpg")) is None
    assert [b.open_count for b in q.list_batches(cat) if b.batch_id == report.batch_id] == [2]


def test_two_quarantined_photos_of_one_path_come_back_side_by_side(
    cat: Catalog, lib: Path, tmp_path: Path
) -> None:
    a = lib / "a.jpg"
    first = a.read_bytes()
    _record(cat, [a])
    q.quarantine(cat, [a], library_root=lib, dest=tmp_path / "aside")
    write_jpeg(a, size=(40, 30), seed=7)  # a new photo under the same name, quarantined too
    second = a.read_bytes()
    _record(cat, [a])
    q.quarantine(cat, [a], library_root=lib, dest=tmp_path / "aside")
    assert sorted(p.name for p in (tmp_path / "aside").iterdir()) == [
        "a (1).jpg",
        "a.jpg",
        "a.xmp",
    ]
    back = q.restore(cat, all_batches=True)
    assert [o.destination for o in back.outcomes] == [a, lib / "a (1).jpg"]
    assert a.read_bytes() == first and (lib / "a (1).jpg").read_bytes() == second
    # Both restores were planned apart in one journal chunk: no destination was renamed.
    rows = cat.connection.execute(
        "SELECT destination FROM quarantine_journal WHERE op = 'back' ORDER BY id"
    )
    assert [r[0] for r in rows] == [str(a), str(lib / "a.xmp"), str(lib / "a (1).jpg")]


def test_restore_beside_a_stale_catalog_row_leaves_the_photo_to_a_rescan(
    cat: Catalog, lib: Path
) -> None:
    _quarantine_all(cat, lib)
    (lib / "a.jpg").write_bytes(b"new")
    cat.record_scans([ScanResult(str(lib / "a (1).jpg"), 1, 1, error="gone")])
    cat.mark_missing([str(lib / "a (1).jpg")])
    q.restore(cat, paths=[lib / "a.jpg"])
    row = cat.get(str(lib / "a.jpg"))
    assert row is not None and row.state == "missing"
    assert (lib / "a (1).jpg").stat().st_size > 3


@pytest.mark.parametrize("which", [0, 1])
def test_name_taken_between_check_and_reservation(
    which: int, cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = q._reserve
    raced: list[Path] = []

    def racing(names: list[Path]) -> bool:
        if not raced:  # another program creates one of the files right after our check
            raced.append(names[which])
            names[which].write_bytes(b"someone else's")
        return real(names)

    monkeypatch.setattr(q, "_reserve", racing)
    _record(cat, [lib / "a.jpg"])
    report = q.quarantine(cat, [lib / "a.jpg"], library_root=lib)
    [o] = report.outcomes
    qdir = lib / ".dropletcleaner-quarantine"
    assert o.status == "moved" and o.destination == qdir / "a (1).jpg"
    assert o.sidecars == (qdir / "a (1).xmp",)
    assert raced[0].read_bytes() == b"someone else's"
    assert _files(qdir) == sorted(["a (1).jpg", "a (1).xmp", raced[0].name])  # no placeholder
    rows = cat.connection.execute("SELECT destination FROM quarantine_journal ORDER BY id")
    assert [r[0] for r in rows] == [str(qdir / "a (1).jpg"), str(qdir / "a (1).xmp")]


# -- cross-device moves -------------------------------------------------------------------


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
    real_hash = q.content_hash
    monkeypatch.setattr(
        q, "content_hash", lambda p: "bad" if "partial" in os.fspath(p) else real_hash(p)
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


# -- identity, skips and permission errors ------------------------------------------------


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
        monkeypatch.setattr(q, "fingerprint_matches", denied)
    elif where == "hash":
        monkeypatch.setattr(q, "content_hash", denied)
    else:
        monkeypatch.setattr(os, "open", denied)
    before = _snapshot(lib)
    report = q.quarantine(cat, [b], library_root=lib)
    [o] = report.outcomes
    assert o.status == "failed" and "permission denied" in o.reason and o.destination is None
    assert _snapshot(lib) == before  # no placeholder left in the quarantine either
    assert cat.get(str(b)).state == "present"  # type: ignore[union-attr]
    assert all(s == "failed" for _, s in _journal(cat))


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


def test_unreadable_folder_listing_means_no_sidecars(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(path: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "scandir", denied)
    _record(cat, [lib / "a.jpg"])
    report = q.quarantine(cat, [lib / "a.jpg"], library_root=lib)
    assert report.outcomes[0].status == "moved" and report.outcomes[0].sidecars == ()


def test_dry_run_changes_nothing(cat: Catalog, lib: Path) -> None:
    paths = _photos(lib)
    _record(cat, paths)
    (lib / ".dropletcleaner-quarantine").mkdir()
    (lib / ".dropletcleaner-quarantine" / "b.jpg").write_bytes(b"older")
    before = _snapshot(lib)
    rows = cat.photos()
    report = q.quarantine(cat, paths, library_root=lib, dry_run=True)
    assert report.batch_id is None and report.moved == 0 and report.would_move == 3
    qdir = lib / ".dropletcleaner-quarantine"
    assert [o.destination for o in report.outcomes] == [
        qdir / "a.jpg",
        qdir / "b (1).jpg",
        qdir / "trip" / "c.jpg",
    ]
    assert report.outcomes[0].sidecars == (qdir / "a.xmp",)
    assert report.outcomes[0].size == (lib / "a.jpg").stat().st_size + 12
    assert _snapshot(lib) == before and cat.photos() == rows
    assert not (qdir / "trip").exists()
    assert _journal(cat) == [] and q.list_batches(cat) == []


def test_cancel_stops_before_the_next_group(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(q._Run, "CHUNK", 1)  # journal and move one group at a time
    token = CancelToken()
    paths = _photos(lib)
    _record(cat, paths)
    report = q.quarantine(
        cat, paths, library_root=lib, cancel=token, on_progress=lambda p: token.cancel()
    )
    assert report.cancelled and report.moved == 1 and len(report.outcomes) == 1
    back = q.restore(cat, all_batches=True, cancel=token)
    assert back.cancelled and back.moved == 0 and back.batch_id is None


# -- refusals -----------------------------------------------------------------------------


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
        with pytest.raises(q.QuarantineError, match=words):
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
        with pytest.raises(q.QuarantineError, match=words):
            q.quarantine(cat, [], library_root=root)


def test_a_second_operation_at_once_is_refused(cat: Catalog, lib: Path) -> None:
    import fcntl

    lock = cat.path.with_name(cat.path.name + ".quarantine-lock")
    with open(lock, "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(q.QuarantineError, match="another quarantine"):
            q.recover(cat)
    assert q.recover(cat) == []


def test_restore_needs_exactly_one_selection(cat: Catalog, lib: Path) -> None:
    for kwargs in ({}, {"batch_id": "x", "all_batches": True}, {"paths": [lib], "batch_id": "x"}):
        with pytest.raises(q.QuarantineError, match="exactly one"):
            q.restore(cat, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(q.QuarantineError, match="no quarantine batch"):
        q.restore(cat, batch_id="nope")
    with pytest.raises(q.QuarantineError, match="no quarantine batch"):
        q.empty_quarantine(cat, batch_id="nope", trash=lambda p: None)


# -- restore, undo, listing ---------------------------------------------------------------


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


def test_undo_restores_only_the_latest_open_batch(cat: Catalog, lib: Path) -> None:
    assert q.undo(cat) is None
    a, b, c = _photos_before(lib)
    _record(cat, [a, b, c])
    first = q.quarantine(cat, [a, b], library_root=lib)
    second = q.quarantine(cat, [c], library_root=lib)
    undone = q.undo(cat)
    assert undone is not None and [o.destination for o in undone.outcomes] == [c]
    batches = q.list_batches(cat)
    assert [(b.kind, b.count, b.open_count) for b in batches] == [
        ("restore", 1, 0),
        ("quarantine", 1, 0),
        ("quarantine", 2, 2),
    ]
    assert batches[2].batch_id == first.batch_id and batches[1].batch_id == second.batch_id
    assert batches[2].size_bytes == sum(
        (lib / ".dropletcleaner-quarantine" / n).stat().st_size for n in ("a.jpg", "a.xmp", "b.jpg")
    )
    assert batches[2].destination_root == lib / ".dropletcleaner-quarantine"
    assert batches[0].created_at >= batches[2].created_at
    again = q.undo(cat)
    assert again is not None and again.moved == 2
    assert q.undo(cat) is None


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
    real = q.content_hash

    def denied_hash(path: os.PathLike[str]) -> str:
        if where == "hash" or os.fspath(path).endswith(".xmp"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path)

    def denied_mkdir(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    if where == "mkdir":
        monkeypatch.setattr(Path, "mkdir", denied_mkdir)
    else:
        monkeypatch.setattr(q, "content_hash", denied_hash)
    back = q.restore(cat, all_batches=True)
    [o] = back.outcomes
    if where == "sidecar-hash":
        assert o.status == "restored" and o.reason == "sidecar a.xmp: permission denied"
        assert [f.current.name for f in q.quarantined_files(cat)] == ["a.xmp"]  # orphan listed
    else:
        assert o.status == "failed" and "permission denied" in o.reason
        assert [f.original for f in q.quarantined_files(cat)] == [lib / "a.jpg"]


# -- emptying -----------------------------------------------------------------------------


def _fake_trash(bin_dir: Path) -> Callable[[Path], None]:
    bin_dir.mkdir(parents=True, exist_ok=True)

    def trash(path: Path) -> None:
        os.replace(path, bin_dir / path.name)

    return trash


def test_empty_sends_files_to_the_trash(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    report = _quarantine_all(cat, lib)
    bin_dir = tmp_path / "bin"
    emptied = q.empty_quarantine(cat, trash=_fake_trash(bin_dir))
    assert emptied.kind == "empty" and emptied.moved == 3 and emptied.failed == 0
    assert emptied.bytes_moved == report.bytes_moved
    assert emptied.outcomes[0].sidecars == (lib / ".dropletcleaner-quarantine" / "a.xmp",)
    assert sorted(p.name for p in bin_dir.iterdir()) == ["a.jpg", "a.xmp", "b.jpg", "c.jpg"]
    assert not (lib / ".dropletcleaner-quarantine").exists()
    assert {r.state for r in cat.photos(str(lib), include_missing=True)} == {"missing"}
    assert q.quarantined_files(cat) == [] and q.undo(cat) is None
    assert [b.kind for b in q.list_batches(cat)] == ["empty", "quarantine"]


def test_empty_when_a_sidecar_was_removed_by_hand(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    _quarantine_all(cat, lib)
    (lib / ".dropletcleaner-quarantine" / "a.xmp").unlink()
    emptied = q.empty_quarantine(cat, trash=_fake_trash(tmp_path / "bin"))
    assert emptied.moved == 3 and emptied.outcomes[0].sidecars == ()
    assert q.quarantined_files(cat) == []


def test_empty_by_default_uses_send2trash(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import send2trash

    monkeypatch.setattr(send2trash, "send2trash", _fake_trash(tmp_path / "bin"))
    _quarantine_all(cat, lib)
    seen: list[Progress] = []
    assert q.empty_quarantine(cat, on_progress=seen.append).moved == 3
    assert seen[-1].phase == "empty" and seen[-1].done == 3


def test_empty_verifies_each_file_left(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    report = _quarantine_all(cat, lib)
    qdir = lib / ".dropletcleaner-quarantine"
    fake = _fake_trash(tmp_path / "bin")

    def picky(path: Path) -> None:
        if path.name == "b.jpg":
            raise OSError("the trash is full")
        if path.name == "c.jpg":
            return  # says nothing, does nothing
        if path.name == "a.xmp":
            raise OSError("no")
        fake(path)

    emptied = q.empty_quarantine(cat, batch_id=report.batch_id, trash=picky)
    by_name = {o.source.name: o for o in emptied.outcomes}
    assert by_name["a.jpg"].status == "trashed" and by_name["a.jpg"].sidecars == ()
    assert by_name["b.jpg"].reason == "could not move it to the trash: the trash is full"
    assert by_name["c.jpg"].reason == "still in the quarantine folder after moving it to the trash"
    assert sorted(f.current.name for f in q.quarantined_files(cat)) == ["a.xmp", "b.jpg", "c.jpg"]
    assert (qdir / "b.jpg").exists() and (qdir / "trip" / "c.jpg").exists()
    # Files removed from the quarantine by hand: reported, not fatal.
    (qdir / "b.jpg").unlink()
    (qdir / "a.xmp").unlink()
    again = q.empty_quarantine(cat, trash=fake)
    assert [(o.source.name, o.status, o.reason) for o in again.outcomes] == [
        ("a.xmp", "failed", "no longer in the quarantine folder"),
        ("b.jpg", "failed", "no longer in the quarantine folder"),
        ("c.jpg", "trashed", ""),
    ]
    assert q.quarantined_files(cat) == []
    assert cat.get(str(lib / "b.jpg")).state == "missing"  # type: ignore[union-attr]


# -- crashes ------------------------------------------------------------------------------


def _crash_on_call(
    monkeypatch: pytest.MonkeyPatch, name: str, n: int, *, after: bool = False
) -> None:
    """Make the n-th call (1-based) of ``q.<name>`` die, before or after doing its work."""
    real = getattr(q, name)
    count = [0]

    def wrapper(*args: object, **kwargs: object) -> object:
        count[0] += 1
        if count[0] == n and not after:
            raise Crash()
        result = real(*args, **kwargs)
        if count[0] == n:
            raise Crash()
        return result

    monkeypatch.setattr(q, name, wrapper)


CRASH_POINTS = [
    ("_reserve", 1, False, "stayed"),  # intents written, nothing reserved
    ("_reserve", 1, True, "stayed"),  # placeholders exist, nothing moved
    ("_transfer", 1, False, "stayed"),
    ("_transfer", 1, True, "moved"),  # photo moved, not settled: sidecar finished by recovery
    ("_transfer", 2, False, "moved"),  # photo settled, sidecar not moved
    ("_settle", 2, False, "moved"),
]


@pytest.mark.parametrize(("name", "n", "after", "expect"), CRASH_POINTS)
def test_recover_after_a_crash_keeps_every_group_whole(
    name: str,
    n: int,
    after: bool,
    expect: str,
    cat: Catalog,
    lib: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = lib / "a.jpg"
    _record(cat, [a])
    before = _snapshot(lib)
    with monkeypatch.context() as m:
        _crash_on_call(m, name, n, after=after)
        with pytest.raises(Crash):
            q.quarantine(cat, [a], library_root=lib)
    outcomes = q.recover(cat)
    assert outcomes and all(o.status != "failed" for o in outcomes)
    qdir = lib / ".dropletcleaner-quarantine"
    if expect == "stayed":
        assert _snapshot(lib) == before  # placeholders gone too
        assert cat.get(str(a)).state == "present"  # type: ignore[union-attr]
        assert {s for _, s in _journal(cat)} == {"rolled-back"}
    else:
        assert _files(qdir) == ["a.jpg", "a.xmp"] and not (lib / "a.xmp").exists()
        assert cat.get(str(a)).state == "quarantined"  # type: ignore[union-attr]
        assert {s for _, s in _journal(cat)} == {"done"}
        assert [f.current for f in q.quarantined_files(cat)] == [qdir / "a.jpg"]
        q.restore(cat, all_batches=True)
        assert _snapshot(lib) == before
    assert q.recover(cat) == []


def test_recover_after_a_crash_during_restore(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(lib)
    _quarantine_all(cat, lib)
    with monkeypatch.context() as m:
        _crash_on_call(m, "_transfer", 1, after=True)
        with pytest.raises(Crash):
            q.restore(cat, all_batches=True)
    outcomes = q.recover(cat)
    # The photo that moved, then its sidecar; the journalled groups not yet begun roll back.
    assert [o.status for o in outcomes] == ["restored", "restored", "skipped", "skipped"]
    q.restore(cat, all_batches=True)
    assert _snapshot(lib) == before


def test_recover_after_a_crash_in_a_cross_device_copy(
    cat: Catalog, lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(lib)
    dest = tmp_path / "other-disk"
    b = lib / "b.jpg"
    _record(cat, [b])
    with monkeypatch.context() as m:
        _exdev_between_folders(m)
        # Die after the verified copy is in place, before the source is removed.
        real_unlink = os.unlink
        m.setattr(
            os,
            "unlink",
            lambda p: (_ for _ in ()).throw(Crash()) if Path(p) == b else real_unlink(p),
        )
        with pytest.raises(Crash):
            q.quarantine(cat, [b], library_root=lib, dest=dest)
    assert (dest / "b.jpg").read_bytes() == b.read_bytes()  # two copies for a moment
    [o] = q.recover(cat)
    assert o.status == "skipped" and "rolled back" in o.reason
    assert _snapshot(lib) == before and _files(dest) == []


def test_recover_removes_a_partial_copy(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    b = lib / "b.jpg"
    _record(cat, [b])
    dest = tmp_path / "other-disk"
    report = q.quarantine(cat, [b], library_root=lib, dest=dest, dry_run=True)
    target = report.outcomes[0].destination
    assert target is not None
    # Rebuild by hand the state a kill during a cross-device copy leaves.
    _write_intent(cat, b, target)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")  # placeholder
    q._temp_for(target).write_bytes(b.read_bytes()[:100])  # partial copy
    [o] = q.recover(cat)
    assert o.status == "skipped"
    assert _files(dest) == [] and b.exists()


def _write_intent(cat: Catalog, src: Path, dst: Path, role: str = "photo") -> None:
    """An intent exactly as the quarantine writes it before a move."""
    q._ensure_schema(cat)
    batch = q._Batch("quarantine", src.parent, dst.parent)
    item = q._Item(role, src, dst, str(src), src)
    q._identify(item)
    assert q._begin(cat, batch, "out", [[item]]) == [0] and item.destination == dst


def test_recover_keeps_both_when_they_differ(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    b = lib / "b.jpg"
    _record(cat, [b])
    dst = tmp_path / "q" / "b.jpg"
    _write_intent(cat, b, dst)
    dst.parent.mkdir()
    dst.write_bytes(b"something else entirely")
    [o] = q.recover(cat)
    assert o.status == "failed" and "nothing was removed" in o.reason
    assert b.exists() and dst.read_bytes() == b"something else entirely"
    assert cat.get(str(b)).state == "present"  # type: ignore[union-attr]


def test_recover_reports_a_file_found_nowhere(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    b = lib / "b.jpg"
    _record(cat, [b])
    dst = tmp_path / "q" / "b.jpg"
    _write_intent(cat, b, dst)
    dst.parent.mkdir()
    dst.write_bytes(b"")  # our placeholder
    b.unlink()  # someone removed the photo meanwhile
    [o] = q.recover(cat)
    assert o.status == "failed" and "neither" in o.reason
    assert not dst.exists()  # the empty placeholder is not left behind
    assert cat.get(str(b)).state == "missing"  # type: ignore[union-attr]
    assert _journal(cat) == [("out", "failed")]


@pytest.mark.parametrize("how", ["taken", "denied"])
def test_recover_cannot_finish_a_sidecar(
    how: str, cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = lib / "a.jpg"
    _record(cat, [a])
    with monkeypatch.context() as m:
        _crash_on_call(m, "_transfer", 2)  # photo moved and settled, sidecar not moved
        with pytest.raises(Crash):
            q.quarantine(cat, [a], library_root=lib)
    qdir = lib / ".dropletcleaner-quarantine"
    (qdir / "a.xmp").unlink()  # the crash left our placeholder
    if how == "taken":  # someone takes the name just before recovery reserves it
        monkeypatch.setattr(q, "_reserve", lambda names: False)
    else:
        monkeypatch.setattr(
            os, "replace", lambda s, d: (_ for _ in ()).throw(PermissionError(13, "denied"))
        )
    [o] = q.recover(cat)
    assert o.status == "failed" and "sidecar stayed" in o.reason
    assert (lib / "a.xmp").exists()
    if how == "denied":
        assert not (qdir / "a.xmp").exists()  # placeholder removed again


def test_recover_after_a_crash_while_emptying(
    cat: Catalog, lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _quarantine_all(cat, lib)
    fake = _fake_trash(tmp_path / "bin")
    calls = [0]

    def dying(path: Path) -> None:
        calls[0] += 1
        if calls[0] == 1:
            fake(path)  # trashed, then the process died
        raise Crash()

    with pytest.raises(Crash):
        q.empty_quarantine(cat, trash=dying)
    # The photo went before the crash: recovery sends its sidecar after it (issue 10, case 14).
    outcomes = q.recover(cat, trash=fake)
    assert {o.source.name: o.status for o in outcomes} == {"a.jpg": "trashed", "a.xmp": "trashed"}
    assert cat.get(str(lib / "a.jpg")).state == "missing"  # type: ignore[union-attr]
    assert not (lib / ".dropletcleaner-quarantine" / "a.xmp").exists()
    with pytest.raises(Crash):
        q.empty_quarantine(cat, trash=dying)
    [o] = q.recover(cat, trash=fake)
    assert o.status == "skipped"
    assert (lib / ".dropletcleaner-quarantine" / "b.jpg").exists()


_KILL_SCRIPT = """
import sys
import time
from pathlib import Path
from dropletcleaner.core import quarantine as q
from dropletcleaner.core.catalog.photos import Catalog

# A short pause per move keeps the batch running long enough to be killed mid-way.
real_transfer = q._transfer
def slow_transfer(*args):
    time.sleep(0.002)
    real_transfer(*args)
q._transfer = slow_transfer
catalog = Catalog(sys.argv[1])
root = Path(sys.argv[2])
if sys.argv[3] == "out":
    paths = [Path(r.path) for r in catalog.photos(str(root))]
    q.quarantine(catalog, paths, library_root=root)
else:
    q.restore(catalog, all_batches=True)
"""


def _run_and_kill(cat_path: Path, root: Path, op: str, started: Callable[[], bool]) -> None:
    """Run a batch in a child process and SIGKILL it once ``started()`` says it is under way."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(cat_path), str(root), op], env=env
    )
    deadline = time.monotonic() + 120
    try:
        while not started() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_in_the_middle_of_a_large_batch_loses_nothing(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    qdir = root / ".dropletcleaner-quarantine"
    rng = np.random.default_rng(0)
    expected: dict[str, bytes] = {}
    for i in range(2000):
        folder = root / f"f{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        data = rng.bytes(64 + i % 50)
        (folder / f"p{i:04d}.jpg").write_bytes(data)
        expected[f"f{i % 7}/p{i:04d}.jpg"] = data
        if i % 10 == 0:
            (folder / f"p{i:04d}.xmp").write_bytes(b"x%d" % i)
            expected[f"f{i % 7}/p{i:04d}.xmp"] = b"x%d" % i
    cat_path = tmp_path / "catalog.db"
    with Catalog(cat_path) as cat:
        _record(cat, sorted(root.rglob("*.jpg")))

    def check(cat: Catalog) -> tuple[int, int]:
        """Every file exactly once, byte-identical, groups whole, journal and catalog agreeing."""
        out = back = 0
        for rel, data in expected.items():
            here, there = root / rel, qdir / rel
            assert here.exists() != there.exists(), rel
            assert (here if here.exists() else there).read_bytes() == data
            photo = rel.replace(".xmp", ".jpg")
            assert here.exists() == (root / photo).exists(), f"{rel} split from its photo"
            if rel.endswith(".jpg"):
                row = cat.get(str(root / rel))
                assert row is not None
                assert row.state == ("present" if here.exists() else "quarantined")
                out += there.exists()
                back += here.exists()
        assert not list(root.rglob("*partial*"))
        assert not [p for p in qdir.rglob("*") if p.is_file() and p.stat().st_size == 0]
        open_intents = cat.connection.execute(
            "SELECT COUNT(*) FROM quarantine_journal WHERE status = 'intent'"
        ).fetchone()[0]
        assert open_intents == 0
        assert len(q.quarantined_files(cat)) == out
        return out, back

    # Photos go out folder by folder (f0, f1, ...): kill once the fourth folder is reached.
    _run_and_kill(cat_path, root, "out", lambda: (qdir / "f3").is_dir())
    with Catalog(cat_path) as cat:
        q.recover(cat)
        out, back = check(cat)
    assert 0 < out < 2000 and back == 2000 - out  # killed mid-batch

    # They come back in the same order: kill once the second folder gets photos back.
    _run_and_kill(cat_path, root, "back", lambda: any(os.scandir(root / "f1")))
    with Catalog(cat_path) as cat:
        q.recover(cat)
        out2, _ = check(cat)
        assert 0 < out2 < out  # killed mid-batch
        q.restore(cat, all_batches=True)
        assert check(cat) == (0, 2000)


# -- the scanner and the quarantine -------------------------------------------------------


class _FakeScorer:
    """Enough of a scorer for the scan pipeline, without a model."""

    version = "fake"
    has_map = True

    def embed_and_map(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((len(pixels), 8), np.float32), np.zeros((len(pixels), 9, 9), np.float32)

    def scores_from_embeddings(self, emb: np.ndarray) -> np.ndarray:
        return np.full(len(emb), 0.9, dtype=np.float32)


def test_rescan_keeps_quarantined_rows_and_skips_the_quarantine(
    cat: Catalog, lib: Path, tmp_path: Path
) -> None:
    def scan() -> list[str]:
        scanner = Scanner(lib, cat, _FakeScorer(), ThumbnailCache(tmp_path / "thumbs"))  # type: ignore[arg-type]
        list(scanner.run())
        return scanner.summary.found

    scan()
    paths = q.flagged_paths(cat, lib, 0.5)
    assert len(paths) == 3
    q.quarantine(cat, paths[:2], library_root=lib)
    found = scan()
    assert found == [str(lib / "trip" / "c.jpg")]  # nothing from the quarantine folder
    states = {Path(r.path).name: r.state for r in cat.photos(str(lib), include_missing=True)}
    assert states == {"a.jpg": "quarantined", "b.jpg": "quarantined", "c.jpg": "present"}
    q.undo(cat)
    scan()
    assert {r.state for r in cat.photos(str(lib), include_missing=True)} == {"present"}
