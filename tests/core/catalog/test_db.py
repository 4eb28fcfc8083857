"""The catalog's connection: any file name stored exactly, and failures explained in one line."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.db import (
    BUSY_TIMEOUT_S,
    CatalogError,
    PathSafeConnection,
    catalog_error,
    connect,
    set_aside,
)

LATIN = os.fsdecode(b"/lib/caf\xe9.jpg")  # not UTF-8: held with a lone surrogate
VALID = "/lib/café.jpg"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[PathSafeConnection]:
    connection = connect(tmp_path / "c.sqlite3")
    connection.execute("CREATE TABLE t (path TEXT, note TEXT)")
    yield connection
    connection.close()


def test_connect_gives_a_path_safe_autocommit_connection(conn: PathSafeConnection) -> None:
    assert isinstance(conn, PathSafeConnection)
    assert conn.isolation_level is None
    assert BUSY_TIMEOUT_S >= 1


def test_a_name_that_is_not_utf8_is_stored_as_its_own_bytes(conn: PathSafeConnection) -> None:
    conn.execute("INSERT INTO t (path, note) VALUES (?, ?)", (LATIN, "x"))
    conn.execute("INSERT INTO t (path, note) VALUES (?, ?)", (VALID, "y"))
    assert conn.execute("SELECT typeof(path) FROM t").fetchall() == [("text",), ("text",)]
    raw = conn.execute("SELECT CAST(path AS BLOB) FROM t ORDER BY note").fetchall()
    assert [r[0] for r in raw] == [b"/lib/caf\xe9.jpg", VALID.encode()]
    assert conn.execute("SELECT note FROM t WHERE path = ?", (LATIN,)).fetchone() == ("x",)
    assert conn.execute("SELECT path FROM t WHERE note = 'x'").fetchone() == (LATIN,)


def test_executemany_binds_every_row_of_such_a_column(conn: PathSafeConnection) -> None:
    conn.executemany("INSERT INTO t (path, note) VALUES (?, ?)", [(VALID, "a"), (LATIN, "b")])
    rows = conn.execute("SELECT path, note FROM t ORDER BY note").fetchall()
    assert rows == [(VALID, "a"), (LATIN, "b")]
    conn.executemany("INSERT INTO t (path, note) VALUES (?, ?)", [("/plain", "c")])
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone() == (3,)


def test_prefix_ranges_still_find_such_names(conn: PathSafeConnection) -> None:
    conn.executemany("INSERT INTO t (path) VALUES (?)", [(LATIN,), ("/other/x.jpg",)])
    found = conn.execute("SELECT path FROM t WHERE path >= ? AND path < ?", ("/lib/", "/lib0"))
    assert found.fetchall() == [(LATIN,)]


def test_question_marks_in_quotes_and_comments_are_not_placeholders(
    conn: PathSafeConnection,
) -> None:
    sql = "INSERT INTO t (path, note) VALUES (? /* why? */, '?' || ?) -- what?"
    conn.execute(sql, (LATIN, "!"))
    assert conn.execute("SELECT path, note FROM t").fetchone() == (LATIN, "?!")


def test_numbered_placeholders_are_refused_for_such_names(conn: PathSafeConnection) -> None:
    with pytest.raises(sqlite3.ProgrammingError, match="plain \\? placeholders"):
        conn.execute("INSERT INTO t (path) VALUES (?1)", (LATIN,))
    conn.execute("INSERT INTO t (path) VALUES (?1)", (VALID,))  # fine for valid names


@pytest.mark.parametrize(
    ("exc", "words", "damaged"),
    [
        (sqlite3.DatabaseError("file is not a database"), "is damaged", True),
        (sqlite3.DatabaseError("database disk image is malformed"), "is damaged", True),
        (sqlite3.OperationalError("database is locked"), "in use by another", False),
        (sqlite3.OperationalError("database or disk is full"), "is full", False),
        (OSError(errno.ENOSPC, "No space left on device"), "is full", False),
        (sqlite3.OperationalError("disk I/O error"), "disk I/O error", False),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only", False),
        (sqlite3.OperationalError("unable to open database file"), "read-only", False),
        (PermissionError(errno.EACCES, "Permission denied"), "read-only", False),
        (sqlite3.OperationalError("something\nelse   entirely"), "something else entirely", False),
    ],
)
def test_failures_become_one_line_with_the_file_and_what_to_do(
    exc: BaseException, words: str, damaged: bool
) -> None:
    path = Path("/data/catalog.sqlite3")
    error = catalog_error(exc, path)
    assert isinstance(error, CatalogError)
    text = str(error)
    assert words in text and str(path) in text and "\n" not in text
    assert error.path == path and error.damaged is damaged


def test_set_aside_renames_the_file_and_its_companions_and_never_overwrites(
    tmp_path: Path,
) -> None:
    db = tmp_path / "catalog.sqlite3"
    for name, data in (("", b"main"), ("-wal", b"wal"), ("-shm", b"shm")):
        Path(f"{db}{name}").write_bytes(data)
    first = set_aside(db)
    assert not db.exists() and first.read_bytes() == b"main"
    assert first.name.startswith("catalog.sqlite3.damaged-")
    assert Path(f"{first}-wal").read_bytes() == b"wal"
    assert Path(f"{first}-shm").read_bytes() == b"shm"
    db.write_bytes(b"second")
    second = set_aside(db)  # its own name (a "-2" within the same second); the first is kept
    assert second != first and second.read_bytes() == b"second"
    assert first.read_bytes() == b"main"
