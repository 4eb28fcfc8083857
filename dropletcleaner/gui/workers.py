"""Background work for the desktop app: model loading, scanning and thumbnail loading.

Model loading and scans are jobs of the app's one generator worker
(:class:`~dropletcleaner.gui.threads.GeneratorWorker`); the thumbnail loader is a
long-lived :class:`~dropletcleaner.gui.threads.ManagedThread`. Workers never touch
widgets: they talk to the GUI thread only through queued signals, and each opens its own
catalog connection.

* :class:`ModelLoader` loads the active model and builds its scorer off the GUI thread.
* :class:`ScanController` runs ``Scanner.run()`` as a job, throttles its progress to a
  few updates a second (count, rate, ETA), streams newly scanned rows so thumbnails appear
  during the scan, and stops at the next batch when asked.
* :class:`ThumbnailService` loads thumbnails lazily (newest request first) and keeps an
  LRU cache of ready-to-paint pixmaps.
"""

from __future__ import annotations

import collections
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QSize,
    Qt,
    QThread,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QImage, QImageReader, QPixmap

from dropletcleaner.core.catalog.db import CatalogError, catalog_error
from dropletcleaner.core.catalog.photos import Catalog, PhotoRecord, ScanResult
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.paths import default_catalog_path
from dropletcleaner.core.photos.safeio import open_photo
from dropletcleaner.gui.photo_model import ThumbnailSource
from dropletcleaner.gui.threads import GeneratorWorker, ManagedThread, describe_error

if TYPE_CHECKING:
    # Torch, timm and onnxruntime come with these: they load with the model, on its
    # thread, so the window can appear before they are imported.
    from dropletcleaner.core.library.scan import ScanSummary
    from dropletcleaner.core.ml.checkpoint import LoadedModel
    from dropletcleaner.core.ml.inference.scorer import Scorer

# Progress and new rows reach the GUI at most this often: enough to feel live, and cheap.
PROGRESS_INTERVAL_S = 0.1
ROWS_INTERVAL_S = 0.4


# -- model ---------------------------------------------------------------------------------------
@dataclass
class ModelBundle:
    """The loaded model (for its card and for attribution) and its scorer (for scanning)."""

    loaded: LoadedModel
    scorer: Scorer


def load_default_bundle() -> ModelBundle:
    from dropletcleaner.core.ml.inference.scorer import Scorer
    from dropletcleaner.core.ml.store import load_default_model

    loaded = load_default_model()
    return ModelBundle(loaded=loaded, scorer=Scorer(loaded))


class ModelUnavailable(Exception):
    """The model could not be loaded; ``str(exc)`` says why."""


