"""Move groups: a photo and the files that travel with it, checked before they move.

Going out, each photo is checked (see :mod:`~dropletcleaner.core.quarantine.safety`)
and gathered with its sidecars; coming back, each quarantined group is re-identified
first. A restore or an empty chooses its groups by batch or by path; a whole group
always moves together.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dropletcleaner.core.catalog import quarantine_journal as tables
from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine.journal import _Item, _mark_lost
from dropletcleaner.core.quarantine.names import _free_names
from dropletcleaner.core.quarantine.outcomes import (
    BatchReport,
    MoveOutcome,
    QuarantineError,
    _reason,
)
from dropletcleaner.core.quarantine.safety import _identify, _refusal
from dropletcleaner.core.quarantine.sidecars import _Siblings


@dataclass
class _Pending:
    """A checked group waiting for its intents to be journalled with others."""

    items: list[_Item]
    notes: list[str] = field(default_factory=list)
    prune_below: Path | None = None  # quarantine root to tidy after a restore


def _prepare_out(
    catalog: Catalog,
    path: Path,
    root: Path,
    qroot: Path,
    dry_run: bool,
    siblings: _Siblings,
    claimed: set[Path],
) -> MoveOutcome | _Pending:
    """Check one photo and gather its group, or say why it does not move."""
    refusal = _refusal(catalog, path, root)
    if refusal is not None:
        return refusal
    folder = qroot / path.parent.relative_to(root)
    items = [_Item("photo", path, folder / path.name, str(path), path)]
    items += [
        _Item("sidecar", s, folder / s.name, str(path), s) for s in siblings.sidecars(path, claimed)
    ]
    try:
        for item in items:
            _identify(item)
    except OSError as exc:
        return MoveOutcome(path, None, "failed", _reason(exc))
    if dry_run:
        names, _ = _free_names([i.target for i in items])
        return MoveOutcome(
            path, names[0], "would-move", "", tuple(names[1:]), sum(i.size for i in items)
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return MoveOutcome(path, None, "failed", f"cannot create {folder}: {_reason(exc)}")
    return _Pending(items)


def _prepare_back(catalog: Catalog, group: list[_Item], stop: Path) -> MoveOutcome | _Pending:
    """Check one quarantined group before it comes back, or say why it cannot."""
    lead = group[0]
    present: list[_Item] = []
    notes: list[str] = []
    for item in group:
        try:
            _identify(item)
        except OSError as exc:
            why = _reason(exc)
            if isinstance(exc, FileNotFoundError):
                why = "no longer in the quarantine folder"
                _mark_lost(catalog, item)
            if item is lead:
                return MoveOutcome(lead.source, None, "failed", why)
            notes.append(f"sidecar {item.source.name}: {why}")
            continue
        present.append(item)
    try:
        lead.target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = f"cannot create {lead.target.parent}: {_reason(exc)}"
        return MoveOutcome(lead.source, None, "failed", why)
    return _Pending(present, notes, stop)


def _open_groups(conn: sqlite3.Connection, batch_id: str | None) -> list[list[_Item]]:
    """Quarantined files grouped by photo (photo first), oldest batch first."""
    groups: dict[int, list[_Item]] = {}
    for r in tables.open_file_rows(conn, batch_id):
        item = _Item(
            r[2],
            Path(r[5]),
            Path(r[4]),
            r[3],
            Path(r[4]),
            batch_id=r[6],
            file_id=r[0],
            group_id=r[1],
        )
        groups.setdefault(r[1], []).append(item)
    return list(groups.values())


def _require_batch(conn: sqlite3.Connection, batch_id: str) -> None:
    if tables.batch_kind(conn, batch_id) != "quarantine":
        raise QuarantineError(f"no quarantine batch {batch_id!r}")


def _select_groups(
    conn: sqlite3.Connection, report: BatchReport, batch_id: str | None, paths: Sequence[Path]
) -> list[list[_Item]]:
    if batch_id is not None:
        _require_batch(conn, batch_id)
        return _open_groups(conn, batch_id)
    groups = _open_groups(conn, None)
    if not paths:
        return groups
    by_path: dict[Path, int] = {}
    for index, group in enumerate(groups):
        for item in group:
            by_path[item.original] = by_path[item.source] = index
    chosen: list[int] = []
    for p in paths:
        hit = by_path.get(Path(os.path.abspath(p)))
        if hit is None:
            report.outcomes.append(MoveOutcome(Path(p), None, "skipped", "not in quarantine"))
        elif hit not in chosen:
            chosen.append(hit)
    return [groups[i] for i in chosen]
