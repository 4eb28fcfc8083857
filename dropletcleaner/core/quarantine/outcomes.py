"""What a quarantine, restore or empty did: one outcome per photo, a report per batch.

Every outcome carries its reason in words a user can act on (:func:`_reason` turns an
``OSError`` into them); a refused request raises :class:`QuarantineError` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

_DONE_STATUSES = frozenset({"moved", "restored", "trashed"})


class QuarantineError(Exception):
    """A refused request: a dangerous folder, a destination inside the quarantine, …"""


@dataclass(frozen=True)
class MoveOutcome:
    """What happened to one photo (and its sidecars) in a batch."""

    source: Path
    destination: Path | None
    status: str  # "moved" | "restored" | "trashed" | "would-move" | "skipped" | "failed"
    reason: str = ""
    sidecars: tuple[Path, ...] = ()
    size: int = 0  # bytes of the photo and sidecars that moved


@dataclass
class BatchReport:
    """All outcomes of one quarantine, restore or empty run."""

    batch_id: str | None
    kind: str  # "quarantine" | "restore" | "empty"
    outcomes: list[MoveOutcome] = field(default_factory=list)
    cancelled: bool = False

    @property
    def moved(self) -> int:
        return sum(o.status in _DONE_STATUSES for o in self.outcomes)

    @property
    def would_move(self) -> int:
        return sum(o.status == "would-move" for o in self.outcomes)

    @property
    def skipped(self) -> int:
        return sum(o.status == "skipped" for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.status == "failed" for o in self.outcomes)

    @property
    def bytes_moved(self) -> int:
        return sum(o.size for o in self.outcomes if o.status in _DONE_STATUSES)


@dataclass(frozen=True)
class BatchInfo:
    """One batch as listed: ``count`` photos (sidecars not counted, but in ``size_bytes``)."""

    batch_id: str
    created_at: float
    kind: str
    count: int
    size_bytes: int
    destination_root: Path
    open_count: int  # photos of a quarantine batch still in quarantine
    # Every photo came back, then a later batch moved it out again (a redo): that batch
    # stands for this one now.
    moved_again: bool = False


@dataclass(frozen=True)
class QuarantinedFile:
    """A photo now in quarantine: where it came from and where it is."""

    original: Path
    current: Path
    batch_id: str
    size: int


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "the file disappeared"
    return exc.strerror or str(exc)
