"""What ``quarantine list`` and ``quarantine FOLDER`` print: the batch table, sizes, JSON."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from dropletcleaner.cli.helptext import plural
from dropletcleaner.core.wording import file_size

if TYPE_CHECKING:  # imported when used, so that `--help` stays fast
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.quarantine.outcomes import BatchReport, MoveOutcome


def outcome_doc(
    folder: Path,
    dest: Path | None,
    threshold: float,
    dry_run: bool,
    report: BatchReport | None,
) -> dict[str, object]:
    """``quarantine FOLDER --json``: what moved (or would), each photo with its sidecars."""
    outcomes = [] if report is None else report.outcomes
    return {
        "folder": str(folder),
        "destination": None if dest is None else str(dest),
        "threshold": threshold,
        "dry_run": dry_run,
        "batch_id": None if report is None else report.batch_id,
        "moved": 0 if report is None else report.moved,
        "would_move": 0 if report is None else report.would_move,
        "skipped": 0 if report is None else report.skipped,
        "failed": 0 if report is None else report.failed,
        "photos": [
            {
                "source": str(o.source),
                "destination": None if o.destination is None else str(o.destination),
                "status": o.status,
                "reason": o.reason,
                "sidecars": [str(p) for p in o.sidecars],
                "size": o.size,
            }
            for o in outcomes
        ],
    }


def list_batches_json(catalog: Catalog, emit: Callable[[object], None]) -> int:
    from dropletcleaner.core.quarantine import api as q

    files = q.quarantined_files(catalog)
    emit(
        {
            "batches": [
                {
                    "batch_id": b.batch_id,
                    "created": datetime.datetime.fromtimestamp(
                        b.created_at, datetime.timezone.utc
                    ).isoformat(timespec="seconds"),
                    "kind": b.kind,
                    "photos": b.count,
                    "in_quarantine": b.open_count,
                    "size_bytes": b.size_bytes,
                    "destination": str(b.destination_root),
                }
                for b in q.list_batches(catalog)
            ],
            "in_quarantine": {"photos": len(files), "size_bytes": sum(f.size for f in files)},
        }
    )
    return 0


def print_batches(catalog: Catalog) -> int:
    from dropletcleaner.core.quarantine import api as q

    batches = q.list_batches(catalog)
    if not batches:
        print("No batches yet.")
        return 0
    print(f"{'BATCH':<23} {'WHEN':<19} {'KIND':<10} {'PHOTOS':>6} {'IN Q.':>6} {'SIZE':>9}  WHERE")
    for b in batches:
        when = datetime.datetime.fromtimestamp(b.created_at).strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{b.batch_id:<23} {when:<19} {b.kind:<10} {b.count:>6} {b.open_count:>6} "
            f"{size_text(b.size_bytes):>9}  {b.destination_root}"
        )
    files = q.quarantined_files(catalog)
    size = size_text(sum(f.size for f in files))
    print(f"In quarantine now: {plural(len(files), 'photo')} ({size}).")
    return 0


def size_text(n: int) -> str:
    """A size as the app says it (``157.9 kB``)."""
    return file_size(n)


def print_outcomes(outcomes: Iterable[MoveOutcome]) -> None:
    for o in outcomes:
        print(outcome_line(o))


def outcome_line(o: MoveOutcome) -> str:
    if o.destination is not None:
        line = f"  {o.status:<10} {o.source} -> {o.destination}"
    else:
        line = f"  {o.status:<10} {o.source}"
    if o.sidecars:
        line += " (with " + ", ".join(p.name for p in o.sidecars) + ")"
    if o.reason:
        line += f": {o.reason}"
    return line
