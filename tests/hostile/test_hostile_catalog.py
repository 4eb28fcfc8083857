"""Issue 10, case 8: a garbage, corrupt, locked or read-only catalog, or a full disk, gives
one clear line and exit code 2; the catalog is never changed or deleted.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.catalog import photos as catalog_module
from dropletcleaner.core.catalog.photos import Catalog
from tests.hostile import corpus

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _photos(tmp_path: Path, name: str = "F", n: int = 1) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for i in range(n):
        (folder / f"p{i}.jpg").write_bytes(corpus.good_jpeg(i))
    return folder


def _scan(folder: Path, db: Path) -> int:
    return main(["scan", str(folder), "--catalog", str(db), "--quiet"])


def _one_error_line(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("WARNING")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _good_catalog(tmp_path: Path) -> Path:
    db = tmp_path / "good.db"
    folder = _photos(tmp_path, "seed", 2)
    assert _scan(folder, db) == 0
    return db


def _intact(db: Path, rows: int) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == rows
    finally:
        conn.close()


def test_case8_garbage_catalog_one_line_exit_2_then_set_aside(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "catalog.sqlite3"
    garbage = bytes(range(256)) * 20
    db.write_bytes(garbage)
    folder = _photos(tmp_path)
    assert _scan(folder, db) == 2
    line = _one_error_line(capsys, str(db), "damaged", "catalog set-aside")
    assert line.startswith("dropletcleaner scan: error:")
    assert db.read_bytes() == garbage  # untouched, never deleted

    assert main(["catalog", "set-aside", "--catalog", str(db)]) == 0
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("catalog.sqlite3.damaged-")]
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    assert _scan(folder, db) == 0  # a new catalog
    _intact(db, 1)


def test_case8_set_aside_leaves_a_healthy_catalog_alone(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = _good_catalog(tmp_path)
    capsys.readouterr()
    assert main(["catalog", "set-aside", "--catalog", str(db)]) == 0
    assert "opens fine" in capsys.readouterr().out
    _intact(db, 2)


def test_case8_corrupt_catalog_one_line_exit_2(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = _good_catalog(tmp_path)
    data = bytearray(db.read_bytes())
    data[100:600] = os.urandom(500)  # the header's tail and the schema page
    db.write_bytes(bytes(data))
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    capsys.readouterr()
    assert _scan(_photos(tmp_path), db) == 2
    _one_error_line(capsys, str(db), "damaged")
    assert db.read_bytes() == bytes(data)


def test_case8_catalog_locked_too_long_one_line_exit_2(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.core.catalog import db as catalog_db

    db = _good_catalog(tmp_path)
    monkeypatch.setattr(catalog_db, "BUSY_TIMEOUT_S", 0.3)  # instead of 30 s
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another scan holding the write lock
    try:
        capsys.readouterr()
        assert _scan(_photos(tmp_path), db) == 2
        _one_error_line(capsys, str(db), "in use", "try again")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _intact(db, 2)


def _open_read_only(path: Path, timeout: float | None = None) -> sqlite3.Connection:
    """The connection a read-only catalog file gives (root ignores chmod, so ask SQLite)."""
    from dropletcleaner.core.catalog import db as catalog_db

    return sqlite3.connect(
        f"file:{path}?mode=ro",
        uri=True,
        isolation_level=None,
        factory=catalog_db.PathSafeConnection,
    )


def test_case8_read_only_catalog_one_line_exit_2(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = _good_catalog(tmp_path)
    monkeypatch.setattr(catalog_module, "connect", _open_read_only)
    capsys.readouterr()
    assert _scan(_photos(tmp_path), db) == 2
    _one_error_line(capsys, str(db), "read-only")
    monkeypatch.undo()
    _intact(db, 2)


@pytest.mark.skipif(IS_ROOT or os.name != "posix", reason="root ignores file modes")
def test_case8_read_only_file_and_folder_really(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = _good_catalog(tmp_path)
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    folder = _photos(tmp_path)
    db.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        capsys.readouterr()
        assert _scan(folder, db) == 2
        _one_error_line(capsys, str(db))
    finally:
        tmp_path.chmod(0o755)
        db.chmod(0o644)
    _intact(db, 2)


def test_case8_disk_full_during_scan_one_line_exit_2(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dropletcleaner.core.catalog import db as catalog_db

    db = _good_catalog(tmp_path)
    real = catalog_db.connect

    def full_disk(path: Path, timeout: float | None = None) -> sqlite3.Connection:
        conn = real(path, timeout)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
        return conn

    monkeypatch.setattr(catalog_module, "connect", full_disk)
    capsys.readouterr()
    assert _scan(_photos(tmp_path, "many", 40), db) == 2
    _one_error_line(capsys, str(db), "full", "free some space")
    monkeypatch.undo()
    _intact(db, 2)


def test_case8_open_errors_are_catalog_errors_in_core(tmp_path) -> None:
    """The GUI and other fronts get the same one-line reason from the core."""
    from dropletcleaner.core.catalog.photos import CatalogError

    db = tmp_path / "c.db"
    db.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CatalogError) as info:
        Catalog(db)
    assert info.value.damaged and str(db) in str(info.value) and "\n" not in str(info.value)
