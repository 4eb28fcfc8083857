"""On-disk thumbnail cache under ``user_cache_dir``, keyed by a photo's path and identity.

A key changes when the file's size or mtime changes, so a stale thumbnail is never shown.
Files are written atomically; the GUI reads them lazily on a background thread.
The cache is only a cache: :meth:`ThumbnailCache.try_store` turns a write failure (a full
disk, a read-only cache folder) into a counted warning, so the photo is still scored.
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

from PIL import Image

from dropletcleaner.core.atomic import atomic_write_bytes
from dropletcleaner.core.paths import thumbnails_dir


class ThumbnailCache:
    """Maps ``(path, size, mtime_ns)`` to a small JPEG file."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else thumbnails_dir()
        self._lock = threading.Lock()
        self.write_failures = 0  # thumbnails try_store could not write
        self.last_write_error: str | None = None

    def path_for(self, path: str, size: int, mtime_ns: int) -> Path:
        # surrogateescape: a file name that is not valid UTF-8 keys by its raw bytes, and
        # every valid name keeps the key it always had.
        raw = f"{path}\0{size}\0{mtime_ns}".encode("utf-8", "surrogateescape")
        key = hashlib.blake2b(raw, digest_size=16).hexdigest()
        return self.root / key[:2] / f"{key}.jpg"

    def store(self, path: str, size: int, mtime_ns: int, thumb: Image.Image) -> Path:
        target = self.path_for(path, size, mtime_ns)
        buf = io.BytesIO()
        thumb.save(buf, "JPEG", quality=85)
        # A lost thumbnail is simply rebuilt, so skip the fsync.
        atomic_write_bytes(target, buf.getvalue(), durable=False)
        return target

    def try_store(self, path: str, size: int, mtime_ns: int, thumb: Image.Image) -> bool:
        """:meth:`store`, but a failure to write is counted and returns ``False``."""
        try:
            self.store(path, size, mtime_ns, thumb)
        except OSError as exc:
            with self._lock:  # decode threads store concurrently
                self.write_failures += 1
                self.last_write_error = exc.strerror or str(exc)
            return False
        return True

    def write_warning(self) -> str | None:
        """One line about thumbnails that could not be written, or ``None``."""
        if not self.write_failures:
            return None
        n = self.write_failures
        return (
            f"could not write {n} thumbnail{'s' if n != 1 else ''} to {self.root} "
            f"({self.last_write_error}); the photos were scored, their thumbnails will be "
            "rebuilt on a later scan once there is room"
        )

    def has(self, path: str, size: int, mtime_ns: int) -> bool:
        return self.path_for(path, size, mtime_ns).is_file()
