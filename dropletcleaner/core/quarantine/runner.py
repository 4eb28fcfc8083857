"""A batch's runner: checked groups journalled in chunks, then moved, outcomes in order.

One durable journal write per chunk of groups keeps large batches fast while every move
still has its intent on disk before it starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import Progress
from dropletcleaner.core.quarantine.groups import _Pending
from dropletcleaner.core.quarantine.journal import _Batch, _begin
from dropletcleaner.core.quarantine.outcomes import MoveOutcome
from dropletcleaner.core.quarantine.transfer import _move_group, _prune_empty


class _Run:
    """Moves checked groups in chunks: one durable journal write per chunk, outcomes in order."""

    CHUNK = 64

    def __init__(
        self,
        catalog: Catalog,
        batch: _Batch,
        op: str,
        total: int,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        self.catalog, self.batch, self.op = catalog, batch, op
        self.total, self.on_progress = total, on_progress
        self.slots: list[MoveOutcome | None] = []
        self.pending: list[tuple[int, _Pending]] = []
        self.done = 0

    def add(self, prepared: MoveOutcome | _Pending) -> None:
        if isinstance(prepared, MoveOutcome):
            self.slots.append(prepared)
            self._tick(prepared.source)
            return
        self.pending.append((len(self.slots), prepared))
        self.slots.append(None)
        if len(self.pending) >= self.CHUNK:
            self._flush()

    def finish(self) -> list[MoveOutcome]:
        self._flush()
        return [o for o in self.slots if o is not None]

    def _flush(self) -> None:
        if not self.pending:
            return
        groups = [p.items for _, p in self.pending]
        planned: set[Path] = set()
        suffixes = _begin(self.catalog, self.batch, self.op, groups, planned)
        for (slot, p), n in zip(self.pending, suffixes, strict=True):
            outcome = _move_group(self.catalog, self.batch, self.op, p.items, n, planned)
            if p.notes:
                reason = "; ".join([r for r in (outcome.reason,) if r] + p.notes)
                outcome = dataclasses.replace(outcome, reason=reason)
            if p.prune_below is not None:
                _prune_empty(p.items, p.prune_below)
            self.slots[slot] = outcome
            self._tick(outcome.source)
        self.pending = []

    def _tick(self, current: Path) -> None:
        self.done += 1
        if self.on_progress is not None:
            phase = "quarantine" if self.op == "out" else "restore"
            self.on_progress(
                Progress(phase, done=self.done, total=self.total, current=str(current))
            )
