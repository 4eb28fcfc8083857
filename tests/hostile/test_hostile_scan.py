"""Issue 10, scanning cases 1-7: no file can crash, hang or mislead a scan.

Each test builds the case beside one good JPEG, scans, and checks that the good photo is
scored and the bad file has a catalog row whose error says why.
"""

from __future__ import annotations

import errno
import os
import resource
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import EpsImagePlugin, Image

from dropletcleaner.core.catalog.photos import Catalog, PhotoRecord
from dropletcleaner.core.library import scan as scan_module
from dropletcleaner.core.library import thumbnails as thumbnails_module
from dropletcleaner.core.library.scan import Scanner, ScanSummary
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.photos.decode import DecodeError, decode_for_scan
from dropletcleaner.core.photos.discovery import FoundFile, WalkError
from tests.hostile import corpus


def _scan(root: Path, cat: Catalog, scorer, thumbs: ThumbnailCache | None = None) -> ScanSummary:  # type: ignore[no-untyped-def]
    scanner = Scanner(root, cat, scorer, thumbs or ThumbnailCache(root.parent / "thumbs"))
    for _ in scanner.run():
        pass
    return scanner.summary


def _scan_rows(  # type: ignore[no-untyped-def]
    folder: Path, db: Path, scorer, thumbs: ThumbnailCache | None = None
) -> tuple[ScanSummary, dict[str, PhotoRecord]]:
    """Scan with a catalog of this thread (SQLite connections are per thread); all rows."""
    with Catalog(db) as cat:
        summary = _scan(folder, cat, scorer, thumbs)
        return summary, {r.path: r for r in cat.photos(str(folder))}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "F"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(corpus.good_jpeg())
    return folder


def _assert_good_scored(rows: dict[str, PhotoRecord], folder: Path) -> None:
    good = rows.get(str(folder / "good.jpg"))
    assert good is not None and good.error is None and good.score is not None


def _swap_after_discovery(monkeypatch: pytest.MonkeyPatch, swap) -> None:  # type: ignore[no-untyped-def]
    """Run ``swap()`` once discovery has listed every file, before any is decoded."""
    real = scan_module.walk_images

    def walk(*args, **kwargs) -> Iterator[FoundFile | WalkError]:  # type: ignore[no-untyped-def]
        yield from real(*args, **kwargs)
        swap()

    monkeypatch.setattr(scan_module, "walk_images", walk)


