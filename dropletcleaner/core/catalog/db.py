"""The catalog's SQLite connection: any file name stored exactly, and failures as one line.

File names are bytes on POSIX; Python shows a name that is not valid UTF-8 with lone
surrogates (``surrogateescape``), which SQLite's UTF-8 binding refuses. The connection
therefore binds such a text as its raw bytes, cast to TEXT in SQL, and reads every TEXT
back with ``surrogateescape``: the stored bytes are the file name's own bytes, valid names
are stored exactly as before, and range queries on path prefixes keep working.

:func:`catalog_error` turns the ways a catalog can fail (damaged, locked, read-only, disk
full) into a :class:`CatalogError` whose message says what, which file, and what to do.
"""

from __future__ import annotations

import errno
import functools
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# How long a writer waits for another one (a GUI scan, a second command) to finish.
BUSY_TIMEOUT_S = 30.0

_decode_text = functools.partial(bytes.decode, encoding="utf-8", errors="surrogateescape")


def _unencodable(value: object) -> bool:
    if not isinstance(value, str) or value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _placeholders(sql: str) -> list[int]:
    """Offsets of the ``?`` placeholders in ``sql``, outside quotes and comments."""
    spots: list[int] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`[":
            close = "]" if c == "[" else c
            end = sql.find(close, i + 1)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c == "?":
            spots.append(i)
        i += 1
    return spots


def _cast_columns(sql: str, columns: set[int]) -> str:
    """``sql`` with the given (0-based) ``?`` placeholders wrapped in ``CAST(? AS TEXT)``."""
    spots = _placeholders(sql)
    if any(k >= len(spots) or sql[spots[k] + 1 : spots[k] + 2].isdigit() for k in columns):
        raise sqlite3.ProgrammingError("a file name that is not UTF-8 needs plain ? placeholders")
    out: list[str] = []
    last = 0
    for k, at in enumerate(spots):
        if k in columns:
            out.append(sql[last:at])
            out.append("CAST(? AS TEXT)")
            last = at + 1
    out.append(sql[last:])
    return "".join(out)


def _as_bytes(value: object) -> object:
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value


class PathSafeConnection(sqlite3.Connection):
    """A connection whose ``?`` parameters may be any ``str``, file names included."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text_factory = _decode_text

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if isinstance(parameters, Sequence) and not isinstance(parameters, (str, bytes)):
            columns = {k for k, v in enumerate(parameters) if _unencodable(v)}
            if columns:
                row = [_as_bytes(v) if k in columns else v for k, v in enumerate(parameters)]
                return super().execute(_cast_columns(sql, columns), row)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        rows = list(parameters)
        columns: set[int] = set()
        for row in rows:
            if isinstance(row, Sequence) and not isinstance(row, (str, bytes)):
                columns.update(k for k, v in enumerate(row) if _unencodable(v))
        if not columns:
            return super().executemany(sql, rows)
        # One statement for all rows: a column holding one such name binds all as bytes
        # (a valid name's bytes cast back to the same TEXT).
        fixed = [[_as_bytes(v) if k in columns else v for k, v in enumerate(r)] for r in rows]
        return super().executemany(_cast_columns(sql, columns), fixed)


def connect(path: Path, timeout: float | None = None) -> PathSafeConnection:
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_S if timeout is None else timeout,
        isolation_level=None,
        factory=PathSafeConnection,
    )
    assert isinstance(conn, PathSafeConnection)
    return conn


class CatalogError(Exception):
    """The catalog cannot be used; ``str(exc)`` is one line: what, which file, what to do."""

    def __init__(self, message: str, path: Path, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.damaged = damaged  # the file is not a usable database: offer to set it aside


def catalog_error(exc: BaseException, path: Path) -> CatalogError:
    """Explain a failure to open or write the catalog at ``path`` in one line."""
    text = str(exc)
    low = text.lower()
    code = getattr(exc, "sqlite_errorcode", None)
    code = code & 0xFF if isinstance(code, int) else None  # the primary code of an extended one
    err_no = getattr(exc, "errno", None)
    if "not a database" in low or "malformed" in low or code in (11, 26):  # CORRUPT, NOTADB
        return CatalogError(
            f"the catalog {path} is damaged or is not a DropletCleaner catalog ({text}); "
            "it was left untouched",
            path,
            damaged=True,
        )
    if "locked" in low or "busy" in low or code in (5, 6):  # BUSY, LOCKED
        return CatalogError(
            f"the catalog {path} is in use by another DropletCleaner (still locked after "
            f"{BUSY_TIMEOUT_S:.0f} s); wait for the other scan or window to finish, or close "
            "it, then try again",
            path,
        )
    if "full" in low or code == 13 or err_no == errno.ENOSPC:  # SQLITE_FULL
        return CatalogError(
            f"the disk holding the catalog {path} is full; free some space and try again "
            "(nothing was lost: the catalog keeps what was saved before)",
            path,
        )
    if "disk i/o error" in low or code == 10:  # SQLITE_IOERR: often a full disk too
        return CatalogError(
            f"could not write the catalog {path} (disk I/O error); the disk may be full or "
            "failing: free some space or check the disk, then try again",
            path,
        )
    if (
        "readonly" in low
        or "read-only" in low
        or "unable to open" in low
        or code in (8, 14)  # READONLY, CANTOPEN
        or isinstance(exc, PermissionError)
        or err_no in (errno.EACCES, errno.EPERM, errno.EROFS)
    ):
        return CatalogError(
            f"cannot write the catalog {path}: the file or its folder is read-only or not "
            "yours; fix its permissions, or pass --catalog with a writable path",
            path,
        )
    return CatalogError(f"cannot use the catalog {path}: {' '.join(text.split())}", path)


def set_aside(path: Path) -> Path:
    """Rename a damaged catalog (and its WAL files) out of the way; never deletes anything.

    Returns the new name of the main file. A new, empty catalog is created on next use.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.rename(path, target)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.rename(side, target.with_name(target.name + suffix))
    return target
