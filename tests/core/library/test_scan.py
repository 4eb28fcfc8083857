"""Scanning: incremental rescans, changed and deleted files, bad input, cancellation."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken
from dropletcleaner.core.library import scan as scan_module
from dropletcleaner.core.library.scan import ScanError, Scanner
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from tests.helpers import write_jpeg


def _scan(root: Path, cat: Catalog, scorer, **kw):  # type: ignore[no-untyped-def]
    scanner = Scanner(root, cat, scorer, ThumbnailCache(root.parent / "thumbs"), **kw)
    progress = list(scanner.run())
    return scanner.summary, progress


def test_first_scan_scores_everything_and_makes_thumbnails(photo_dir, scorer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with Catalog(tmp_path / "c.db") as cat:
        summary, progress = _scan(photo_dir, cat, scorer)
        assert summary.scored == 4 and summary.unchanged == 0 and not summary.errors
        assert progress[-1].done == progress[-1].total == 4
        rows = cat.photos(str(photo_dir))
        assert len(rows) == 4
        assert all(r.score is not None and 0.0 <= r.score <= 1.0 for r in rows)
        assert all(r.model_version == scorer.version for r in rows)
        thumbs = ThumbnailCache(tmp_path / "thumbs")
        for r in rows:
            assert Image.open(thumbs.path_for(r.path, r.size, r.mtime_ns)).size[0] <= 256
        _, emb, _ = cat.embeddings()
        assert emb.shape == (4, 1280)


def test_rescan_is_incremental(photo_dir, scorer, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with Catalog(tmp_path / "c.db") as cat:
        _scan(photo_dir, cat, scorer)
        before = {r.path: r.score for r in cat.photos()}
        decoded: list[str] = []
        real = scan_module.decode_for_scan

        def spy(path, **kw):  # type: ignore[no-untyped-def]
            decoded.append(os.fspath(path))
            return real(path, **kw)

        monkeypatch.setattr(scan_module, "decode_for_scan", spy)
        summary, _ = _scan(photo_dir, cat, scorer)
        assert summary.unchanged == 4 and summary.scored == 0 and decoded == []

        # A changed file is re-scored; a deleted one is marked missing, not forgotten.
        changed = photo_dir / "img0.jpg"
        write_jpeg(changed, seed=42)
        os.utime(changed, ns=(1, 1_000_000_000))
        (photo_dir / "img1.jpg").unlink()
        summary, _ = _scan(photo_dir, cat, scorer)
        assert decoded == [str(changed)]
        assert summary.scored == 1 and summary.missing == 1
        assert cat.get(str(changed)).score != before[str(changed)]  # type: ignore[union-attr]
        gone = cat.get(str(photo_dir / "img1.jpg"))
        assert gone is not None and gone.state == "missing"


def test_bad_inputs_get_reasons_and_scan_goes_on(photo_dir, scorer, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    full = (photo_dir / "img0.jpg").read_bytes()
    (photo_dir / "truncated.jpg").write_bytes(full[: len(full) // 3])
    (photo_dir / "zero.jpg").write_bytes(b"")
    (photo_dir / "text.jpg").write_text("hello")
    Image.new("1", (20000, 20000)).save(photo_dir / "bomb.png")
    locked = photo_dir / "locked.jpg"
    shutil.copy(photo_dir / "img2.jpg", locked)
    os.chmod(locked, 0)
    vanishing = photo_dir / "vanishing.jpg"
    shutil.copy(photo_dir / "img2.jpg", vanishing)

    real_open = os.open

    def guarded_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        # chmod 000 does not stop root, so refuse the locked file explicitly as the OS would.
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    real_decode = scan_module.decode_for_scan

    def decode_after_delete(path, **kw):  # type: ignore[no-untyped-def]
        if os.fspath(path) == str(vanishing):
            vanishing.unlink()  # deleted between discovery and decode
        return real_decode(path, **kw)

    monkeypatch.setattr(os, "open", guarded_open)  # photos are opened with os.open
    monkeypatch.setattr(scan_module, "decode_for_scan", decode_after_delete)
    with Catalog(tmp_path / "c.db") as cat:
        summary, _ = _scan(photo_dir, cat, scorer)
    os.chmod(locked, 0o644)
    errors = {os.path.basename(k): v for k, v in summary.errors.items()}
    assert errors == {
        "truncated.jpg": "truncated or incomplete image data",
        "zero.jpg": "empty file (0 bytes)",
        "text.jpg": "not a recognised image format",
        "bomb.png": errors["bomb.png"],
        "locked.jpg": "permission denied",
        "vanishing.jpg": "file disappeared during the scan",
    }
    assert errors["bomb.png"].startswith("refused: decompression bomb")
    assert summary.scored == 4


def test_scan_never_modifies_user_files(photo_dir, scorer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = {
        p: (p.read_bytes(), p.stat().st_mtime_ns) for p in photo_dir.rglob("*") if p.is_file()
    }
    with Catalog(tmp_path / "c.db") as cat:
        _scan(photo_dir, cat, scorer)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in photo_dir.rglob("*") if p.is_file()}
    assert after == before


def test_cancel_stops_between_batches(tmp_path, scorer) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "many"
    for i in range(12):
        write_jpeg(root / f"{i:02}.jpg", size=(160, 120), seed=i)
    token = CancelToken()
    with Catalog(tmp_path / "c.db") as cat:
        scanner = Scanner(
            root, cat, scorer, ThumbnailCache(tmp_path / "t"), cancel=token, batch_size=4
        )
        for p in scanner.run():
            if p.done >= 4:
                token.cancel()
        assert scanner.summary.cancelled
        assert scanner.summary.scored == 4
        assert len(cat.photos()) == 4


def test_missing_folder_is_an_error(tmp_path, scorer) -> None:  # type: ignore[no-untyped-def]
    with Catalog(tmp_path / "c.db") as cat, pytest.raises(ScanError):
        list(Scanner(tmp_path / "nope", cat, scorer).run())


class _FlatScorer:
    """Enough of a scorer for the scan pipeline, without a model."""

    version = "flat"
    has_map = False
    looks: tuple[int, ...] = ()
    look_above = 1.0

    def embed_and_map(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((len(pixels), 8), np.float32), np.zeros((len(pixels), 9, 9), np.float32)

    def scores_from_embeddings(self, emb: np.ndarray) -> np.ndarray:
        return np.full(len(emb), 0.5, dtype=np.float32)


def test_every_format_is_scored_with_one_row_each(tmp_path: Path) -> None:
    from dropletcleaner.core.photos.formats import skipped_summary
    from tests.format_helpers import write_dng, write_every_format

    root = tmp_path / "lib"
    made = write_every_format(root)
    write_jpeg(root / "pair" / "IMG_1.JPG")
    write_dng(root / "pair" / "IMG_1.CR2")  # the JPEG's sidecar: no row of its own
    (root / "edit.psd").write_bytes(b"8BPS" + b"\0" * 40)
    (root / "old.psd").write_bytes(b"8BPS" + b"\0" * 40)
    with Catalog(tmp_path / "c.db") as cat:
        summary, _ = _scan(root, cat, _FlatScorer())
        rows = {Path(r.path).name: r for r in cat.photos(str(root))}
    expected = {p.name for p in made.values()} | {"IMG_1.JPG", "edit.psd", "old.psd"}
    assert set(rows) == expected
    assert summary.scored == len(made) + 1
    for name in expected - {"edit.psd", "old.psd"}:
        assert rows[name].error is None and rows[name].score == 0.5, name
    assert rows["edit.psd"].error == "not supported: .psd files (Photoshop document) are not read"
    assert skipped_summary(summary.found) == "2 skipped: .psd not supported"
