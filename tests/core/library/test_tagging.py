"""Tagging: sidecar names, merge into darktable and Lightroom sidecars, journalled writes,
undo byte for byte, and sidecars that must be left alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.library import tagging
from dropletcleaner.core.library.xmp import keywords
from tests.helpers import write_jpeg
from tests.xmp_fixtures import DARKTABLE, LIGHTROOM


def _catalog(tmp_path: Path, scores: dict[Path, float]) -> Catalog:
    cat = Catalog(tmp_path / "c.db")
    results = []
    for path, score in scores.items():
        st = path.stat()
        results.append(
            ScanResult(str(path), st.st_size, st.st_mtime_ns, score=score, model_version="v1")
        )
    cat.record_scans(results)
    return cat


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    write_jpeg(root / "IMG_1.JPG")
    (root / "IMG_1.CR2").write_bytes(b"raw")  # the JPEG's RAW sidecar
    write_jpeg(root / "IMG_2.jpg")
    write_jpeg(root / "clean.jpg")
    (root / "IMG_1.CR2.xmp").write_bytes(DARKTABLE)
    (root / "IMG_1.XMP").write_bytes(LIGHTROOM)  # spelt as Lightroom on Windows does
    os.chmod(root / "IMG_1.XMP", 0o640)
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    out = {}
    for p in sorted(root.iterdir()):
        st = p.stat()
        out[p.name] = (p.read_bytes(), st.st_mode, st.st_mtime_ns)
    return out


def test_sidecar_names() -> None:
    listing = ["IMG_1.JPG", "IMG_1.CR2", "IMG_1.XMP", "other.jpg"]
    names = tagging.sidecar_names(Path("/x/IMG_1.JPG"), listing)
    assert names == ["IMG_1.XMP", "IMG_1.JPG.xmp", "IMG_1.CR2.xmp"]
    assert tagging.sidecar_names(Path("/x/a.nef"), ["a.nef"]) == ["a.xmp", "a.nef.xmp"]


def test_tag_then_undo_leaves_every_sidecar_byte_identical(lib: Path, tmp_path: Path) -> None:
    before = _snapshot(lib)
    photos = {lib / "IMG_1.JPG": 0.95, lib / "IMG_2.jpg": 0.2, lib / "clean.jpg": 0.99}
    with _catalog(tmp_path, photos) as cat:
        cat.set_label([str(lib / "IMG_2.jpg")], "droplet")  # labelled: tagged whatever its score
        cat.set_label([str(lib / "clean.jpg")], "clean")  # labelled clean: never tagged
        tag_plan = tagging.plan(cat, lib, 0.5, label="Red")
    assert tag_plan.photos == 2
    journal_dir = tmp_path / "journal"
    written, problems = tagging.apply(tag_plan, journal_dir)
    assert not problems
    assert sorted(Path(p).name for p in written) == [
        "IMG_1.CR2.xmp",
        "IMG_1.JPG.xmp",
        "IMG_1.XMP",
        "IMG_2.jpg.xmp",
        "IMG_2.xmp",
    ]
    assert not (lib / "clean.xmp").exists()
    assert "beach" in keywords((lib / "IMG_1.XMP").read_bytes())
    assert "water on lens" in keywords((lib / "IMG_1.CR2.xmp").read_bytes())
    assert b"darktable:history" in (lib / "IMG_1.CR2.xmp").read_bytes()
    assert (lib / "IMG_1.XMP").stat().st_mode & 0o777 == 0o640  # the sidecar keeps its mode
    for photo in ("IMG_1.JPG", "IMG_1.CR2", "IMG_2.jpg", "clean.jpg"):
        assert (lib / photo).read_bytes() == before[photo][0]  # photos never written
    assert not [p for p in lib.iterdir() if p.name.endswith(".tmp")]

    report = tagging.undo(journal_dir)
    assert len(report.restored) == 2 and len(report.removed) == 3 and not report.conflicts
    assert _snapshot(lib) == before  # bytes, mode and modification time
    assert tagging.undo(journal_dir).batch is None  # nothing left to undo


def test_tagging_twice_writes_nothing_the_second_time(lib: Path, tmp_path: Path) -> None:
    with _catalog(tmp_path, {lib / "IMG_2.jpg": 0.9}) as cat:
        tagging.apply(tagging.plan(cat, lib, 0.5), tmp_path / "j")
        again = tagging.plan(cat, lib, 0.5)
    assert not again.changes and len(again.unchanged) == 2


def test_a_sidecar_edited_after_tagging_is_not_undone(lib: Path, tmp_path: Path) -> None:
    with _catalog(tmp_path, {lib / "IMG_2.jpg": 0.9}) as cat:
        tagging.apply(tagging.plan(cat, lib, 0.5), tmp_path / "j")
    (lib / "IMG_2.xmp").write_bytes(b"edited by digiKam since")
    report = tagging.undo(tmp_path / "j")
    assert [Path(p).name for p, _ in report.conflicts] == ["IMG_2.xmp"]
    assert (lib / "IMG_2.xmp").read_bytes() == b"edited by digiKam since"
    assert not (lib / "IMG_2.jpg.xmp").exists()  # the untouched one was undone


def test_links_and_broken_sidecars_are_left_alone(lib: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.xmp"
    outside.write_bytes(LIGHTROOM)
    os.symlink(outside, lib / "IMG_2.xmp")
    (lib / "IMG_2.jpg.xmp").write_bytes(b"<not xmp")
    with _catalog(tmp_path, {lib / "IMG_2.jpg": 0.9}) as cat:
        tag_plan = tagging.plan(cat, lib, 0.5)
    assert not tag_plan.changes
    reasons = {Path(p).name: why for p, why in tag_plan.problems}
    assert set(reasons) == {"IMG_2.xmp", "IMG_2.jpg.xmp"}
    assert "not a regular file" in reasons["IMG_2.xmp"]
    assert "not well-formed XML" in reasons["IMG_2.jpg.xmp"]
    assert outside.read_bytes() == LIGHTROOM


def test_a_sidecar_changed_between_plan_and_write_is_not_clobbered(
    lib: Path, tmp_path: Path
) -> None:
    with _catalog(tmp_path, {lib / "IMG_1.JPG": 0.9}) as cat:
        tag_plan = tagging.plan(cat, lib, 0.5)
    (lib / "IMG_1.XMP").write_bytes(LIGHTROOM + b"\n")
    written, problems = tagging.apply(tag_plan, tmp_path / "j")
    assert [Path(p).name for p, _ in problems] == ["IMG_1.XMP"]
    assert (lib / "IMG_1.XMP").read_bytes() == LIGHTROOM + b"\n"
    assert len(written) == 2


def test_an_interrupted_batch_is_undone_from_its_journal(
    lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(lib)
    with _catalog(tmp_path, {lib / "IMG_1.JPG": 0.9}) as cat:
        tag_plan = tagging.plan(cat, lib, 0.5)
    real = tagging._replace
    calls = []

    def crash_on_second(path: str, data: bytes, mode: int | None) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies mid-batch
        real(path, data, mode)

    monkeypatch.setattr(tagging, "_replace", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        tagging.apply(tag_plan, tmp_path / "j")
    monkeypatch.setattr(tagging, "_replace", real)
    report = tagging.undo(tmp_path / "j")
    assert not report.conflicts
    assert _snapshot(lib) == before


def test_can_undo_follows_what_undo_would_restore(tmp_path: Path) -> None:
    journals = tmp_path / "xmp-journal"
    assert not tagging.can_undo(journals)  # no folder yet
    journals.mkdir()
    (journals / "2024-01-01-a.json").write_text('{"state": "done", "entries": []}')
    (journals / "2024-01-02-b.json").write_text("not json")  # never guessed at
    (journals / "2024-01-03-c.json").write_text("[1, 2]")  # not a journal
    assert tagging.can_undo(journals)
    assert tagging.undo(journals).batch == "2024-01-01-a"
    assert not tagging.can_undo(journals)
    assert tagging.undo(journals).batch is None
