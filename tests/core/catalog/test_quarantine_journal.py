"""The quarantine's tables in the catalog: batches, the files moved, and what the window counts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dropletcleaner.core.catalog import quarantine_journal as qj
from dropletcleaner.core.catalog.photos import Catalog


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.sqlite3") as cat:
        qj.ensure_schema(cat.connection)
        yield cat


def _file(
    conn: sqlite3.Connection, batch: str, name: str, role: str = "photo", group: int | None = None
) -> int:
    """One file of ``batch``; without ``group`` it leads a group of its own."""
    file_id = qj.insert_file(
        conn,
        batch_id=batch,
        group_id=group,
        role=role,
        photo_path=f"/lib/{name}",
        original=Path(f"/lib/{name}"),
        stored=Path(f"/q/{name}"),
        size=100,
    )
    assert file_id is not None
    if group is None:
        qj.lead_own_group(conn, file_id)
    return file_id


def test_no_catalog_means_no_states(tmp_path: Path) -> None:
    assert qj.batch_photo_states(None) == {}
    assert qj.batch_photo_states(tmp_path / "missing.sqlite3") == {}
    assert not (tmp_path / "missing.sqlite3").exists()  # asking never creates it


def test_a_catalog_without_quarantine_tables_has_no_states(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    with Catalog(path):
        pass
    assert qj.batch_photo_states(path) == {}


def test_a_file_that_is_not_a_database_has_no_states(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    assert qj.batch_photo_states(path) == {}


def test_states_count_photos_per_batch_and_not_sidecars(catalog: Catalog) -> None:
    conn = catalog.connection
    qj.insert_batch(conn, "b1", "quarantine", 1.0, Path("/lib"), Path("/q"))
    qj.insert_batch(conn, "b2", "quarantine", 2.0, Path("/lib"), Path("/q2"))
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        qj.set_file_state(conn, _file(conn, "b1", name), "quarantined")
    qj.set_file_state(conn, _file(conn, "b1", "a.xmp", role="sidecar"), "quarantined")
    qj.set_file_restored(conn, _file(conn, "b2", "d.jpg"), Path("/lib/d.jpg"))
    _file(conn, "b2", "e.jpg")  # still "moving"
    assert qj.batch_photo_states(catalog.path) == {
        "b1": {"quarantined": 3},
        "b2": {"restored": 1, "moving": 1},
    }


def test_batches_keep_their_kind_and_roots(catalog: Catalog) -> None:
    conn = catalog.connection
    qj.insert_batch(conn, "b1", "quarantine", 1.0, Path("/lib"), Path("/q"))
    qj.insert_batch(conn, "t1", "trash", 2.0, Path("/lib"), Path("/trash"))
    assert qj.batch_kind(conn, "b1") == "quarantine" and qj.batch_kind(conn, "t1") == "trash"
    assert qj.batch_kind(conn, "nope") is None
    assert qj.batch_roots(conn, "b1") == (Path("/lib"), Path("/q"))
    assert qj.quarantine_destinations(conn) == [Path("/q")]  # a trash batch is not one


def test_quarantined_rows_list_photos_and_orphan_sidecars_in_path_order(
    catalog: Catalog,
) -> None:
    conn = catalog.connection
    qj.insert_batch(conn, "b1", "quarantine", 1.0, Path("/lib"), Path("/q"))
    z, m = _file(conn, "b1", "z.jpg"), _file(conn, "b1", "m.jpg")
    qj.set_file_state(conn, z, "quarantined")
    qj.set_file_state(conn, m, "restored")
    # A sidecar is listed on its own only when its photo is no longer in quarantine.
    qj.set_file_state(conn, _file(conn, "b1", "z.xmp", "sidecar", group=z), "quarantined")
    qj.set_file_state(conn, _file(conn, "b1", "a.xmp", "sidecar", group=m), "quarantined")
    rows = qj.quarantined_rows(conn, None)
    assert [r[0] for r in rows] == ["/lib/a.xmp", "/lib/z.jpg"]
    assert [tuple(r) for r in qj.quarantined_rows(conn, "b1")] == [tuple(r) for r in rows]
    assert qj.quarantined_rows(conn, "other") == []


def test_synced_writes_restore_the_previous_setting(catalog: Catalog) -> None:
    conn = catalog.connection
    before = conn.execute("PRAGMA synchronous").fetchone()[0]
    with qj.synced(conn):
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == before
