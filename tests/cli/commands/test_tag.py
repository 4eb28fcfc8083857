"""The ``tag`` command: dry run, tag, undo byte for byte, one-line errors with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from tests.helpers import write_jpeg
from tests.xmp_fixtures import DARKTABLE


def _library(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "lib"
    write_jpeg(root / "a.jpg")
    write_jpeg(root / "b.jpg")
    (root / "a.jpg.xmp").write_bytes(DARKTABLE)
    db = tmp_path / "c.db"
    with Catalog(db) as cat:
        results = []
        for name, score in (("a.jpg", 0.9), ("b.jpg", 0.1)):
            st = (root / name).stat()
            results.append(ScanResult(str(root / name), st.st_size, st.st_mtime_ns, score=score))
        cat.record_scans(results)
    return root, db


def test_dry_run_tag_and_undo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, db = _library(tmp_path)
    args = ["tag", str(root), "--threshold", "0.5", "--catalog", str(db)]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would create" in out and "would merge into" in out and "nothing was written" in out
    assert sorted(p.name for p in root.iterdir()) == ["a.jpg", "a.jpg.xmp", "b.jpg"]

    assert main([*args, "--reject"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("Tagged 1 photo: 2 sidecars written")
    assert b"water on lens" in (root / "a.xmp").read_bytes()
    assert b'xmp:Rating="-1"' in (root / "a.jpg.xmp").read_bytes()

    assert main(["tag", "--undo", "--catalog", str(db)]) == 0
    assert "1 sidecar restored, 1 removed" in capsys.readouterr().out
    assert (root / "a.jpg.xmp").read_bytes() == DARKTABLE
    assert not (root / "a.xmp").exists()
    assert main(["tag", "--undo", "--catalog", str(db)]) == 1  # nothing left to undo


def test_bad_usage_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tag", "--catalog", str(tmp_path / "c.db")]) == 2
    assert main(["tag", str(tmp_path / "nope"), "--threshold", "0.5"]) == 2
    assert main(["tag", str(tmp_path), "--undo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("dropletcleaner tag: error:") for line in err)
