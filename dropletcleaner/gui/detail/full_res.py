"""Full-resolution decodes for a loupe, off the GUI thread, asked for only when zoomed in.

A 12 MP JPEG takes a few hundred milliseconds to decode and 36 MB to hold, so it is
decoded only once the user zooms in (the loupe's ``fullResolutionWanted``), on the
decoding thread of a :class:`~dropletcleaner.gui.detail.preview.PreviewLoader`; the last two are
kept, enough to go back and forth between two photos of a burst. A decode that finishes
after the user moved on is cached but not drawn.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from dropletcleaner.gui.detail.loupe import LoupeCanvas
from dropletcleaner.gui.detail.preview import PreviewKey, PreviewLoader

FULL_CACHE_SIZE = 2


class FullResolution(QObject):
    """Feeds ``canvas`` the full decode of the photo on show, when it asks for one."""

    drawn = Signal(str)  # path, once its full-resolution pixels are on the canvas
    failed = Signal(str, str)  # path, reason

    def __init__(self, canvas: LoupeCanvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.loader = PreviewLoader(FULL_CACHE_SIZE, self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self._key: PreviewKey | None = None
        self._generation = 0
        self._asked = False
        canvas.fullResolutionWanted.connect(self.want)

    def set_photo(self, path: str | None, fingerprint: str | None = None) -> None:
        """The canvas now shows this photo (``None``: nothing); its decode is not asked yet."""
        key = None if path is None else (path, fingerprint or "", 0)
        if key == self._key:
            return
        self._key = key
        self._generation += 1
        self._asked = False
        self.loader.cancel()

    def want(self) -> None:
        """Decode the photo on show at full resolution, unless it is here or on its way."""
        if self._key is None or self._asked:
            return
        cached = self.loader.cached(self._key)
        if cached is not None:
            self.canvas.set_full_photo(cached)
            self.drawn.emit(self._key[0])
            return
        self._asked = True
        self.loader.request(self._generation, self._key)

    @property
    def pending(self) -> bool:
        return self._asked

    def active_workers(self) -> int:
        return self.loader.active_workers()

    def shutdown(self) -> None:
        self.loader.shutdown()

    def _on_loaded(self, generation: int, key: PreviewKey, image: QImage) -> None:
        if generation != self._generation or key != self._key:
            return
        self._asked = False
        self.canvas.set_full_photo(image)
        self.drawn.emit(key[0])

    def _on_failed(self, generation: int, path: str, reason: str) -> None:
        if generation == self._generation:
            # `_asked` stays set: every wheel notch must not decode a broken file again.
            self.failed.emit(path, reason)
