"""The grid's data: one list model of catalogued photos, sorted and filtered inside the model.

Sorting and filtering happen here rather than in a ``QSortFilterProxyModel`` because a
Python ``lessThan`` is far too slow for 50,000 rows, while ``sorted`` with a key takes a
few milliseconds. Re-ordering is a layout change that remaps persistent indexes, so the
selection and the current photo survive a new sort, filter or threshold.

Counts for the threshold slider come from NumPy arrays rebuilt lazily after a change,
so dragging the slider over a big library costs well under a millisecond per step.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPixmap

from dropletcleaner.core.catalog import STATE_PRESENT, STATE_QUARANTINED, PhotoRecord

# Photos whose score is this close to the threshold (and unlabelled) are "uncertain".
UNCERTAIN_BAND = 0.10

_ModelIndex = QModelIndex | QPersistentModelIndex


class Roles(IntEnum):
    """Custom data roles of :class:`PhotoModel`."""

    RECORD = Qt.ItemDataRole.UserRole + 1
    PATH = Qt.ItemDataRole.UserRole + 2
    SCORE = Qt.ItemDataRole.UserRole + 3
    LABEL = Qt.ItemDataRole.UserRole + 4
    STATE = Qt.ItemDataRole.UserRole + 5
    ERROR = Qt.ItemDataRole.UserRole + 6
    THUMBNAIL = Qt.ItemDataRole.UserRole + 7
    FLAGGED = Qt.ItemDataRole.UserRole + 8
    UNCERTAIN = Qt.ItemDataRole.UserRole + 9
    THUMBNAIL_FAILED = Qt.ItemDataRole.UserRole + 10


class SortKey(str, Enum):
    CONFIDENCE = "confidence"
    NAME = "name"
    DATE = "date"
    FOLDER = "folder"


SORT_TITLES: dict[SortKey, str] = {
    SortKey.CONFIDENCE: "Droplet confidence",
    SortKey.NAME: "Name",
    SortKey.DATE: "Date taken",
    SortKey.FOLDER: "Folder",
}


class Filter(str, Enum):
    ALL = "all"
    FLAGGED = "flagged"
    UNCERTAIN = "uncertain"
    CLEAN = "clean"
    LABELLED = "labelled"
    QUARANTINED = "quarantined"
    ERRORS = "errors"


FILTER_TITLES: dict[Filter, str] = {
    Filter.ALL: "All photos",
    Filter.FLAGGED: "Flagged",
    Filter.UNCERTAIN: "Uncertain",
    Filter.CLEAN: "Clean",
    Filter.LABELLED: "Labelled by me",
    Filter.QUARANTINED: "Quarantined",
    Filter.ERRORS: "Unreadable",
}


class ThumbnailSource(QObject):
    """What the model needs from a thumbnail loader (see ``workers.ThumbnailService``)."""

    ready = Signal(str)  # the path of a photo whose thumbnail can now be fetched

    def pixmap(self, record: PhotoRecord) -> QPixmap | None:  # pragma: no cover - interface
        raise NotImplementedError

    def failed(self, record: PhotoRecord) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


# -- classification ------------------------------------------------------------------------------
def is_reviewable(rec: PhotoRecord) -> bool:
    """In the folder and readable: the photos that get a verdict."""
    return rec.state == STATE_PRESENT and not rec.error


def is_flagged(rec: PhotoRecord, threshold: float) -> bool:
    """Flagged = score at/above the threshold or labelled droplet; a "clean" label wins."""
    if not is_reviewable(rec) or rec.label == "clean":
        return False
    if rec.label == "droplet":
        return True
    return rec.score is not None and rec.score >= threshold


def is_uncertain(rec: PhotoRecord, threshold: float) -> bool:
    return (
        is_reviewable(rec)
        and rec.label is None
        and rec.score is not None
        and abs(rec.score - threshold) <= UNCERTAIN_BAND
    )


def matches(rec: PhotoRecord, kind: Filter, threshold: float) -> bool:
    if kind is Filter.QUARANTINED:
        return rec.state == STATE_QUARANTINED
    if rec.state != STATE_PRESENT:
        return False
    if kind is Filter.ALL:
        return True
    if kind is Filter.ERRORS:
        return bool(rec.error)
    if kind is Filter.LABELLED:
        return rec.label is not None
    if kind is Filter.FLAGGED:
        return is_flagged(rec, threshold)
    if kind is Filter.UNCERTAIN:
        return is_uncertain(rec, threshold)
    return is_reviewable(rec) and not is_flagged(rec, threshold)  # Filter.CLEAN


def _date_key(rec: PhotoRecord) -> str:
    if rec.taken_at:
        return rec.taken_at
    # Same "YYYY-MM-DD HH:MM:SS" shape as EXIF dates, so both sort together.
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(rec.mtime_ns / 1e9))


SORT_KEYS: dict[SortKey, Callable[[PhotoRecord], tuple[object, ...]]] = {
    # Highest confidence first; unscored (unreadable) photos last.
    SortKey.CONFIDENCE: lambda r: (r.score is None, -(r.score or 0.0), r.path),
    SortKey.NAME: lambda r: (r.name.casefold(), r.path),
    SortKey.DATE: lambda r: (_date_key(r), r.path),
    SortKey.FOLDER: lambda r: (r.folder, r.name.casefold()),
}


@dataclass(frozen=True)
class Counts:
    """Live figures for the threshold slider and the filter menu."""

    total: int  # photos in the folder (not quarantined), readable or not
    flagged: int
    uncertain: int
    clean: int
    labelled: int
    quarantined: int
    errors: int

    def for_filter(self, kind: Filter) -> int:
        return {
            Filter.ALL: self.total,
            Filter.FLAGGED: self.flagged,
            Filter.UNCERTAIN: self.uncertain,
            Filter.CLEAN: self.clean,
            Filter.LABELLED: self.labelled,
            Filter.QUARANTINED: self.quarantined,
            Filter.ERRORS: self.errors,
        }[kind]


class _Arrays:
    """Column arrays over every record, for vectorised counting."""

    def __init__(self, records: Iterable[PhotoRecord]) -> None:
        recs = list(records)
        self.present = np.fromiter(
            (r.state == STATE_PRESENT for r in recs), dtype=bool, count=len(recs)
        )
        self.quarantined = np.fromiter(
            (r.state == STATE_QUARANTINED for r in recs), dtype=bool, count=len(recs)
        )
        self.error = np.fromiter((bool(r.error) for r in recs), dtype=bool, count=len(recs))
        self.score = np.fromiter(
            (np.nan if r.score is None else r.score for r in recs), dtype=float, count=len(recs)
        )
        self.droplet = np.fromiter(
            (r.label == "droplet" for r in recs), dtype=bool, count=len(recs)
        )
        self.clean = np.fromiter((r.label == "clean" for r in recs), dtype=bool, count=len(recs))

    def counts(self, threshold: float) -> Counts:
        reviewable = self.present & ~self.error
        labelled = self.droplet | self.clean
        with np.errstate(invalid="ignore"):
            above = self.score >= threshold
            near = np.abs(self.score - threshold) <= UNCERTAIN_BAND
        flagged = reviewable & ~self.clean & (self.droplet | above)
        return Counts(
            total=int(self.present.sum()),
            flagged=int(flagged.sum()),
            uncertain=int((reviewable & ~labelled & near).sum()),
            clean=int((reviewable & ~flagged).sum()),
            labelled=int((self.present & labelled).sum()),
            quarantined=int(self.quarantined.sum()),
            errors=int((self.present & self.error).sum()),
        )


class PhotoModel(QAbstractListModel):
    """All photos of the open folder; rows are the ones passing the filter, in sort order."""

    countsChanged = Signal()

    def __init__(
        self, thumbnails: ThumbnailSource | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._records: dict[str, PhotoRecord] = {}
        self._view: list[str] = []
        self._row_of: dict[str, int] = {}
        self._sort = SortKey.CONFIDENCE
        self._filter = Filter.ALL
        self._threshold = 0.5
        self._arrays: _Arrays | None = None
        self._thumbnails = thumbnails
        # How many times data() was asked for a thumbnail: the delegate must only ask for
        # rows it actually paints, which the 50,000-row test checks.
        self.thumbnail_requests = 0
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)

    # -- Qt model interface ------------------------------------------------------------------
    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._view)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._view):
            return None
        rec = self._records[self._view[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return rec.name
        if role == Roles.THUMBNAIL:
            self.thumbnail_requests += 1
            if self._thumbnails is None:
                return None
            return self._thumbnails.pixmap(rec)
        if role == Roles.THUMBNAIL_FAILED:
            return self._thumbnails is not None and self._thumbnails.failed(rec)
        if role == Roles.RECORD:
            return rec
        if role == Roles.PATH:
            return rec.path
        if role == Roles.SCORE:
            return rec.score
        if role == Roles.LABEL:
            return rec.label
        if role == Roles.STATE:
            return rec.state
        if role == Roles.ERROR:
            return rec.error
        if role == Roles.FLAGGED:
            return is_flagged(rec, self._threshold)
        if role == Roles.UNCERTAIN:
            return is_uncertain(rec, self._threshold)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(rec)
        return None

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(r): QByteArray(r.name.lower().encode()) for r in Roles})
        return names

    # -- access --------------------------------------------------------------------------------
    @property
    def sort_key(self) -> SortKey:
        return self._sort

    @property
    def filter(self) -> Filter:
        return self._filter

    @property
    def threshold(self) -> float:
        return self._threshold

    def record_at(self, row: int) -> PhotoRecord:
        return self._records[self._view[row]]

    def record(self, path: str) -> PhotoRecord | None:
        return self._records.get(path)

    def records(self) -> list[PhotoRecord]:
        """Every known record of the folder, shown or not."""
        return list(self._records.values())

    def visible_paths(self) -> list[str]:
        return list(self._view)

    def row_of(self, path: str) -> int | None:
        return self._row_of.get(path)

    def index_of(self, path: str) -> QModelIndex:
        row = self._row_of.get(path)
        return QModelIndex() if row is None else self.index(row)

    def counts(self) -> Counts:
        if self._arrays is None:
            self._arrays = _Arrays(self._records.values())
        return self._arrays.counts(self._threshold)

    def counts_at(self, threshold: float) -> Counts:
        if self._arrays is None:
            self._arrays = _Arrays(self._records.values())
        return self._arrays.counts(threshold)

    # -- view settings -------------------------------------------------------------------------
    def set_sort_key(self, key: SortKey) -> None:
        if key is not self._sort:
            self._sort = key
            self._relayout()

    def set_filter(self, kind: Filter) -> None:
        if kind is not self._filter:
            self._filter = kind
            self._relayout()

    def set_threshold(self, value: float, *, refilter: bool = True) -> None:
        """Change the flagging threshold; ``refilter=False`` only repaints (slider dragging)."""
        value = float(min(1.0, max(0.0, value)))
        if value == self._threshold:
            return
        self._threshold = value
        self.countsChanged.emit()
        if refilter and self._filter in (Filter.FLAGGED, Filter.UNCERTAIN, Filter.CLEAN):
            self._relayout()
        elif self._view:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._view) - 1), [Roles.FLAGGED, Roles.UNCERTAIN]
            )

    def refresh(self) -> None:
        """Re-apply the filter and sort (after in-place edits kept the view stable)."""
        self._relayout()

    # -- contents ------------------------------------------------------------------------------
    def replace_all(self, records: Iterable[PhotoRecord]) -> None:
        """A fresh set of records (a folder was opened or re-read); keeps the selection."""
        self._records = {r.path: r for r in records}
        self._arrays = None
        self._relayout()
        self.countsChanged.emit()

    def clear(self) -> None:
        self.beginResetModel()
        self._records = {}
        self._view = []
        self._row_of = {}
        self._arrays = None
        self.endResetModel()
        self.countsChanged.emit()

    def upsert(self, records: Sequence[PhotoRecord], *, resort: bool = True) -> None:
        """Add or update records.

        ``resort=True`` (scan results) re-applies the filter and sort. ``resort=False`` (the
        user's own labels) updates rows in place and appends new ones, so the photo being
        reviewed does not jump away under the cursor.
        """
        if not records:
            return
        self._arrays = None
        if resort:
            for rec in records:
                self._records[rec.path] = rec
            self._relayout()
        else:
            fresh: list[str] = []
            for rec in records:
                known = rec.path in self._records
                self._records[rec.path] = rec
                row = self._row_of.get(rec.path)
                if row is not None:
                    idx = self.index(row)
                    self.dataChanged.emit(idx, idx)
                elif not known and matches(rec, self._filter, self._threshold):
                    fresh.append(rec.path)
            if fresh:
                first = len(self._view)
                self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
                self._view.extend(fresh)
                for i, path in enumerate(fresh, start=first):
                    self._row_of[path] = i
                self.endInsertRows()
        self.countsChanged.emit()

    def remove_paths(self, paths: Iterable[str]) -> None:
        gone = {p for p in paths if p in self._records}
        if not gone:
            return
        for p in gone:
            del self._records[p]
        self._arrays = None
        self._relayout()
        self.countsChanged.emit()

    def with_label(self, paths: Iterable[str], label: str | None) -> list[PhotoRecord]:
        """Copies of the given records carrying ``label`` (for an in-place update)."""
        return [
            dataclasses.replace(self._records[p], label=label) for p in paths if p in self._records
        ]

    # -- internals -----------------------------------------------------------------------------
    def _compute_view(self) -> list[str]:
        kind, threshold = self._filter, self._threshold
        keep = [r for r in self._records.values() if matches(r, kind, threshold)]
        keep.sort(key=SORT_KEYS[self._sort])
        return [r.path for r in keep]

    def _relayout(self) -> None:
        """Recompute rows; persistent indexes (selection, current) follow their photos."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_paths = [
            self._view[i.row()] if i.isValid() and i.row() < len(self._view) else None
            for i in persistent
        ]
        self._view = self._compute_view()
        self._row_of = {p: i for i, p in enumerate(self._view)}
        new_indexes = []
        for path in old_paths:
            row = self._row_of.get(path) if path is not None else None
            new_indexes.append(self.index(row) if row is not None else QModelIndex())
        self.changePersistentIndexList(persistent, new_indexes)
        self.layoutChanged.emit()

    def _thumbnail_ready(self, path: str) -> None:
        row = self._row_of.get(path)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Roles.THUMBNAIL])


def _tooltip(rec: PhotoRecord) -> str:
    lines = [rec.path]
    if rec.error:
        lines.append(f"Could not be read: {rec.error}")
    elif rec.score is not None:
        lines.append(f"Droplet confidence: {rec.score:.0%}")
    if rec.label:
        lines.append(f"Your label: {rec.label}")
    if rec.state == STATE_QUARANTINED:
        lines.append("In quarantine")
    if rec.taken_at:
        lines.append(f"Taken {rec.taken_at}")
    return "\n".join(lines)
