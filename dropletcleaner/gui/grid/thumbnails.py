"""Thumbnails for the grid: loaded lazily on one thread, newest request first, kept in an LRU.

:class:`ThumbnailService` asks its loader thread for what the grid paints, reads the
scanner's cached thumbnail (or the photo itself, scaled while decoding) and keeps
ready-to-paint pixmaps in a cache bounded in bytes. The loader never touches widgets: it
hands back images through a queued signal.
"""

from __future__ import annotations

import collections
import threading

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, QThread, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.photos.safeio import open_photo
from dropletcleaner.gui.grid.model import ThumbnailSource
from dropletcleaner.gui.threads import ManagedThread

_Key = tuple[str, int, int]


def _key(rec: PhotoRecord) -> _Key:
    return (rec.path, rec.size, rec.mtime_ns)


class _ThumbLoader(ManagedThread):
    """Loads thumbnail images, newest request first; drops requests nobody looks at anymore."""

    loaded = Signal(object, object)  # key, QImage | None

    MAX_PENDING = 400

    def __init__(self, cache: ThumbnailCache, box: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thumbnails")
        self._cache = cache
        self._box = box
        self._lock = threading.Condition()
        self._stack: collections.OrderedDict[_Key, None] = collections.OrderedDict()
        self._stopping = False

    def request(self, key: _Key) -> None:
        with self._lock:
            self._stack[key] = None
            self._stack.move_to_end(key)
            while len(self._stack) > self.MAX_PENDING:
                self._stack.popitem(last=False)  # oldest: scrolled past long ago
            self._lock.notify()

    def clear(self) -> None:
        with self._lock:
            self._stack.clear()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._stack.clear()
            self._lock.notify()

    def run(self) -> None:
        while True:
            with self._lock:
                while not self._stack and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                key, _ = self._stack.popitem(last=True)
            self.loaded.emit(key, self._load(key))

    def _load(self, key: _Key) -> QImage | None:
        path, size, mtime_ns = key
        cached = self._cache.path_for(path, size, mtime_ns)
        image = _read_scaled(str(cached), self._box) if cached.is_file() else None
        if image is None:
            # No cached thumbnail (cache cleared, or never scanned): read the photo itself,
            # letting the JPEG decoder scale down while decoding.
            image = _read_photo_scaled(path, self._box)
        return image


def _read_photo_scaled(path: str, box: QSize) -> QImage | None:
    """A photo's thumbnail, read the way the scanner reads: never a FIFO or a device, never
    more than the size limit, and through Python so a name that is not UTF-8 opens."""
    try:
        with open_photo(path) as handle:
            data = QByteArray(handle.read_all())
    except OSError:
        return None
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return _read_scaled(buffer, box)


def _read_scaled(source: str | QBuffer, box: QSize) -> QImage | None:
    reader = QImageReader(source)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and (size.width() > box.width() or size.height() > box.height()):
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return None
    if image.width() > box.width() or image.height() > box.height():
        image = image.scaled(
            box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return image


class ThumbnailService(ThumbnailSource):
    """Lazy thumbnails for the grid with an LRU cache of pixmaps bounded in bytes."""

    def __init__(
        self,
        cache: ThumbnailCache,
        box: QSize,
        budget_bytes: int = 256 * 1024 * 1024,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._budget = budget_bytes
        self._used = 0
        self._pixmaps: collections.OrderedDict[_Key, QPixmap] = collections.OrderedDict()
        self._failed: set[_Key] = set()
        self._pending: set[_Key] = set()
        self.requested = 0  # loads asked of the background thread, for tests and tuning
        self._loader = _ThumbLoader(cache, box)
        self._loader.loaded.connect(self._on_loaded)
        self._loader.start(QThread.Priority.LowPriority)

    def pixmap(self, record: PhotoRecord) -> QPixmap | None:
        key = _key(record)
        pm = self._pixmaps.get(key)
        if pm is not None:
            self._pixmaps.move_to_end(key)
            return pm
        if record.error or key in self._failed:
            return None
        if key not in self._pending:
            self._pending.add(key)
            self.requested += 1
            self._loader.request(key)
        else:
            self._loader.request(key)  # bump: it is on screen again
        return None

    def failed(self, record: PhotoRecord) -> bool:
        return bool(record.error) or _key(record) in self._failed

    def cached_count(self) -> int:
        return len(self._pixmaps)

    def forget_pending(self) -> None:
        """Drop queued loads (another folder was opened)."""
        self._loader.clear()
        self._pending.clear()

    def shutdown(self) -> None:
        self._loader.stop()
        self._loader.wait()

    def _on_loaded(self, key: _Key, image: QImage | None) -> None:
        if key not in self._pending:
            return  # requests were dropped meanwhile (another folder)
        self._pending.discard(key)
        if image is None:
            self._failed.add(key)
        else:
            pm = QPixmap.fromImage(image)
            self._pixmaps[key] = pm
            self._used += _bytes(pm)
            while self._used > self._budget and len(self._pixmaps) > 1:
                _, old = self._pixmaps.popitem(last=False)
                self._used -= _bytes(old)
        self.ready.emit(key[0])


def _bytes(pm: QPixmap) -> int:
    return pm.width() * pm.height() * max(1, pm.depth() // 8)
