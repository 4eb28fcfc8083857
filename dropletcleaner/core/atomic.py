"""Atomic writes for the app's own files: write a temporary sibling, fsync, then ``os.replace``.

The temporary file is created private (``mkstemp``: mode 0600) and given the mode a plain
``open`` would have given it (0666 less the user's umask) before it takes the final name,
so reports and demo photos are as readable as any other file the user writes. Text is
written with ``surrogateescape``, so a path that is not valid UTF-8 keeps its own bytes.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _read_umask() -> int:
    """The process umask, without the set-and-restore race where Linux can say it."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            found = re.search(r"^Umask:\s*([0-7]+)", status.read(), re.MULTILINE)
        if found:
            return int(found.group(1), 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # the only portable way to read it: set it back at once
    os.umask(mask)
    return mask


# Read once at import, before any thread writes files: a umask set and restored while
# another thread creates a file would give that file the wrong mode.
_FILE_MODE = 0o666 & ~_read_umask()


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "wb", *, durable: bool = True
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success it atomically replaces ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    ``durable=False`` skips the fsync, for caches that can be rebuilt.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _FILE_MODE)
        text = "b" not in mode
        with os.fdopen(
            fd,
            mode,
            encoding="utf-8" if text else None,
            errors="surrogateescape" if text else None,
        ) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    with atomic_open(path, "wb", durable=durable) as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_open(path, "w") as handle:
        handle.write(text)
