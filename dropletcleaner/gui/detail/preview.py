"""Decoding photos for display, off the GUI thread, with a small memory cache.

One thread decodes, newest request first: asking for another photo cancels the request
that has not started, and a result for a photo no longer shown is cached but not drawn
(the caller compares the generation it asked with). ``max_side=None`` decodes at full
resolution, for looking at real pixels.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QImage

from dropletcleaner.core.jobs import CancelToken
from dropletcleaner.core.photos.decode import DecodeError, load_rgb

log = logging.getLogger(__name__)

PreviewKey = tuple[str, str, int]  # path, fingerprint, max side (0: full resolution)


def to_qimage(img: object) -> QImage:
    """An RGB(A) PIL image or array as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(np.asarray(img, dtype=np.uint8)[..., :3])
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class PreviewLoader(QObject):
    """Decodes one photo at a time for display; ``loaded`` or ``failed`` follow a request."""

    loaded = Signal(int, object, object)  # generation, PreviewKey, QImage
    failed = Signal(int, str, str)  # generation, path, reason

    def __init__(self, cache_size: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache: OrderedDict[PreviewKey, QImage] = OrderedDict()
        self._cache_size = cache_size
        self._token = CancelToken()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._closing = False
        self.loaded.connect(self._remember)

    def cached(self, key: PreviewKey) -> QImage | None:
        image = self._cache.get(key)
        if image is not None:
            self._cache.move_to_end(key)
        return image

    def request(self, generation: int, key: PreviewKey) -> None:
        """Decode ``key``'s photo (cancelling what has not started yet)."""
        if self._closing:
            return
        self.cancel()
        token = self._token
        path, _, side = key

        def run() -> None:
            if token.cancelled:
                return
            try:
                image = to_qimage(load_rgb(path, max_side=side or None))
            except (DecodeError, OSError) as exc:
                self.failed.emit(generation, path, str(exc) or type(exc).__name__)
                return
            except Exception as exc:  # a bug, not a bad file: say so rather than hang
                log.exception("preview of %s failed", path)
                self.failed.emit(generation, path, f"unexpected error: {exc!r}")
                return
            if not token.cancelled:
                self.loaded.emit(generation, key, image)

        self._pool.start(run)

    def cancel(self) -> None:
        self._token.cancel()
        self._token = CancelToken()
        self._pool.clear()

    def active_workers(self) -> int:
        return self._pool.activeThreadCount()

    def shutdown(self) -> None:
        """Cancel and wait for the decoding thread (safe to call twice)."""
        self._closing = True
        self.cancel()
        self._pool.waitForDone(-1)

    def _remember(self, _generation: int, key: PreviewKey, image: QImage) -> None:
        self._cache[key] = image
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
