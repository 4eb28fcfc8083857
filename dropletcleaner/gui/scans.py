"""Scans for the app: ``Scanner.run()`` as a job, throttled progress and streamed rows.

:class:`ScanController` runs one scan at a time as a job of the app's generator worker,
throttles its progress to a few updates a second (count, rate, ETA), streams newly scanned
rows so thumbnails appear during the scan, and stops at the next batch when asked. A scan
abandoned for another folder finishes its batch in the background and is never heard of.
Its job opens its own catalog connection.
"""

from __future__ import annotations

import collections
import os
import sqlite3
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal

from dropletcleaner.core.catalog.db import CatalogError, catalog_error
from dropletcleaner.core.catalog.photos import Catalog, PhotoRecord, ScanResult
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.paths import default_catalog_path
from dropletcleaner.gui.model_loading import ModelHandle
from dropletcleaner.gui.threads import GeneratorWorker

if TYPE_CHECKING:
    from dropletcleaner.core.library.scan import ScanSummary  # imports torch: not at start

# Progress and new rows reach the GUI at most this often: enough to feel live, and cheap.
PROGRESS_INTERVAL_S = 0.1
ROWS_INTERVAL_S = 0.4


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
