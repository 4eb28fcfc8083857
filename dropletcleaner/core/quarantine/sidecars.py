"""Which files travel with a photo: its sidecars, its Live Photo movie, the RAW of a pair.

A sidecar has the photo's stem in any case (cameras write ``IMG_5.JPG``, editors
``img_5.xmp``), or is named after the whole file (``IMG_5.JPG.xmp``). Each folder is
listed once per batch.
"""

from __future__ import annotations

import os
from pathlib import Path

from dropletcleaner.core.photos.extensions import JPEG_EXTENSIONS, PHOTO_EXTENSIONS, RAW_EXTENSIONS

# Files with the photo's stem (case-insensitive) that travel with it.
SIDECAR_EXTENSIONS = frozenset({".xmp", ".aae"})
LIVE_PHOTO_EXTENSIONS = frozenset({".mov"})
# RAW_EXTENSIONS and JPEG_EXTENSIONS come from photos/extensions: discovery pairs them the
# same way.
# Photos of their own: two of these whose names differ only by case are two photos.
_PHOTO_EXTENSIONS = PHOTO_EXTENSIONS


class _Siblings:
    """Folder listings for sidecar look-ups, read once per folder per batch."""

    def __init__(self) -> None:
        self._index: dict[Path, dict[str, list[str]]] = {}

    def sidecars(self, photo: Path, claimed: set[Path]) -> list[Path]:
        index = self._index.get(photo.parent)
        if index is None:
            index = self._index[photo.parent] = self._read(photo.parent)
        photo_ext = photo.suffix.lower()
        group = index.get(photo.stem.lower(), [])
        # Two photos whose names differ only by case (IMG_5.jpg beside img_5.JPG, on a
        # case-sensitive disk): each keeps the sidecars spelt exactly like it. Otherwise
        # case does not matter (cameras write IMG_5.JPG, editors img_5.xmp).
        exact = any(
            os.path.splitext(n)[0] != photo.stem
            and os.path.splitext(n)[1].lower() in _PHOTO_EXTENSIONS
            for n in group
        )

        def same(a: str, b: str) -> bool:
            return a == b if exact else a.lower() == b.lower()

        def xmp_of(name: str) -> list[Path]:
            """Sidecars named after a whole file name: "IMG_1.JPG.xmp", "IMG_1.CR2.xmp"."""
            return [
                photo.parent / n
                for n in index.get(name.lower(), [])
                if n.lower().endswith(".xmp") and same(n[:-4], name)
            ]

        found: list[Path] = []
        for name in group:
            stem, ext = os.path.splitext(name)
            ext = ext.lower()
            if not same(stem, photo.stem):
                continue
            raw = ext in RAW_EXTENSIONS and photo_ext in JPEG_EXTENSIONS
            if ext in SIDECAR_EXTENSIONS or ext in LIVE_PHOTO_EXTENSIONS or raw:
                found.append(photo.parent / name)
            if raw:
                found += xmp_of(name)  # the RAW's own edits (darktable) go with the RAW
        found += xmp_of(photo.name)
        out = [p for p in found if p not in claimed]
        claimed.update(out)
        return out

    @staticmethod
    def _read(folder: Path) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                        continue
                    stem = os.path.splitext(entry.name)[0].lower()
                    index.setdefault(stem, []).append(entry.name)
        except OSError:
            return {}  # unreadable folder: no sidecars can be found, the photo still moves
        for names in index.values():
            names.sort()
        return index
