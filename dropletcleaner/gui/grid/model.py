"""The grid's data: one list model of catalogued photos, sorted and filtered inside the model.

Sorting and filtering happen here rather than in a ``QSortFilterProxyModel`` because a
Python ``lessThan`` is far too slow for 50,000 rows, while ``sorted`` with a key takes a
few milliseconds. Re-ordering is a layout change that remaps persistent indexes, so the
selection and the current photo survive a new sort, filter or threshold.

Counts for the threshold slider come from NumPy arrays rebuilt lazily after a change,
so dragging the slider over a big library costs well under a millisecond per step.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Sequence

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

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.names import printable
from dropletcleaner.gui.grid.rows import (
    FILTER_TITLES,
    SORT_KEYS,
    SORT_TITLES,
    UNCERTAIN_BAND,
    Cell,
    Counts,
    Filter,
    Roles,
    SortKey,
    _Columns,
    is_flagged,
    is_reviewable,
    is_uncertain,
    matches,
    tooltip_for,
)

_ModelIndex = QModelIndex | QPersistentModelIndex

# The grid's vocabulary comes with its model: the window imports both from here.
__all__ = [
    "FILTER_TITLES",
    "SORT_TITLES",
    "UNCERTAIN_BAND",
    "Cell",
    "Counts",
    "Filter",
    "PhotoModel",
    "Roles",
    "SortKey",
    "ThumbnailSource",
    "is_flagged",
    "is_reviewable",
    "is_uncertain",
    "matches",
]


class ThumbnailSource(QObject):
    """What the model needs from a thumbnail loader (see :mod:`.thumbnails`)."""

    # The path of a photo whose thumbnail can now be fetched. ``object``, not ``str``: Qt
    # would drop the undecodable bytes of a name that is not UTF-8 and break the lookup.
    ready = Signal(object)

    def pixmap(self, record: PhotoRecord) -> QPixmap | None:  # pragma: no cover - interface
        raise NotImplementedError

    def failed(self, record: PhotoRecord) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


class PhotoModel(QAbstractListModel):
    """All photos of the open folder; rows are the ones passing the filter, in sort order."""

    countsChanged = Signal()

    def __init__(
        self, thumbnails: ThumbnailSource | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._records: dict[str, PhotoRecord] = {}
        self._view: list[str] = []  # paths of the rows, in order
        self._keys: list[tuple[object, ...]] = []  # their sort keys (unique: end in the path)
        self._row_cache: dict[str, int] | None = None
        self._sort = SortKey.CONFIDENCE
        self._filter = Filter.ALL
        self._threshold = 0.5
        self._columns = _Columns()
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
            return printable(rec.name)
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
            return tooltip_for(rec, self._threshold)
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

    def cell(self, row: int) -> Cell | None:
        """The photo at ``row`` as a delegate paints it, in one Python call.

        Reading each role through ``index.data()`` costs a round trip through Qt per role,
        ten per cell on every repaint; the grid and the filmstrip read their cells here.
        """
        if not 0 <= row < len(self._view):
            return None
        rec, thumbs, t = self._records[self._view[row]], self._thumbnails, self._threshold
        self.thumbnail_requests += 1
        pixmap = None if thumbs is None else thumbs.pixmap(rec)
        failed = thumbs is not None and thumbs.failed(rec)
        return Cell(rec, pixmap, failed, is_flagged(rec, t), is_uncertain(rec, t))

    def record_at(self, row: int) -> PhotoRecord:
        return self._records[self._view[row]]

    def record(self, path: str) -> PhotoRecord | None:
        return self._records.get(path)

    def records(self) -> list[PhotoRecord]:
        """Every known record of the folder, shown or not."""
        return list(self._records.values())

    def visible_paths(self) -> list[str]:
        return list(self._view)

    @property
    def _row_of(self) -> dict[str, int]:
        if self._row_cache is None:
            self._row_cache = {p: i for i, p in enumerate(self._view)}
        return self._row_cache

    def row_of(self, path: str) -> int | None:
        return self._row_of.get(path)

    def index_of(self, path: str) -> QModelIndex:
        row = self._row_of.get(path)
        return QModelIndex() if row is None else self.index(row)

    def counts(self) -> Counts:
        return self._columns.counts(self._threshold)

    def counts_at(self, threshold: float) -> Counts:
        return self._columns.counts(threshold)

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
        self._columns = _Columns.of(list(self._records.values()))
        self._relayout()
        self.countsChanged.emit()

    def clear(self) -> None:
        self.beginResetModel()
        self._records = {}
        self._view, self._keys, self._row_cache = [], [], None
        self._columns = _Columns()
        self.endResetModel()
        self.countsChanged.emit()

    def upsert(self, records: Sequence[PhotoRecord], *, resort: bool = True) -> None:
        """Add or update records.

        ``resort=True`` (scan results, file moves) puts each row where the filter and sort
        say, moving rows one by one so a small batch never re-sorts a big library and the
        selection stays on its photos. ``resort=False`` (the user's own labels) updates rows
        in place and appends new ones, so the photo being reviewed does not jump away.
        """
        if not records:
            return
        if resort and len(records) > max(64, len(self._view) // 8):
            for rec in records:
                self._records[rec.path] = rec
                self._columns.set(rec)
            self._relayout()  # a large share changed: one sort is cheaper
        else:
            for rec in records:
                self._upsert_one(rec, resort)
        self.countsChanged.emit()

    def remove_paths(self, paths: Iterable[str]) -> None:
        gone = [p for p in dict.fromkeys(paths) if p in self._records]
        if not gone:
            return
        key = SORT_KEYS[self._sort]
        for path in gone:
            row = self._find_row(key(self._records[path]), path)
            if row is not None:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._view[row], self._keys[row]
                self._row_cache = None
                self.endRemoveRows()
            del self._records[path]
            self._columns.remove(path)
        self.countsChanged.emit()

    def with_label(self, paths: Iterable[str], label: str | None) -> list[PhotoRecord]:
        """Copies of the given records carrying ``label`` (for an in-place update)."""
        return [
            dataclasses.replace(self._records[p], label=label) for p in paths if p in self._records
        ]

    # -- internals -----------------------------------------------------------------------------
    def _find_row(self, key: tuple[object, ...], path: str) -> int | None:
        row = bisect.bisect_left(self._keys, key)
        if row < len(self._view) and self._view[row] == path:
            return row
        return None

    def _upsert_one(self, rec: PhotoRecord, resort: bool) -> None:
        key_of = SORT_KEYS[self._sort]
        old = self._records.get(rec.path)
        self._records[rec.path] = rec
        self._columns.set(rec)
        row = None if old is None else self._find_row(key_of(old), old.path)
        if not resort:
            if row is not None:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx)
            elif old is None and matches(rec, self._filter, self._threshold):
                key = key_of(rec)
                self._insert_row(bisect.bisect_left(self._keys, key), rec.path, key)
            return
        wanted = matches(rec, self._filter, self._threshold)
        key = key_of(rec)
        if row is None:
            if wanted:
                self._insert_row(bisect.bisect_left(self._keys, key), rec.path, key)
            return
        if not wanted:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._view[row], self._keys[row]
            self._row_cache = None
            self.endRemoveRows()
            return
        if key == self._keys[row]:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)
            return
        # Move the row (the selection goes with it) to where its new key belongs.
        del self._keys[row]
        target = bisect.bisect_left(self._keys, key)
        self._keys.insert(row, key)  # restored until the move is announced
        dest = target + 1 if target >= row else target
        if dest in (row, row + 1):
            self._keys[row] = key
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)
            return
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest)
        del self._view[row], self._keys[row]
        self._view.insert(target, rec.path)
        self._keys.insert(target, key)
        self._row_cache = None
        self.endMoveRows()

    def _insert_row(self, row: int, path: str, key: tuple[object, ...]) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self._view.insert(row, path)
        self._keys.insert(row, key)
        self._row_cache = None
        self.endInsertRows()

    def _compute_view(self) -> tuple[list[str], list[tuple[object, ...]]]:
        kind, threshold, key_of = self._filter, self._threshold, SORT_KEYS[self._sort]
        keys = [key_of(r) for r in self._records.values() if matches(r, kind, threshold)]
        keys.sort()
        return [str(k[-1]) for k in keys], keys

    def _relayout(self) -> None:
        """Recompute rows; persistent indexes (selection, current) follow their photos."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_paths = [
            self._view[i.row()] if i.isValid() and i.row() < len(self._view) else None
            for i in persistent
        ]
        self._view, self._keys = self._compute_view()
        self._row_cache = None
        row_of = self._row_of
        new_indexes = []
        for path in old_paths:
            row = row_of.get(path) if path is not None else None
            new_indexes.append(self.index(row) if row is not None else QModelIndex())
        self.changePersistentIndexList(persistent, new_indexes)
        self.layoutChanged.emit()

    def _thumbnail_ready(self, path: str) -> None:
        row = self._row_of.get(path)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Roles.THUMBNAIL])
