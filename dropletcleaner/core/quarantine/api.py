"""Safe quarantine: move spoiled photos (with their sidecars) aside, restore them, undo.

The public operations: :func:`quarantine`, :func:`restore`, :func:`undo`,
:func:`empty_quarantine` (to the system trash), :func:`recover` (call at start-up), and
the listings :func:`flagged_paths`, :func:`list_batches` and :func:`quarantined_files`.

Nothing here deletes a user photo, with one exception: the source of a cross-device move,
once its copy is fsynced and hash-verified. Every move is journalled before it happens
(:mod:`~dropletcleaner.core.quarantine.journal`), so a crash leaves nothing that
:func:`recover` cannot settle. Each call is one *batch*; one operation runs at a time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from dropletcleaner.core.catalog import quarantine_journal as tables
from dropletcleaner.core.catalog.photos import STATE_PRESENT, Catalog
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.quarantine.groups import (
    _open_groups,
    _prepare_back,
    _prepare_out,
    _require_batch,
    _select_groups,
)
from dropletcleaner.core.quarantine.journal import _Batch, _ensure_schema
from dropletcleaner.core.quarantine.names import default_quarantine_dir
from dropletcleaner.core.quarantine.outcomes import (
    BatchInfo,
    BatchReport,
    MoveOutcome,
    QuarantinedFile,
    QuarantineError,
)
from dropletcleaner.core.quarantine.recovery import _recover_locked
from dropletcleaner.core.quarantine.runner import _Run
from dropletcleaner.core.quarantine.safety import _check_destination, _check_library, _exclusive
from dropletcleaner.core.quarantine.sidecars import _Siblings
from dropletcleaner.core.quarantine.transfer import _prune_empty
from dropletcleaner.core.quarantine.trash import _system_trash, _trash_group


def flagged_paths(catalog: Catalog, library_root: Path, threshold: float) -> list[Path]:
    """Present photos under ``library_root`` scoring ``>= threshold`` or labelled droplet.

    A "clean" label wins over the score: the user said so.
    """
    out: list[Path] = []
    for r in catalog.photos(os.path.abspath(library_root)):
        if r.state != STATE_PRESENT or r.error:
            continue
        if r.label == "droplet" or (
            r.label is None and r.score is not None and r.score >= threshold
        ):
            out.append(Path(r.path))
    return out


def recover(catalog: Catalog, trash: Callable[[Path], None] | None = None) -> list[MoveOutcome]:
    """Settle every journal entry a crash left unfinished; call at start-up.

    A move whose source is still there is rolled back (our placeholder or partial copy is
    removed); one whose file is at its destination is marked done. A sidecar whose photo
    already moved is moved after it, so groups stay together.
    """
    _ensure_schema(catalog)
    with _exclusive(catalog):
        return _recover_locked(catalog, trash)


def quarantine(
    catalog: Catalog,
    paths: Sequence[Path],
    *,
    library_root: Path,
    dest: Path | None = None,
    dry_run: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> BatchReport:
    """Move catalogued photos (and their sidecars) from ``library_root`` into quarantine.

    ``dest`` defaults to :func:`default_quarantine_dir`. Each photo is re-checked against
    its catalog row first and skipped, with a reason, if it changed since it was scored.
    ``dry_run`` changes nothing and reports what would move where.
    """
    root = Path(os.path.abspath(library_root))
    _check_library(root)
    qroot = Path(os.path.abspath(dest)) if dest is not None else default_quarantine_dir(root)
    conn = _ensure_schema(catalog)
    _check_destination(conn, qroot, root)
    unique = list(dict.fromkeys(Path(os.path.abspath(p)) for p in paths))
    report = BatchReport(None, "quarantine")
    with _exclusive(catalog):
        if not dry_run:
            _recover_locked(catalog)
        batch = _Batch("quarantine", root, qroot)
        siblings = _Siblings()
        claimed: set[Path] = set()
        run = _Run(catalog, batch, "out", len(unique), on_progress)
        for path in unique:
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            run.add(_prepare_out(catalog, path, root, qroot, dry_run, siblings, claimed))
        report.outcomes = run.finish()
        report.batch_id = batch.id if batch.created else None
    return report


def restore(
    catalog: Catalog,
    *,
    batch_id: str | None = None,
    paths: Sequence[Path] = (),
    all_batches: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> BatchReport:
    """Put quarantined photos back where they were: one batch, given paths, or everything.

    ``paths`` may name original or quarantine locations of photos or sidecars; a whole
    group comes back together. An occupied original path is never overwritten: the photo
    comes back beside it with a " (n)" suffix, and the outcome says so.
    """
    if sum((batch_id is not None, bool(paths), all_batches)) != 1:
        raise QuarantineError("choose exactly one of: a batch id, paths, or all batches")
    conn = _ensure_schema(catalog)
    report = BatchReport(None, "restore")
    with _exclusive(catalog):
        _recover_locked(catalog)
        groups = _select_groups(conn, report, batch_id, paths)
        roots = [tables.batch_roots(conn, g[0].batch_id) for g in groups]
        libraries = {r[0] for r in roots} or {Path("/")}  # informative only
        common = libraries.pop() if len(libraries) == 1 else Path(roots[0][0].anchor)
        batch = _Batch("restore", common, common)
        run = _Run(catalog, batch, "back", len(groups), on_progress)
        for group, (_, stop) in zip(groups, roots, strict=True):
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            run.add(_prepare_back(catalog, group, stop))
        report.outcomes += run.finish()
        report.batch_id = batch.id if batch.created else None
    return report


def undo(
    catalog: Catalog, on_progress: Callable[[Progress], None] | None = None
) -> BatchReport | None:
    """Restore the latest batch that still has photos in quarantine; ``None`` if there is none."""
    latest = next((b for b in list_batches(catalog) if b.open_count > 0), None)
    if latest is None:
        return None
    return restore(catalog, batch_id=latest.batch_id, on_progress=on_progress)


def list_batches(catalog: Catalog) -> list[BatchInfo]:
    """Every batch that touched at least one file, newest first."""
    conn = _ensure_schema(catalog)
    rows = tables.batch_summaries(conn)
    again = tables.moved_again_batches(conn)
    return [BatchInfo(r[0], r[1], r[2], r[4], r[5], Path(r[3]), r[6], r[0] in again) for r in rows]


def quarantined_files(catalog: Catalog, batch_id: str | None = None) -> list[QuarantinedFile]:
    """Photos now in quarantine (and sidecars whose photo is not), in path order."""
    conn = _ensure_schema(catalog)
    rows = tables.quarantined_rows(conn, batch_id)
    return [QuarantinedFile(Path(r[0]), Path(r[1]), r[2], r[3]) for r in rows]


def empty_quarantine(
    catalog: Catalog,
    *,
    batch_id: str | None = None,
    trash: Callable[[Path], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> BatchReport:
    """Send quarantined files (one batch, or all) to the system trash, never deleting them.

    ``trash`` defaults to ``send2trash.send2trash``; the GUI passes ``QFile.moveToTrash``.
    Each file is checked to have really left the quarantine folder.
    """
    conn = _ensure_schema(catalog)
    if trash is None:
        trash = _system_trash()
    report = BatchReport(None, "empty")
    with _exclusive(catalog):
        _recover_locked(catalog, trash)
        if batch_id is not None:
            _require_batch(conn, batch_id)
        groups = _open_groups(conn, batch_id)
        roots = [tables.batch_roots(conn, g[0].batch_id) for g in groups]
        first = roots[0] if roots else (Path("/"), Path("/"))  # no groups: never written
        batch = _Batch("empty", *first)
        for i, group in enumerate(groups):
            report.outcomes.append(_trash_group(catalog, batch, group, trash))
            _prune_empty(group, roots[i][1])
            if on_progress is not None:
                current = str(group[0].source)
                on_progress(Progress("empty", done=i + 1, total=len(groups), current=current))
        report.batch_id = batch.id if batch.created else None
    return report
