"""Find image files under a folder: recursive, skipping hidden and app folders, loop-safe.

Walks with ``os.scandir`` (one ``stat`` per file, reused by the catalog diff). Symlinked
folders are followed only once per real directory, so a symlink loop ends. Unreadable
folders are reported, not fatal. With ``report_special=True`` (the scanner), a photo name
that is a FIFO, device or socket, or a dangling or looping link, is yielded too, with the
reason in :attr:`FoundFile.problem`, so that it gets a report row instead of vanishing;
so is a file with an image-like extension the app does not read (``.psd``, or ``.heic``
without its codec), with the reason it is skipped.

A RAW file beside a JPEG of the same name is that JPEG's sidecar (the camera wrote both
of one shot): it is not yielded, so the pair is scored and reported once, as the JPEG,
and quarantine moves the RAW with it. A RAW on its own is a photo like any other.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core.photos.extensions import JPEG_EXTENSIONS, PHOTO_EXTENSIONS, RAW_EXTENSIONS
from dropletcleaner.core.photos.formats import (
    heif_available,
    skipped_extensions,
    supported_extensions,
    unsupported_reason,
)
from dropletcleaner.core.photos.safeio import not_regular_reason
from dropletcleaner.core.photos.selection import Selection

__all__ = [
    "FoundFile",
    "WalkError",
    "heif_available",
    "is_paired_raw",
    "paired_raws",
    "supported_extensions",
    "walk_images",
]

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


def _pairs(jpeg: str, raw: str, names: list[str]) -> bool:
    """Whether RAW file ``raw`` is the sidecar of JPEG ``jpeg``; both are in ``names``.

    The rule quarantine's sidecar look-up uses: same stem, any case (cameras write
    IMG_5.JPG, converters img_5.cr2), unless two photos in the folder differ only by case,
    when each keeps the files spelt exactly like it.
    """
    stem = os.path.splitext(jpeg)[0]
    raw_stem, raw_ext = os.path.splitext(raw)
    if raw_ext.lower() not in RAW_EXTENSIONS or raw_stem.lower() != stem.lower():
        return False
    if os.path.splitext(jpeg)[1].lower() not in JPEG_EXTENSIONS:
        return False
    exact = any(
        os.path.splitext(n)[0] != stem
        and os.path.splitext(n)[0].lower() == stem.lower()
        and os.path.splitext(n)[1].lower() in PHOTO_EXTENSIONS
        for n in names
    )
    return raw_stem == stem if exact else True


def is_paired_raw(name: str, names: list[str]) -> bool:
    """Whether RAW ``name`` has a JPEG among ``names`` whose sidecar it is.

    ``names`` is its folder's listing, or only the names that share its stem (any case).
    """
    return any(_pairs(n, name, names) for n in names if n != name)


def paired_raws(jpeg: str, names: list[str]) -> list[str]:
    """The RAW files among ``names`` (its folder's listing) that are sidecars of ``jpeg``."""
    return [n for n in names if n != jpeg and _pairs(jpeg, n, names)]


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


@dataclass(frozen=True)
class _Walk:
    """What one walk looks for: the settings every folder of it shares."""

    exts: frozenset[str]
    skipped: frozenset[str]  # image-like extensions reported as not supported
    report_special: bool
    only: Selection | None


def walk_images(
    root: str | Path,
    extensions: frozenset[str] | None = None,
    *,
    report_special: bool = False,
    selection: Selection | None = None,
) -> Iterator[FoundFile | WalkError]:
    """Yield every image file under ``root`` (depth-first, sorted by name), and walk errors.

    ``report_special`` also yields photo names that are not regular files, or links that
    lead nowhere, as :class:`FoundFile` with ``problem`` set (see the module docstring).
    ``selection`` leaves out excluded files and folders, or every sub-folder.
    """
    exts = extensions if extensions is not None else supported_extensions()
    walk = _Walk(
        exts=exts,
        skipped=skipped_extensions() - exts if report_special else frozenset(),
        report_special=report_special,
        only=None if selection is None or selection.everything else selection,
    )
    seen_dirs: set[tuple[int, int]] = set()
    stack = [os.path.abspath(os.fspath(root))]
    while stack:
        folder = stack.pop()
        listed = _list_folder(folder, seen_dirs)
        if isinstance(listed, WalkError):
            yield listed
            continue
        subdirs: list[str] = []
        yield from _walk_entries(walk, listed, subdirs)
        # Reverse so popping from the stack visits sub-folders in name order.
        stack.extend(reversed(subdirs))


def _list_folder(
    folder: str, seen_dirs: set[tuple[int, int]]
) -> list[os.DirEntry[str]] | WalkError:
    """A folder's entries sorted by name; none for a folder already walked (a link loop)."""
    try:
        st = os.stat(folder)
    except OSError as exc:
        return WalkError(folder, _reason(exc))
    key = (st.st_dev, st.st_ino)
    if key in seen_dirs:
        return []  # already walked through another link: breaks symlink loops
    seen_dirs.add(key)
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as exc:
        return WalkError(folder, _reason(exc))


def _walk_entries(
    walk: _Walk, entries: list[os.DirEntry[str]], subdirs: list[str]
) -> Iterator[FoundFile | WalkError]:
    """The image files of one folder's entries; its sub-folders to walk go to ``subdirs``."""
    # Names by lower-case stem: a RAW's pairing looks at its own stem's files only.
    by_stem: dict[str, list[str]] = {}
    for e in entries:
        by_stem.setdefault(os.path.splitext(e.name)[0].lower(), []).append(e.name)
    for entry in entries:
        try:
            if _is_dir(entry):
                if not _is_skipped_dir(entry.name) and (
                    walk.only is None or walk.only.walks_into(entry.path)
                ):
                    subdirs.append(entry.path)
                continue
            found = _found_file(walk, entry, by_stem)
            if found is not None:
                yield found
        except OSError as exc:
            yield WalkError(entry.path, _reason(exc))


def _found_file(
    walk: _Walk, entry: os.DirEntry[str], by_stem: dict[str, list[str]]
) -> FoundFile | None:
    """The entry as a photo to scan or to report, or ``None`` if it is not one."""
    if entry.name.startswith(".") or (walk.only is not None and not walk.only.covers(entry.path)):
        return None
    stem, ext = os.path.splitext(entry.name)
    ext = ext.lower()
    if ext not in walk.exts and ext not in walk.skipped:
        return None
    if ext in RAW_EXTENSIONS and is_paired_raw(entry.name, by_stem[stem.lower()]):
        return None  # the JPEG's sidecar: scored, reported and moved as the JPEG
    try:
        est = entry.stat(follow_symlinks=True)
    except OSError as exc:
        bad_link = _bad_link(entry, exc) if walk.report_special else None
        if bad_link is None:
            raise
        return bad_link
    if not stat.S_ISREG(est.st_mode):
        if walk.report_special:
            problem = not_regular_reason(est.st_mode)
            return FoundFile(entry.path, est.st_size, est.st_mtime_ns, problem)
        return None
    if ext in walk.skipped:
        problem = unsupported_reason(entry.name) or f"not supported: {ext} files"
        return FoundFile(entry.path, est.st_size, est.st_mtime_ns, problem)
    return FoundFile(entry.path, est.st_size, est.st_mtime_ns)


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
