"""Issue 10, quarantine cases 13, 15, 16 and 17: destinations that contain the library,
sidecars of photos whose names differ only by case, a RAW's own sidecar, long names
moved across devices.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine.names import QUARANTINE_DIR_NAME
from dropletcleaner.core.quarantine.outcomes import QuarantineError
from tests.hostile import corpus


def _record(cat: Catalog, paths: list[Path]) -> None:
    """Catalogue files as a scan would (by the active model), flagged."""
    from dropletcleaner.core.ml.store import default_model_card

    version = default_model_card().version
    results = []
    for p in paths:
        st = p.stat()
        results.append(
            ScanResult(
                str(p),
                st.st_size,
                st.st_mtime_ns,
                quick_fingerprint(p),
                score=0.99,
                model_version=version,
            )
        )
    cat.record_scans(results)


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _case_sensitive(folder: Path) -> bool:
    probe = folder / "CaseProbe"
    probe.write_text("x")
    try:
        return not (folder / "caseprobe").exists()
    finally:
        probe.unlink()


# -- case 13 ------------------------------------------------------------------------------
def test_case13_destination_containing_the_library_is_refused(tmp_path: Path) -> None:
    lib = tmp_path / "photos" / "lib"
    (lib / "a.jpg").parent.mkdir(parents=True)
    (lib / "a.jpg").write_bytes(corpus.good_jpeg())
    before = _snapshot(tmp_path)
    with Catalog(tmp_path / "c.db") as cat:
        _record(cat, [lib / "a.jpg"])
        for dest in (lib.parent, tmp_path, lib.parent / ".." / "photos"):
            with pytest.raises(QuarantineError, match="contains the library"):
                q.quarantine(cat, [lib / "a.jpg"], library_root=lib, dest=dest)
        # A folder beside the library is fine.
        report = q.quarantine(cat, [lib / "a.jpg"], library_root=lib, dest=tmp_path / "aside")
        assert report.moved == 1
        assert q.restore(cat, all_batches=True).moved == 1
    assert {k: v for k, v in _snapshot(tmp_path).items() if not k.startswith("c.db")} == {
        k: v for k, v in before.items() if not k.startswith("c.db")
    }


def test_case13_cli_refuses_to_parent_with_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.jpg").write_bytes(corpus.good_jpeg())
    db = tmp_path / "c.db"
    with Catalog(db) as cat:
        _record(cat, [lib / "a.jpg"])
    code = main(["quarantine", str(lib), "--to", str(tmp_path), "--catalog", str(db)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "contains the library" in err
    assert (lib / "a.jpg").is_file()


# -- case 15 ------------------------------------------------------------------------------
def test_case15_sidecars_of_photos_differing_only_by_case_match_exactly(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    if not _case_sensitive(lib):
        pytest.skip("two names differing only by case cannot coexist here")
    upper, lower = lib / "IMG_5.jpg", lib / "img_5.JPG"
    upper.write_bytes(corpus.good_jpeg(1))
    lower.write_bytes(corpus.good_jpeg(2))
    (lib / "img_5.xmp").write_text("belongs to img_5.JPG")
    (lib / "IMG_5.xmp").write_text("belongs to IMG_5.jpg")
    (lib / "img_5.JPG.xmp").write_text("belongs to img_5.JPG too")
    with Catalog(tmp_path / "c.db") as cat:
        _record(cat, [upper, lower])
        report = q.quarantine(cat, [upper], library_root=lib)
        qdir = lib / QUARANTINE_DIR_NAME
        assert report.outcomes[0].sidecars == (qdir / "IMG_5.xmp",)
        assert {p.name for p in lib.iterdir() if p.is_file()} == {
            "img_5.JPG",
            "img_5.xmp",
            "img_5.JPG.xmp",
        }
        report = q.quarantine(cat, [lower], library_root=lib)
        assert sorted(p.name for p in report.outcomes[0].sidecars) == ["img_5.JPG.xmp", "img_5.xmp"]


def test_case15_a_single_photo_still_takes_sidecars_of_any_case(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    photo = lib / "IMG_7.JPG"
    photo.write_bytes(corpus.good_jpeg(3))
    (lib / "img_7.xmp").write_text("an editor's lower-case sidecar")
    with Catalog(tmp_path / "c.db") as cat:
        _record(cat, [photo])
        report = q.quarantine(cat, [photo], library_root=lib)
        assert [p.name for p in report.outcomes[0].sidecars] == ["img_7.xmp"]


# -- case 16 ------------------------------------------------------------------------------
def test_case16_the_raws_own_sidecar_goes_with_it_and_comes_back(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    jpeg = lib / "IMG_2001.JPG"
    jpeg.write_bytes(corpus.good_jpeg(4))
    (lib / "IMG_2001.CR2").write_bytes(b"raw")
    (lib / "IMG_2001.CR2.xmp").write_text("darktable edits of the RAW")
    (lib / "IMG_2001.JPG.xmp").write_text("edits of the JPEG")
    before = _snapshot(lib)
    with Catalog(tmp_path / "c.db") as cat:
        _record(cat, [jpeg])
        report = q.quarantine(cat, [jpeg], library_root=lib)
        assert sorted(p.name for p in report.outcomes[0].sidecars) == [
            "IMG_2001.CR2",
            "IMG_2001.CR2.xmp",
            "IMG_2001.JPG.xmp",
        ]
        assert [p.name for p in lib.iterdir() if p.is_file()] == []
        assert q.undo(cat) is not None
    assert _snapshot(lib) == before


# -- case 17 ------------------------------------------------------------------------------
def test_case17_long_names_move_across_devices(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lib = tmp_path / "lib"
    lib.mkdir()
    long_name = "L" * 240 + ".jpg"  # 244 bytes: the temporary name used to pass 255
    photo = lib / long_name
    photo.write_bytes(corpus.good_jpeg(5))
    (lib / ("L" * 240 + ".xmp")).write_text("its sidecar")
    before = _snapshot(lib)
    real = os.replace
    copies: list[str] = []

    def replace(src, dst) -> None:  # type: ignore[no-untyped-def]
        if os.path.dirname(os.fspath(src)) != os.path.dirname(os.fspath(dst)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        copies.append(os.path.basename(os.fspath(src)))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    dest = tmp_path / "other-disk"
    with Catalog(tmp_path / "c.db") as cat:
        _record(cat, [photo])
        report = q.quarantine(cat, [photo], library_root=lib, dest=dest)
        assert report.moved == 1 and not report.failed, report.outcomes
        assert (dest / long_name).is_file() and not photo.exists()
        assert copies and all(len(os.fsencode(n)) <= 255 for n in copies)  # the copy path ran
        back = q.restore(cat, all_batches=True)
        assert back.moved == 1 and not back.failed, back.outcomes
    assert _snapshot(lib) == before
