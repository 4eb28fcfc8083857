"""The catalog's label queries: counts by embedding, identities, and readable labelled photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dropletcleaner.core.catalog.photos import Catalog, ScanResult


def _scan(path: str, *, embedded: bool = True, error: str | None = None) -> ScanResult:
    return ScanResult(
        path=path,
        size=10,
        mtime_ns=5,
        fingerprint=f"fp-{Path(path).name}",
        model_version="m1",
        embedding=np.ones(4, dtype=np.float32) if embedded else None,
        error=error,
    )


def test_label_counts_tell_photos_with_an_embedding_from_those_without(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans(
            [_scan("/l/a.jpg"), _scan("/l/b.jpg"), _scan("/l/c.jpg", embedded=False, error="bad")]
        )
        cat.set_label(["/l/a.jpg", "/l/b.jpg"], "droplet")
        cat.set_label(["/l/c.jpg"], "clean")
        assert cat.label_counts() == {("droplet", True): 2, ("clean", False): 1}


def test_labelled_identities_and_readable_photos(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans(
            [
                _scan("/l/b.jpg"),
                _scan("/l/a.jpg"),
                _scan("/l/bad.jpg", error="bad"),
                _scan("/l/n.jpg"),
            ]
        )
        cat.set_label(["/l/a.jpg", "/l/bad.jpg"], "clean")
        cat.set_label(["/l/b.jpg"], "droplet")
        ids = cat.labelled_identities()
        by_path = {path: (fp, version) for fp, path, version in ids.values()}
        assert by_path == {
            "/l/a.jpg": ("fp-a.jpg", "m1"),
            "/l/b.jpg": ("fp-b.jpg", "m1"),
            "/l/bad.jpg": ("fp-bad.jpg", "m1"),
        }
        assert cat.get("/l/a.jpg").id in ids  # type: ignore[union-attr]
        # Unreadable and missing photos are left out; the rest come ordered by path.
        cat.mark_missing(["/l/b.jpg"])
        assert cat.labelled_readable() == [("/l/a.jpg", "clean", "fp-a.jpg")]
