"""Issue 10, case 18: the quick fingerprint covers the whole file, sparsely.

An edit between 64 and 192 KiB (size and mtime restored) used to leave the fingerprint
unchanged, so the photo was quarantined on its old score. The function changed, so a
catalog written by the old one must keep its labels and its unchanged photos.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.quarantine import api as q
from tests.hostile import corpus


def _photo(path: Path, size: int) -> Path:
    data = corpus.good_jpeg(1)
    path.write_bytes(data + os.urandom(size - len(data)))  # trailing bytes: still a JPEG
    return path


def _edit_keeping_size_and_mtime(path: Path, offset: int) -> None:
    st = path.stat()
    with open(path, "r+b") as f:
        f.seek(offset)
        old = f.read(16)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in old))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize(
    ("size", "offset"),
    [(150_000, 100_000), (190_000, 70_000), (3_000_000, 100_000), (3_000_000, 180_000)],
)
def test_case18_an_edit_past_64k_changes_the_fingerprint(
    tmp_path: Path, size: int, offset: int
) -> None:
    from dropletcleaner.core.photos.fingerprint import quick_fingerprint, quick_fingerprint_bytes

    photo = _photo(tmp_path / "a.jpg", size)
    before = quick_fingerprint(photo)
    assert quick_fingerprint_bytes(photo.read_bytes()) == before
    _edit_keeping_size_and_mtime(photo, offset)
    assert quick_fingerprint(photo) != before


def test_case18_large_files_are_sampled_across_their_length(tmp_path: Path) -> None:
    from dropletcleaner.core.photos.fingerprint import _spans

    size = 50_000_000
    spans = _spans(size)
    assert spans[0] == (0, 256 * 1024) and spans[-1] == (size - 64 * 1024, 64 * 1024)
    gaps = [b[0] - (a[0] + a[1]) for a, b in itertools.pairwise(spans)]
    assert all(0 <= g < size // 50 for g in gaps)  # no stretch is left unsampled for long
    assert sum(n for _, n in spans) < 1024 * 1024  # still quick


def _record(cat: Catalog, photo: Path, fingerprint: str, label: str | None = None) -> None:
    from dropletcleaner.core.ml.store import default_model_card

    st = photo.stat()
    cat.record_scans(
        [
            ScanResult(
                str(photo),
                st.st_size,
                st.st_mtime_ns,
                fingerprint,
                score=0.99,
                model_version=default_model_card().version,
            )
        ]
    )
    if label is not None:
        cat.set_label([str(photo)], label)


def test_case18_edited_photo_is_not_quarantined_on_its_old_score(tmp_path: Path) -> None:
    from dropletcleaner.core.photos.fingerprint import quick_fingerprint

    lib = tmp_path / "lib"
    lib.mkdir()
    photo = _photo(lib / "a.jpg", 150_000)
    with Catalog(tmp_path / "c.db") as cat:
        _record(cat, photo, quick_fingerprint(photo))
        _edit_keeping_size_and_mtime(photo, 100_000)
        report = q.quarantine(cat, [photo], library_root=lib)
    assert report.moved == 0 and report.outcomes[0].reason == "changed since it was scored"
    assert photo.exists()


def _legacy(photo: Path) -> str:
    from dropletcleaner.core.photos.fingerprint import legacy_fingerprint_file

    with open(photo, "rb") as f:
        return legacy_fingerprint_file(f, photo.stat().st_size)


def test_case18_old_fingerprints_keep_labels_and_photos(tmp_path: Path) -> None:
    """A catalog written by the old function: unchanged photos keep labels and stay usable."""
    from dropletcleaner.core.photos.fingerprint import quick_fingerprint

    lib = tmp_path / "lib"
    lib.mkdir()
    kept, edited = _photo(lib / "kept.jpg", 400_000), _photo(lib / "edited.jpg", 400_000)
    with Catalog(tmp_path / "c.db") as cat:
        for photo in (kept, edited):
            _record(cat, photo, _legacy(photo), label="droplet")
        edited.write_bytes(b"x" + edited.read_bytes()[1:])  # the start: the old one saw it
        # A rescan records new fingerprints; the label stays only where the content did.
        cat.record_scans(
            [
                ScanResult(
                    str(p),
                    p.stat().st_size,
                    p.stat().st_mtime_ns,
                    quick_fingerprint(p),
                    score=0.2,
                    model_version="test",
                    legacy_fingerprint=_legacy(p),
                )
                for p in (kept, edited)
            ]
        )
        assert cat.get(str(kept)).label == "droplet"  # type: ignore[union-attr]
        assert cat.get(str(edited)).label is None  # type: ignore[union-attr]


def test_case18_old_fingerprint_of_an_unchanged_photo_still_quarantines(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    photo = _photo(lib / "a.jpg", 400_000)
    with Catalog(tmp_path / "c.db") as cat:
        _record(cat, photo, _legacy(photo))
        report = q.quarantine(cat, [photo], library_root=lib)
    assert report.moved == 1, report.outcomes[0].reason
