"""The one worker that moves photos: quarantine, restore, undo, empty and recovery, in order.

All file operations go through :mod:`dropletcleaner.core.quarantine.api` on a single thread
with its own catalog connection, so two operations never race on the same files and
the GUI never waits for a disk. Each request produces one :class:`FileOpResult` on the
GUI thread, carrying the report and the re-read catalog rows of every photo it touched.
"""

from __future__ import annotations

import queue
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFile, QObject, Signal

from dropletcleaner.core.catalog.photos import STATE_MISSING, Catalog, PhotoRecord
from dropletcleaner.core.catalog.quarantine_journal import batch_photo_states
from dropletcleaner.core.jobs import Progress
from dropletcleaner.core.paths import default_catalog_path
from dropletcleaner.core.quarantine import api as quarantine_api
from dropletcleaner.gui.threads import ManagedThread


def qt_trash(path: Path) -> None:
    """Move one file to the system trash with ``QFile.moveToTrash``; raise if it did not go."""
    if not QFile.moveToTrash(str(path)):
        # No path here: the banner joins distinct reasons, and one per file repeated it.
        # Nor what to do next: the banner says that once, after the reasons.
        raise OSError("the system trash refused it (this disk may have no trash)")


@dataclass
class FileOpResult:
    """The outcome of one request, delivered on the GUI thread."""

    op: str  # "recover" | "quarantine" | "restore" | "undo" | "empty" | "batches" | "files"
    report: Any = None  # BatchReport, or list[MoveOutcome] for "recover"
    records: list[PhotoRecord] = field(default_factory=list)  # touched rows, re-read
    gone: list[str] = field(default_factory=list)  # touched paths no longer in the library
    batches: list[Any] = field(default_factory=list)  # BatchInfo, for "batches"
    states: dict[str, dict[str, int]] = field(default_factory=dict)  # for "batches"
    files: list[Any] = field(default_factory=list)  # QuarantinedFile, for "files"
    error: str | None = None
    details: str = ""
    tag: object = None  # the caller's token, handed back untouched


@dataclass
class _Job:
    op: str
    run: Callable[[Any, Catalog, Callable[[Progress], None]], FileOpResult]
    tag: object = None


