"""Find image files under a folder: recursive, skipping hidden and app folders, loop-safe.

Walks with ``os.scandir`` (one ``stat`` per file, reused by the catalog diff). Symlinked
folders are followed only once per real directory, so a symlink loop ends. Unreadable
folders are reported, not fatal.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core.config import HEIF_EXTENSIONS, IMAGE_EXTENSIONS

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
    """An image file as discovered, with the stat figures the catalog compares."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class WalkError:
    """A folder or file that could not be listed or stat'ed, with the reason."""

    path: str
    reason: str


def _is_skipped_dir(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_FOLDER_NAMES


def walk_images(
    root: str | Path, extensions: frozenset[str] | None = None
) -> Iterator[FoundFile | WalkError]:
    """Yield every image file under ``root`` (depth-first, sorted by name), and walk errors."""
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
                if entry.is_dir(follow_symlinks=True):
                    if not _is_skipped_dir(entry.name):
                        subdirs.append(entry.path)
                    continue
                if entry.name.startswith("."):
                    continue
                if os.path.splitext(entry.name)[1].lower() not in exts:
                    continue
                est = entry.stat(follow_symlinks=True)
                if not stat.S_ISREG(est.st_mode):
                    continue
                yield FoundFile(entry.path, est.st_size, est.st_mtime_ns)
            except OSError as exc:
                yield WalkError(entry.path, _reason(exc))
        # Reverse so popping from the stack visits sub-folders in name order.
        stack.extend(reversed(subdirs))


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__