def _run_bounded(func, seconds: float = 60.0):  # type: ignore[no-untyped-def]
    """Run ``func`` on a thread; fail (instead of hanging the suite) if it never returns."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: it hangs"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


# -- case 1 -------------------------------------------------------------------------------
def test_case1_eps_named_jpg_never_starts_ghostscript(tmp_path, scorer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    (folder / "holiday.jpg").write_bytes(corpus.EPS_LOOP)
    (folder / "page.png").write_bytes(corpus.PS_LOOP)
    (folder / "doc.jpg").write_bytes(corpus.PDF_MINIMAL)
    # A stand-in Ghostscript that leaves a mark if Pillow ever runs it.
    marker = tmp_path / "gs-ran"
    fake_gs = tmp_path / "gs"
    fake_gs.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    fake_gs.chmod(0o755)
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", str(fake_gs))
    summary, rows = _run_bounded(lambda: _scan_rows(folder, tmp_path / "c.db", scorer))
    assert not marker.exists(), "decoding started an outside program"
    for name in ("holiday.jpg", "page.png", "doc.jpg"):
        assert rows[str(folder / name)].error == "not a recognised image format"
    _assert_good_scored(rows, folder)
    assert summary.scored == 1
    from dropletcleaner.core.photos.decode import image_formats

    assert not {"EPS", "PDF"} & set(image_formats())


# -- case 2 -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("broken.png", corpus.png_truncated_ihdr),
        ("ztxt.png", corpus.png_ztxt_bomb),
        ("itxt.png", corpus.png_itxt_bomb),
        ("iccp.png", corpus.png_iccp_bomb),
        ("jpeg2000.jpg", corpus.jpeg2000_bad_comment),
    ],
)
def test_case2_malformed_file_is_its_own_error_row(tmp_path, scorer, name, build) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    (folder / name).write_bytes(build())
    for _ in range(2):  # the rescan used to crash the same way
        summary, rows = _scan_rows(folder, tmp_path / "c.db", scorer)
        row = rows[str(folder / name)]
        assert row.error and row.score is None
        assert summary.errors[str(folder / name)] == row.error
        _assert_good_scored(rows, folder)


def test_case2_any_decoder_exception_is_an_error_row(tmp_path, scorer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    (folder / "odd.png").write_bytes(corpus.good_png())
    real = Image.Image.load

    def load(self):  # type: ignore[no-untyped-def]
        if self.format == "PNG":
            raise ZeroDivisionError("a decoder bug")
        return real(self)

    monkeypatch.setattr(Image.Image, "load", load)
    _, rows = _scan_rows(folder, tmp_path / "c.db", scorer)
    row = rows[str(folder / "odd.png")]
    assert row.error is not None and "a decoder bug" in row.error
    _assert_good_scored(rows, folder)


# -- case 3 -------------------------------------------------------------------------------
def test_case3_name_that_is_not_utf8_is_scanned_catalogued_and_thumbnailed(
    tmp_path, scorer
) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    raw = os.path.join(os.fsencode(folder), corpus.LATIN1_NAME)
    with open(raw, "wb") as out:
        out.write(corpus.good_jpeg(7))
    name = os.fsdecode(raw)
    thumbs = ThumbnailCache(tmp_path / "thumbs")
    with Catalog(tmp_path / "c.db") as cat:
        summary = _scan(folder, cat, scorer, thumbs)
        assert not summary.errors and summary.scored == 2
        row = cat.get(name)
        assert row is not None and row.score is not None and row.path == name
        assert os.fsencode(row.path) == raw  # the stored name is the file's own bytes
        assert [r.path for r in cat.photos(str(folder))] == sorted([name, str(folder / "good.jpg")])
        assert thumbs.path_for(row.path, row.size, row.mtime_ns).is_file()
        assert _scan(folder, cat, scorer, thumbs).unchanged == 2  # the rescan recognises it
    # A reopened catalog reads the same name back.
    with Catalog(tmp_path / "c.db") as cat:
        assert cat.get(name) is not None


# -- case 4 -------------------------------------------------------------------------------
def test_case4_huge_file_is_refused_without_reading_it(tmp_path, scorer) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    movie = folder / "movie.jpg"
    with open(movie, "wb") as out:
        out.truncate(3 * 1024**3)  # sparse: no disk used
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, rows = _scan_rows(folder, tmp_path / "c.db", scorer)
    row = rows[str(movie)]
    assert row.error is not None and "too large" in row.error
    _assert_good_scored(rows, folder)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 512 * 1024, f"peak memory grew by {grown_kib / 1024:.0f} MiB"


def test_case4_file_swapped_for_dev_zero_link_is_not_read(tmp_path, scorer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    victim = folder / "victim.jpg"
    victim.write_bytes(corpus.good_jpeg(2))

    def swap() -> None:
        victim.unlink()
        victim.symlink_to("/dev/zero")

    _swap_after_discovery(monkeypatch, swap)
    _, rows = _run_bounded(lambda: _scan_rows(folder, tmp_path / "c.db", scorer))
    assert rows[str(victim)].error == "not a regular file: it is a character device"
    _assert_good_scored(rows, folder)
    with pytest.raises(OSError, match="character device"):
        decode_for_scan(victim)


# -- case 5 -------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_case5_file_swapped_for_fifo_does_not_hang(tmp_path, scorer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    victim = folder / "victim.jpg"
    victim.write_bytes(corpus.good_jpeg(3))

    def swap() -> None:
        victim.unlink()
        os.mkfifo(victim)

    _swap_after_discovery(monkeypatch, swap)
    _, rows = _run_bounded(lambda: _scan_rows(folder, tmp_path / "c.db", scorer))
    assert rows[str(victim)].error == "not a regular file: it is a named pipe (FIFO)"
    _assert_good_scored(rows, folder)


# -- case 6 -------------------------------------------------------------------------------
def test_case6_full_thumbnail_cache_still_scores_the_photo(tmp_path, scorer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)

    def full(*_args, **_kwargs) -> None:  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(thumbnails_module, "atomic_write_bytes", full)
    thumbs = ThumbnailCache(tmp_path / "thumbs")
    summary, rows = _scan_rows(folder, tmp_path / "c.db", scorer, thumbs)
    assert summary.scored == 1 and not summary.errors
    _assert_good_scored(rows, folder)
    assert thumbs.write_failures == 1
    warning = thumbs.write_warning()
    assert warning is not None and "No space left on device" in warning


# -- case 7 -------------------------------------------------------------------------------
def test_case7_special_files_and_bad_links_get_rows_with_reasons(tmp_path, scorer) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    made = corpus.build_special(folder)
    sock = corpus.make_socket(folder / "s.jpg")
    expected = {
        "fifo": "not a regular file: it is a named pipe (FIFO)",
        "dangling": "broken symbolic link: its target does not exist",
        "loop": "symbolic link loop: the link leads back to itself",
        "device": "not a regular file: it is a character device",
    }
    try:
        summary, rows = _run_bounded(lambda: _scan_rows(folder, tmp_path / "c.db", scorer))
        for kind, path in made.items():
            assert str(path) in rows, f"{kind} has no row"
            assert rows[str(path)].error == expected[kind]
            assert str(path) in summary.found
        if sock is not None:
            assert rows[str(folder / "s.jpg")].error == "not a regular file: it is a socket"
        assert not summary.folder_errors  # none of these is a folder
        _assert_good_scored(rows, folder)
    finally:
        if sock is not None:
            sock.close()


def test_case7_training_walks_still_skip_special_files(tmp_path) -> None:
    from dropletcleaner.core.photos.discovery import walk_images

    folder = _folder(tmp_path)
    corpus.build_special(folder)
    found = [f for f in walk_images(folder) if isinstance(f, FoundFile)]
    assert [Path(f.path).name for f in found] == ["good.jpg"]
    assert all(stat.S_ISREG(os.stat(f.path).st_mode) for f in found)


def test_decode_refuses_what_it_cannot_name(tmp_path) -> None:
    """The decoder's own contract: DecodeError or OSError, never anything else."""
    made = corpus.build_corpus(tmp_path / "C")
    for key, path in made.items():
        if key in ("good.jpg", "latin1"):
            assert decode_for_scan(path).width == 96
            continue
        with pytest.raises((DecodeError, OSError)):
            _run_bounded(lambda p=path: decode_for_scan(p), seconds=20)


def test_case3_name_that_is_not_utf8_is_quarantined_and_restored(tmp_path, scorer) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.core.quarantine import api as q

    folder = _folder(tmp_path)
    raw = os.path.join(os.fsencode(folder), corpus.LATIN1_NAME)
    with open(raw, "wb") as out:
        out.write(corpus.good_jpeg(8))
    with open(raw[:-4] + b".xmp", "wb") as out:  # its sidecar, same odd name
        out.write(b"<xmp/>")
    name = Path(os.fsdecode(raw))
    with Catalog(tmp_path / "c.db") as cat:
        _scan(folder, cat, scorer)
        report = q.quarantine(cat, [name], library_root=folder)
        assert report.moved == 1 and not report.failed, report.outcomes
        assert not os.path.exists(raw)
        row = cat.get(str(name))
        assert row is not None and row.state == "quarantined"
        assert [f.original for f in q.quarantined_files(cat)] == [name]
        back = q.restore(cat, batch_id=report.batch_id)
        assert back.moved == 1 and not back.failed
        assert os.path.exists(raw) and os.path.exists(raw[:-4] + b".xmp")
        row = cat.get(str(name))
        assert row is not None and row.state == "present"