class _QueueThread(ManagedThread):
    result = Signal(object)  # FileOpResult
    progress = Signal(object)  # Progress

    def __init__(self, catalog_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("file-operations")
        self._catalog_path = catalog_path
        self.jobs: queue.Queue[_Job | None] = queue.Queue()

    def run(self) -> None:
        catalog: Catalog | None = None
        try:
            catalog = Catalog(self._catalog_path)
        except Exception as exc:
            self._fail_all(f"cannot open the catalog: {exc}")
            return
        try:
            while True:
                job = self.jobs.get()
                if job is None:
                    return
                self.result.emit(self._execute(job, catalog))
        finally:
            catalog.close()

    def _execute(self, job: _Job, catalog: Catalog) -> FileOpResult:
        last = [0.0]

        def on_progress(p: Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1 or (p.total is not None and p.done >= p.total):
                last[0] = now
                self.progress.emit(p)

        try:
            result = job.run(quarantine_api, catalog, on_progress)
        except Exception as exc:
            # The core refuses dangerous requests with QuarantineError: say why, plainly.
            result = FileOpResult(
                op=job.op,
                error=str(exc) or type(exc).__name__,
                details=traceback.format_exc(),
            )
        result.tag = job.tag
        return result

    def _fail_all(self, reason: str) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            self.result.emit(FileOpResult(op=job.op, error=reason, tag=job.tag))


def _aliases(q: Any, catalog: Catalog) -> dict[str, str]:
    """Quarantine location -> original path of every quarantined file, before an operation.

    Outcomes of restore and empty name files by where they sat in the quarantine, while
    catalog rows (and the grid) know photos by their original path.
    """
    return {str(f.current): str(f.original) for f in q.quarantined_files(catalog)}


def _touched(
    catalog: Catalog, outcomes: Sequence[Any], aliases: dict[str, str] | None = None
) -> tuple[list[PhotoRecord], list[str]]:
    """Catalog rows of every photo an operation touched, and paths the grid must forget."""
    records: list[PhotoRecord] = []
    gone: list[str] = []
    seen: set[str] = set()
    for o in outcomes:
        source = str(o.source)
        candidates = [source]
        if o.destination is not None:
            candidates.append(str(o.destination))
        if aliases and source in aliases:
            candidates.append(aliases[source])
        found = None
        for path in candidates:
            found = catalog.get(path)
            if found is not None:
                break
        current = found.path if found is not None and found.state != STATE_MISSING else None
        # Every other name of the photo is stale (e.g. it came back as "name (1).jpg").
        gone.extend(p for p in candidates if p != current)
        if found is not None and current is not None and found.path not in seen:
            seen.add(found.path)
            records.append(found)
    return records, gone


def _report_result(
    op: str, catalog: Catalog, report: Any, aliases: dict[str, str] | None = None
) -> FileOpResult:
    outcomes = [] if report is None else list(report.outcomes)
    records, gone = _touched(catalog, outcomes, aliases)
    return FileOpResult(op=op, report=report, records=records, gone=gone)


class QuarantineQueue(QObject):
    """The quarantine queue: file operations run in order on one background thread.

    Quarantine, restore, undo, empty and recovery are queued here; each result comes back
    as ``finished`` on the GUI thread.
    """

    finished = Signal(object)  # FileOpResult
    progress = Signal(object)  # Progress of the running operation
    busyChanged = Signal(bool)

    def __init__(
        self,
        catalog_path: Path | None,
        trash: Callable[[Path], None] = qt_trash,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._trash = trash
        # None means the per-user default catalog: readers need the real path to open it.
        self._catalog_path = default_catalog_path() if catalog_path is None else catalog_path
        self._thread = _QueueThread(self._catalog_path)
        self._thread.result.connect(self._on_result)
        self._thread.progress.connect(self.progress)
        self._pending = 0
        self._thread.start()

    @property
    def catalog_path(self) -> Path:
        """The catalog the worker writes to (readers may open it read-only)."""
        return self._catalog_path

    @property
    def pending(self) -> int:
        """Requests queued or running."""
        return self._pending

    def is_busy(self) -> bool:
        return self._pending > 0

    # -- requests ------------------------------------------------------------------------------
    def recover(self, tag: object = None) -> None:
        def run(q: Any, catalog: Catalog, _p: Callable[[Progress], None]) -> FileOpResult:
            aliases = _aliases(q, catalog)
            outcomes = q.recover(catalog)
            records, gone = _touched(catalog, outcomes, aliases)
            return FileOpResult(op="recover", report=outcomes, records=records, gone=gone)

        self._submit(_Job("recover", run, tag))

    def quarantine(
        self,
        paths: Sequence[str],
        library_root: str,
        dest: str | None = None,
        tag: object = None,
    ) -> None:
        path_list = [Path(p) for p in paths]

        def run(q: Any, catalog: Catalog, on_progress: Callable[[Progress], None]) -> FileOpResult:
            report = q.quarantine(
                catalog,
                path_list,
                library_root=Path(library_root),
                dest=None if dest is None else Path(dest),
                on_progress=on_progress,
            )
            return _report_result("quarantine", catalog, report)

        self._submit(_Job("quarantine", run, tag))

    def restore(
        self,
        *,
        batch_id: str | None = None,
        paths: Sequence[str] = (),
        all_batches: bool = False,
        tag: object = None,
    ) -> None:
        path_list = [Path(p) for p in paths]

        def run(q: Any, catalog: Catalog, on_progress: Callable[[Progress], None]) -> FileOpResult:
            aliases = _aliases(q, catalog)
            report = q.restore(
                catalog,
                batch_id=batch_id,
                paths=path_list,
                all_batches=all_batches,
                on_progress=on_progress,
            )
            return _report_result("restore", catalog, report, aliases)

        self._submit(_Job("restore", run, tag))

    def undo(self, tag: object = None) -> None:
        def run(q: Any, catalog: Catalog, on_progress: Callable[[Progress], None]) -> FileOpResult:
            aliases = _aliases(q, catalog)
            return _report_result("undo", catalog, q.undo(catalog, on_progress), aliases)

        self._submit(_Job("undo", run, tag))

    def empty(self, batch_id: str | None = None, tag: object = None) -> None:
        trash = self._trash

        def run(q: Any, catalog: Catalog, _p: Callable[[Progress], None]) -> FileOpResult:
            aliases = _aliases(q, catalog)
            report = q.empty_quarantine(catalog, batch_id=batch_id, trash=trash)
            return _report_result("empty", catalog, report, aliases)

        self._submit(_Job("empty", run, tag))

    def list_batches(self, tag: object = None) -> None:
        def run(q: Any, catalog: Catalog, _p: Callable[[Progress], None]) -> FileOpResult:
            batches = list(q.list_batches(catalog))
            # Read here, between two operations, so the words match the counts beside them.
            states = batch_photo_states(catalog.path) if batches else {}
            return FileOpResult(op="batches", batches=batches, states=states)

        self._submit(_Job("batches", run, tag))

    def list_files(self, batch_id: str | None = None, tag: object = None) -> None:
        def run(q: Any, catalog: Catalog, _p: Callable[[Progress], None]) -> FileOpResult:
            files = list(q.quarantined_files(catalog, batch_id))
            return FileOpResult(op="files", files=files)

        self._submit(_Job("files", run, tag))

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """Finish the running operation (a move is never cut in half), then stop the thread.

        Queued requests that have not started are dropped.
        """
        if not self._thread.isRunning():
            return True
        while True:
            try:
                self._thread.jobs.get_nowait()
            except queue.Empty:
                break
        self._thread.jobs.put(None)
        return bool(self._thread.wait(timeout_ms))

    # -- internals -----------------------------------------------------------------------------
    def _submit(self, job: _Job) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busyChanged.emit(True)
        self._thread.jobs.put(job)

    def _on_result(self, result: FileOpResult) -> None:
        self._pending = max(0, self._pending - 1)
        self.finished.emit(result)
        if self._pending == 0:
            self.busyChanged.emit(False)
