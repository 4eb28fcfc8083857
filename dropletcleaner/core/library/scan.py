"""Scan a folder into the catalog: discover, diff, decode, score and thumbnail, as a generator.

The scan is a pipeline: a small thread pool decodes photos (Pillow releases the GIL)
while the calling thread runs batched inference on what is already decoded, so both
CPU cores stay busy. Unchanged files (same size and mtime, scored by the same model)
are neither decoded nor scored again; vanished ones are marked missing. A file that
cannot be read becomes a catalog row with its reason, and the scan goes on.

Front ends iterate :meth:`Scanner.run` for :class:`Progress` records and may stop at
any time through a :class:`CancelToken` or by closing the generator.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dropletcleaner.core.catalog.photos import (
    STATE_MISSING,
    STATE_PRESENT,
    Catalog,
    ScanResult,
)
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.ml.droplet_map import to_grid
from dropletcleaner.core.ml.inference.looks import score_photos
from dropletcleaner.core.ml.inference.protocol import DropletScorer
from dropletcleaner.core.photos.decode import DecodedPhoto, DecodeError, decode_for_scan
from dropletcleaner.core.photos.discovery import FoundFile, WalkError, walk_images
from dropletcleaner.core.photos.safeio import NotAPhotoFile
from dropletcleaner.core.photos.selection import Selection

# How often (in files) discovery reports progress and the catalog commits results.
_DISCOVERY_REPORT_EVERY = 500
# Photos per inference batch. On two cores 16 scans 12-MP JPEGs faster and more evenly
# than 32 (medians of six runs each: 32.1 against 28.8 photos/s on the photos of
# benchmarks/scan_throughput.py): the decode threads wait less for each batch, and the
# larger batch's buffers cost the kernel page faults (three times the system time).
SCAN_BATCH = 16


class ScanError(Exception):
    """The scan cannot start at all (e.g. the folder does not exist)."""


@dataclass
class ScanSummary:
    """What a finished (or cancelled) scan did."""

    root: str
    found: list[str] = field(default_factory=list)
    scored: int = 0
    second_looks: int = 0  # photos whose first look could be wet, scored again larger
    unchanged: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    folder_errors: list[WalkError] = field(default_factory=list)
    missing: int = 0
    cancelled: bool = False
    seconds: float = 0.0


def _decode_job(
    found: FoundFile, thumbs: ThumbnailCache, looks: tuple[int, ...] = ()
) -> DecodedPhoto | str:
    """Decode one file (also at the ``looks`` sizes) and store its thumbnail.

    Returns the error reason on failure.

    Nothing a file holds may end the scan: every exception becomes that file's reason.
    A thumbnail that cannot be written is only counted (``thumbs.write_failures``).
    """
    if found.problem is not None:
        return found.problem  # a special file or a bad link: never opened
    try:
        decoded = decode_for_scan(found.path, looks=looks)
    except DecodeError as exc:
        return str(exc)
    except FileNotFoundError:
        return "file disappeared during the scan"
    except PermissionError:
        return "permission denied"
    except IsADirectoryError:
        return "is a folder, not a file"
    except NotAPhotoFile as exc:
        return str(exc)
    except MemoryError:
        return "not enough memory to decode this image"
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    except Exception as exc:  # decode_for_scan wraps decoder errors; this is the last net
        return f"cannot decode image: {exc.__class__.__name__}: {exc}"
    thumbs.try_store(found.path, found.size, found.mtime_ns, decoded.thumbnail)
    return decoded


class Scanner:
    """One scan of ``root``. Iterate :meth:`run`; read :attr:`summary` afterwards."""

    def __init__(
        self,
        root: str | Path,
        catalog: Catalog,
        scorer: DropletScorer,
        thumbs: ThumbnailCache | None = None,
        *,
        cancel: CancelToken | None = None,
        batch_size: int = SCAN_BATCH,
        workers: int | None = None,
        selection: Selection | None = None,
    ) -> None:
        self.root = os.path.abspath(os.fspath(root))
        self.catalog = catalog
        self.scorer = scorer
        self.thumbs = thumbs if thumbs is not None else ThumbnailCache()
        self.cancel = cancel if cancel is not None else CancelToken()
        self.batch_size = batch_size
        self.workers = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))
        self.summary = ScanSummary(root=self.root)
        # Photos outside the selection are neither scanned nor taken for deleted ones.
        self.selection = selection if selection is not None else Selection.of(self.root)

    def run(self) -> Iterator[Progress]:
        if not os.path.isdir(self.root):
            raise ScanError(f"not a folder: {self.root}")
        start = time.perf_counter()
        try:
            yield from self._run()
        finally:
            self.summary.seconds = time.perf_counter() - start

    # -- phases ----------------------------------------------------------------------------
    def _run(self) -> Iterator[Progress]:
        summary = self.summary
        found: list[FoundFile] = []
        for item in walk_images(self.root, report_special=True, selection=self.selection):
            if isinstance(item, WalkError):
                summary.folder_errors.append(item)
                continue
            found.append(item)
            if len(found) % _DISCOVERY_REPORT_EVERY == 0:
                if self.cancel.cancelled:
                    summary.cancelled = True
                    return
                yield Progress("discovering", done=len(found), current=item.path)
        summary.found = [f.path for f in found]

        todo = self._diff(found)
        total = len(todo)
        yield Progress("scanning", done=0, total=total, message=f"{summary.unchanged} unchanged")
        if total:
            yield from self._score(todo, total)

    def _diff(self, found: list[FoundFile]) -> list[FoundFile]:
        """Work out which files need decoding; mark vanished and reappeared rows."""
        known = self.catalog.identities_under(self.root)
        todo: list[FoundFile] = []
        back: list[str] = []
        version = self.scorer.version
        for f in found:
            row = known.pop(f.path, None)
            if (
                row is not None
                and row[0] == f.size
                and row[1] == f.mtime_ns
                and row[3] == version  # rows that failed to decode have no version: retried
                and self.thumbs.has(f.path, f.size, f.mtime_ns)
            ):
                self.summary.unchanged += 1
                if row[2] == STATE_MISSING:
                    back.append(f.path)
                continue
            if row is not None and row[2] not in (STATE_PRESENT, STATE_MISSING):
                continue  # quarantined rows are managed by the quarantine, not the scanner
            todo.append(f)
        if back:
            self.catalog.mark_present(back)
        sel = self.selection
        gone = [
            p
            for p, row in known.items()
            if row[2] == STATE_PRESENT and (sel.everything or sel.covers(p))
        ]
        if gone:
            self.summary.missing = self.catalog.mark_missing(gone)
        return todo

    def _score(self, todo: list[FoundFile], total: int) -> Iterator[Progress]:
        summary = self.summary
        window = max(self.batch_size * 2, self.workers * 4)
        pending: deque[tuple[FoundFile, Future[DecodedPhoto | str]]] = deque()
        batch: list[tuple[FoundFile, DecodedPhoto]] = []
        failed: list[ScanResult] = []
        done = 0
        queue = iter(todo)
        looks = self.scorer.looks
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="decode")
        try:
            while True:
                # Keep a bounded number of decodes in flight: memory stays flat.
                while len(pending) < window:
                    nxt = next(queue, None)
                    if nxt is None:
                        break
                    pending.append((nxt, pool.submit(_decode_job, nxt, self.thumbs, looks)))
                if not pending:
                    break
                f, fut = pending.popleft()
                outcome = fut.result()
                if isinstance(outcome, str):
                    summary.errors[f.path] = outcome
                    failed.append(ScanResult(f.path, f.size, f.mtime_ns, error=outcome))
                else:
                    batch.append((f, outcome))
                if len(batch) >= self.batch_size or (not pending and batch) or len(failed) >= 64:
                    done += len(batch) + len(failed)
                    self._flush(batch, failed)
                    current = batch[-1][0].path if batch else failed[-1].path
                    batch, failed = [], []
                    yield Progress(
                        "scanning",
                        done=done,
                        total=total,
                        current=current,
                        errors=len(summary.errors),
                    )
                    if self.cancel.cancelled:
                        summary.cancelled = True
                        return
            if failed:
                done += len(failed)
                self._flush([], failed)
                yield Progress("scanning", done=done, total=total, errors=len(summary.errors))
        finally:
            for _, fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _flush(self, batch: list[tuple[FoundFile, DecodedPhoto]], failed: list[ScanResult]) -> None:
        results = list(failed)
        if batch:
            scored = score_photos(self.scorer, [d for _, d in batch])
            # Only a map model's map means coverage; an activation map of another model does not.
            grids = [to_grid(c) if self.scorer.has_map else None for c in scored.cells]
            rows = zip(batch, scored.embeddings, scored.scores, grids, strict=True)
            for (f, d), e, s, g in rows:
                results.append(
                    ScanResult(
                        path=f.path,
                        size=f.size,
                        mtime_ns=f.mtime_ns,
                        fingerprint=d.fingerprint,
                        legacy_fingerprint=d.legacy_fingerprint,
                        width=d.width,
                        height=d.height,
                        taken_at=d.taken_at,
                        score=float(s),
                        model_version=self.scorer.version,
                        embedding=e,
                        droplet_map=g,
                    )
                )
            self.summary.scored += len(batch)
            self.summary.second_looks += int(scored.looked_again.sum())
        self.catalog.record_scans(results)
