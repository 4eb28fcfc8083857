"""On-disk thumbnail cache under ``user_cache_dir``, keyed by a photo's path and identity.

A key changes when the file's size or mtime changes, so a stale thumbnail is never shown.
Files are written atomically; the GUI reads them lazily on a background thread.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image

from dropletcleaner.core.atomic import atomic_write_bytes
from dropletcleaner.core.config import thumbnails_dir


class ThumbnailCache:
    """Maps ``(path, size, mtime_ns)`` to a small JPEG file."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else thumbnails_dir()

    def path_for(self, path: str, size: int, mtime_ns: int) -> Path:
        key = hashlib.blake2b(f"{path}\0{size}\0{mtime_ns}".encode(), digest_size=16).hexdigest()
        return self.root / key[:2] / f"{key}.jpg"

    def store(self, path: str, size: int, mtime_ns: int, thumb: Image.Image) -> Path:
        target = self.path_for(path, size, mtime_ns)
        buf = io.BytesIO()
        thumb.save(buf, "JPEG", quality=85)
        # A lost thumbnail is simply rebuilt, so skip the fsync.
        atomic_write_bytes(target, buf.getvalue(), durable=False)
        return target

    def has(self, path: str, size: int, mtime_ns: int) -> bool:
        return self.path_for(path, size, mtime_ns).is_file()
