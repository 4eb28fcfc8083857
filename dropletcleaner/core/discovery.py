"""Find image files under a folder: recursive, skipping hidden and app folders, loop-safe.

Walks with ``os.scandir`` (one ``stat`` per file, reused by the catalog diff). Symlinked
folders are followed only once per real directory, so a symlink loop ends. Unreadable
folders are reported, not fatal. With ``report_special=True`` (the scanner), a photo name
that is a FIFO, device or socket, or a dangling or looping link, is yielded too, with the
reason in :attr:`FoundFile.problem`, so that it gets a report row instead of vanishing.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core.config import HEIF_EXTENSIONS, IMAGE_EXTENSIONS
from dropletcleaner.core.safeio import not_regular_reason

# Folders that belong to apps or systems, never to the photographer's library.
SKIPPED_FOLDER_NAMES = frozenset(
    {
        "__pycache__",
        "node_modules",
        "@eaDir",
        "$RECYCLE.BIN",
        "System Volume Information",
        "lost+found",
        "Thumbs",
        ".dropletcleaner-quarantine",
    }
)


def heif_available() -> bool:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        return False
    return True


def supported_extensions() -> frozenset[str]:
    return IMAGE_EXTENSIONS | HEIF_EXTENSIONS if heif_available() else IMAGE_EXTENSIONS


@dataclass(frozen=True)
class FoundFile:
    """An image file as discovered, with the stat figures the catalog compares.

    ``problem`` is set (only with ``report_special``) when the name cannot be a photo: a
    special file or a bad link. Such an entry is never opened; ``problem`` is its reason.
    """

    path: str
    size: int
    mtime_ns: int
    problem: str | None = None


@dataclass(frozen=True)
class WalkError:
    """A folder or file that could not be listed or stat'ed, with the reason."""

    path: str
    reason: str


def _is_skipped_dir(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_FOLDER_NAMES


def walk_images(
    root: str | Path, extensions: frozenset[str] | None = None, *, report_special: bool = False
) -> Iterator[FoundFile | WalkError]:
    """Yield every image file under ``root`` (depth-first, sorted by name), and walk errors.

    ``report_special`` also yields photo names that are not regular files, or links that
    lead nowhere, as :class:`FoundFile` with ``problem`` set (see the module docstring).
    """
    exts = extensions if extensions is not None else supported_extensions()
    root_path = os.path.abspath(os.fspath(root))
    seen_dirs: set[tuple[int, int]] = set()
    stack = [root_path]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            yield WalkError(folder, _reason(exc))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            continue  # already walked through another link: breaks symlink loops
        seen_dirs.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield WalkError(folder, _reason(exc))
            continue
        subdirs: list[str] = []
        for entry in entries:
            try:
                if _is_dir(entry):
                    if not _is_skipped_dir(entry.name):
                        subdirs.append(entry.path)
                    continue
                if entry.name.startswith("."):
                    continue
                if os.path.splitext(entry.name)[1].lower() not in exts:
                    continue
                try:
                    est = entry.stat(follow_symlinks=True)
                except OSError as exc:
                    bad_link = _bad_link(entry, exc) if report_special else None
                    if bad_link is None:
                        raise
                    yield bad_link
                    continue
                if not stat.S_ISREG(est.st_mode):
                    if report_special:
                        problem = not_regular_reason(est.st_mode)
                        yield FoundFile(entry.path, est.st_size, est.st_mtime_ns, problem)
                    continue
                yield FoundFile(entry.path, est.st_size, est.st_mtime_ns)
            except OSError as exc:
                yield WalkError(entry.path, _reason(exc))
        # Reverse so popping from the stack visits sub-folders in name order.
        stack.extend(reversed(subdirs))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """``entry.is_dir()``, except that a link loop (ELOOP) is a bad link, not a folder."""
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        if entry.is_symlink():
            return False  # stat'ed again below, where the loop gets its report row
        raise


def _bad_link(entry: os.DirEntry[str], exc: OSError) -> FoundFile | None:
    """A dangling or looping symbolic link as a :class:`FoundFile` with its problem."""
    if not entry.is_symlink():
        return None
    lst = entry.stat(follow_symlinks=False)
    if exc.errno == errno.ENOENT:
        problem = "broken symbolic link: its target does not exist"
    elif exc.errno == errno.ELOOP:
        problem = "symbolic link loop: the link leads back to itself"
    else:
        problem = f"symbolic link cannot be followed: {_reason(exc)}"
    return FoundFile(entry.path, lst.st_size, lst.st_mtime_ns, problem)


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__