class ModelHandle:
    """The model while it loads: a scan may start at once and wait here for the scorer."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._bundle: ModelBundle | None = None
        self._error: str | None = None

    def set(self, bundle: ModelBundle) -> None:
        self._bundle = bundle
        self._event.set()

    def fail(self, reason: str) -> None:
        self._error = reason
        self._event.set()

    @property
    def bundle(self) -> ModelBundle | None:
        return self._bundle

    def is_ready(self) -> bool:
        return self._event.is_set()

    def wait(self, cancel: CancelToken) -> ModelBundle | None:
        """Block until loaded; ``None`` if cancelled first; raises if loading failed."""
        while not self._event.wait(0.1):
            if cancel.cancelled:
                return None
        if self._bundle is None:
            raise ModelUnavailable(self._error or "the model could not be loaded")
        return self._bundle


class ModelLoader(GeneratorWorker):
    """Loads the model once on a thread into ``handle``; emits ``loaded`` or ``failed``."""

    def __init__(
        self,
        factory: Callable[[], ModelBundle],
        handle: ModelHandle,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(self._load, "model-loader", parent)
        self._factory = factory
        self.handle = handle

    @property
    def loaded(self) -> SignalInstance:  # ModelBundle
        return self.returned

    @property
    def failed(self) -> SignalInstance:  # the reason, one line
        return self.errored

    def _load(self, cancel: CancelToken) -> Generator[Progress, None, ModelBundle]:
        yield Progress("loading", message="loading the droplet model")
        try:
            bundle = self._factory()
        except Exception as exc:  # a scan waiting on the handle must hear of it too
            self.handle.fail(describe_error(exc))
            raise
        self.handle.set(bundle)
        return bundle


# -- scanning ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanStatus:
    """A throttled progress report with the figures the status bar shows."""

    phase: str  # "loading" | "discovering" | "scanning"
    done: int
    total: int | None
    errors: int
    rate: float | None  # photos per second over the last few seconds
    eta_s: float | None
    current: str = ""


@dataclass
class ScanOutcome:
    """How a scan ended, with the final catalog rows of the folder."""

    root: str
    summary: ScanSummary
    records: list[PhotoRecord] = field(default_factory=list)


class _RateMeter:
    """Photos per second over a sliding window, for a steady rate and ETA."""

    def __init__(self, window_s: float = 5.0) -> None:
        self._window = window_s
        self._points: collections.deque[tuple[float, int]] = collections.deque()

    def add(self, now: float, done: int) -> float | None:
        self._points.append((now, done))
        while len(self._points) > 2 and now - self._points[0][0] > self._window:
            self._points.popleft()
        t0, d0 = self._points[0]
        if now - t0 < 0.5 or done <= d0:
            return None
        return (done - d0) / (now - t0)


class _RecordingCatalog(Catalog):
    """A catalog connection that remembers which paths the scanner just recorded."""

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__(path)
        self.recorded: list[str] = []

    def record_scans(self, results: list[ScanResult]) -> None:  # type: ignore[override]
        super().record_scans(results)
        self.recorded.extend(r.path for r in results)


class _Scan(GeneratorWorker):
    """One scan of ``root`` as a job of the generator worker.

    The job yields ``(kind, payload)`` events: ``("snapshot", records)`` (what the catalog
    already knows), ``("rows", records)`` (freshly scanned rows) and ``("progress",
    ScanStatus)``, and returns the :class:`ScanOutcome`.
    """

    def __init__(
        self,
        root: str,
        catalog_path: Path | None,
        model: ModelHandle,
        thumbs: ThumbnailCache,
    ) -> None:
        super().__init__(self._job, "scan", describe=self._describe)
        self.root = root
        self._catalog_path = catalog_path
        self._model = model
        self._thumbs = thumbs

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, CatalogError):  # already one line: what, which file, what to do
            return str(exc)
        if isinstance(exc, sqlite3.Error):  # the catalog failed mid-scan: a lock, a full disk
            return str(catalog_error(exc, self._catalog_path or default_catalog_path()))
        return f"{type(exc).__name__}: {exc}"

    def _job(self, cancel: CancelToken) -> Generator[tuple[str, object], None, ScanOutcome]:
        from dropletcleaner.core.library.scan import (  # imports torch: not at start
            Scanner,
            ScanSummary,
        )

        catalog = _RecordingCatalog(self._catalog_path)
        try:
            yield "snapshot", catalog.photos(self.root)
            if not self._model.is_ready():
                yield "progress", ScanStatus("loading", 0, None, 0, None, None)
            bundle = self._model.wait(cancel)
            if bundle is None:
                summary = ScanSummary(root=self.root, cancelled=True)
                return ScanOutcome(self.root, summary, catalog.photos(self.root))
            scanner = Scanner(self.root, catalog, bundle.scorer, self._thumbs, cancel=cancel)
            meter = _RateMeter()
            last_progress = last_rows = 0.0
            last_phase = ""
            for p in scanner.run():
                now = time.monotonic()
                if catalog.recorded and now - last_rows >= ROWS_INTERVAL_S:
                    yield from self._rows(catalog)
                    last_rows = now
                if p.phase != last_phase or now - last_progress >= PROGRESS_INTERVAL_S:
                    yield "progress", self._status(p, meter, now)
                    last_progress, last_phase = now, p.phase
                if cancel.cancelled:
                    scanner.summary.cancelled = True
                    break
            yield from self._rows(catalog)
            return ScanOutcome(self.root, scanner.summary, catalog.photos(self.root))
        finally:
            catalog.close()

    @staticmethod
    def _rows(catalog: _RecordingCatalog) -> Iterator[tuple[str, object]]:
        paths, catalog.recorded = catalog.recorded, []
        records = [r for r in (catalog.get(p) for p in paths) if r is not None]
        if records:
            yield "rows", records

    @staticmethod
    def _status(p: Progress, meter: _RateMeter, now: float) -> ScanStatus:
        rate = meter.add(now, p.done) if p.phase == "scanning" else None
        eta = None
        if rate and p.total is not None:
            eta = max(0.0, (p.total - p.done) / rate)
        return ScanStatus(p.phase, p.done, p.total, p.errors, rate, eta, p.current)


class ScanController(QObject):
    """Starts, stops and forgets scans; at most one scan reports to the GUI at a time."""

    snapshot = Signal(str, object)  # root, list[PhotoRecord]
    rows = Signal(str, object)  # root, list[PhotoRecord]
    progress = Signal(str, object)  # root, ScanStatus
    finished = Signal(object)  # ScanOutcome
    failed = Signal(str, str)  # root, reason
    runningChanged = Signal(bool)

    def __init__(
        self,
        catalog_path: Path | None,
        thumbs: ThumbnailCache,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._catalog_path = catalog_path
        self._thumbs = thumbs
        self._current: _Scan | None = None
        # Cancelled scans finish their current batch in the background; kept until they end.
        self._retiring: list[_Scan] = []

    def is_running(self) -> bool:
        return self._current is not None

    @property
    def root(self) -> str | None:
        return None if self._current is None else self._current.root

    def start(self, root: str, model: ModelHandle) -> None:
        """Scan ``root``; a scan still running is abandoned (it stops in the background)."""
        self._retire()
        thread = _Scan(os.path.abspath(root), self._catalog_path, model, self._thumbs)
        thread.yielded.connect(self._on_event)
        thread.returned.connect(self._on_done)
        thread.errored.connect(self._on_failed)
        thread.finished.connect(self._on_ended)  # QThread's own: the thread's last act
        self._current = thread
        thread.start(QThread.Priority.LowPriority)
        self.runningChanged.emit(True)

    def stop(self) -> None:
        """Ask the running scan to stop after its current batch; returns at once.

        The scan still reports how far it got (``finished`` with a cancelled summary).
        """
        if self._current is not None:
            self._current.cancel()

    def stopping(self) -> bool:
        return self._current is not None and self._current.cancel_token.cancelled

    def _retire(self) -> None:
        thread = self._current
        if thread is None:
            return
        thread.cancel()
        self._retiring.append(thread)
        self._current = None
        self.runningChanged.emit(False)

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Stop every scan and wait for its thread to end (window closing)."""
        self._retire()
        ok = True
        for thread in list(self._retiring):
            thread.cancel()
            ok = thread.wait(timeout_ms) and ok
        self._retiring = [t for t in self._retiring if t.isRunning()]
        return ok

    def _scan(self) -> _Scan | None:
        """The scan whose signal is being delivered: the current one, or an abandoned one."""
        thread = self.sender()
        return thread if isinstance(thread, _Scan) else None

    def _on_event(self, event: tuple[str, object]) -> None:
        thread = self._scan()
        if thread is None or thread is not self._current:
            return  # an abandoned scan finishing its batch: nobody looks at it any more
        kind, payload = event
        signal = {"snapshot": self.snapshot, "rows": self.rows, "progress": self.progress}[kind]
        signal.emit(thread.root, payload)

    def _on_done(self, outcome: ScanOutcome) -> None:
        thread = self._scan()
        if thread is not None and thread is self._current:
            self._current = None
            # Still running until ``finished``: keep it referenced so it is never destroyed live.
            self._retiring.append(thread)
            self.runningChanged.emit(False)
            self.finished.emit(outcome)

    def _on_failed(self, reason: str) -> None:
        thread = self._scan()
        if thread is not None and thread is self._current:
            self._current = None
            self._retiring.append(thread)
            self.runningChanged.emit(False)
            self.failed.emit(thread.root, reason)

    def _on_ended(self) -> None:
        thread = self._scan()
        if thread is None:
            return
        thread.wait()  # returns at once: ``finished`` is the thread's last act
        if thread in self._retiring:
            self._retiring.remove(thread)
        if thread is self._current:  # ended without reporting: never leave the GUI waiting
            self._current = None
            self.runningChanged.emit(False)
            self.failed.emit(thread.root, "the scan stopped unexpectedly")
        thread.deleteLater()


# -- thumbnails ----------------------------------------------------------------------------------
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
