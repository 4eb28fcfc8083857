"""Where quarantined files go and under which names, reserved before anything moves.

The quarantine folder mirrors the library: ``<root>/.dropletcleaner-quarantine/a/b.jpg``
came from ``<root>/a/b.jpg``. Discovery skips that folder.

Moves never overwrite. The destination name is first *reserved* by creating an empty
placeholder with ``O_CREAT | O_EXCL`` (atomic on every platform and filesystem), then the
file is renamed onto its own placeholder with ``os.replace``. Once reserved, no other
program can claim the name, so there is no window between "the name is free" and
"rename" in which someone else's file could be overwritten, and the photo is never
visible under two names (as it would be with ``os.link`` + unlink). A crash can leave an
empty placeholder behind; the journal names it, so recovery removes it. A taken name
gets a " (n)" suffix, the same n for the photo and its sidecars.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import stat
from pathlib import Path

QUARANTINE_DIR_NAME = ".dropletcleaner-quarantine"
# The longest file name (in bytes) that common file systems take (ext4, APFS, NTFS).
_NAME_MAX = 255
_PARTIAL_SUFFIX = ".dropletcleaner-partial"
_O_BINARY = getattr(os, "O_BINARY", 0)


def default_quarantine_dir(library_root: Path) -> Path:
    """``<library_root>/.dropletcleaner-quarantine``: same filesystem, so moves are renames."""
    return Path(os.path.abspath(library_root)) / QUARANTINE_DIR_NAME


def _suffixed(path: Path, n: int) -> Path:
    return path if n == 0 else path.with_name(f"{path.stem} ({n}){path.suffix}")


def _free_names(
    targets: list[Path], start: int = 0, planned: set[Path] | None = None
) -> tuple[list[Path], int]:
    """The first " (n)" variant, same n for the whole group, under which every name is free.

    ``planned`` holds names already journalled for other groups of the chunk: two open
    intents never share a destination, so recovery can tell whose file is whose.
    """
    taken = planned if planned is not None else set()
    for n in itertools.count(start):
        names = [_suffixed(t, n) for t in targets]
        if not any(p in taken or os.path.lexists(p) for p in names):
            taken.update(names)
            return names, n
    raise AssertionError("unreachable")  # pragma: no cover


def _temp_for(dst: Path) -> Path:
    # Hidden (discovery skips it) and unique because ``dst`` itself is reserved.
    name = f".{dst.name}{_PARTIAL_SUFFIX}"
    if len(os.fsencode(name)) > _NAME_MAX:
        # A long name would make the temporary one too long: use a digest of the name,
        # the same every time, so recovery finds the partial copy again.
        digest = hashlib.blake2b(os.fsencode(dst.name), digest_size=12).hexdigest()
        name = f".{digest}{_PARTIAL_SUFFIX}"
    return dst.with_name(name)


def _reserve(names: list[Path]) -> bool:
    """Create an empty placeholder at every name, atomically; ``False`` if one is taken."""
    made: list[Path] = []
    try:
        for p in names:
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600))
            made.append(p)
    except OSError as exc:
        for p in made:
            _remove_placeholder(p)
        if isinstance(exc, FileExistsError):
            return False
        raise
    return True


def _remove_placeholder(path: Path) -> None:
    """Remove our empty placeholder; anything else at that name is left alone."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_size == 0:
        os.unlink(path)
