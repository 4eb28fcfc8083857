"""The grid's vocabulary: roles, sort keys and filters, which rows match, and the counts.

A row is one catalogued photo. This module says how a photo is classified at a threshold
(flagged, uncertain, clean, labelled, quarantined, unreadable), what each filter and sort
is called, and keeps the per-photo columns (NumPy arrays) from which the threshold
slider's counts come in well under a millisecond, however large the library.
:mod:`.model` is the Qt model built on it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from functools import lru_cache

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap

from dropletcleaner.core.catalog.photos import STATE_PRESENT, STATE_QUARANTINED, PhotoRecord
from dropletcleaner.core.ml.flag_rates import NEAR_BAND, near_band, near_threshold
from dropletcleaner.core.names import printable
from dropletcleaner.gui.scores import score_line

# Unlabelled photos this close under the threshold are "just under" (the scan summary's
# band); the Uncertain filter also takes those as close above it (``near_band``).
UNCERTAIN_BAND = NEAR_BAND


class Roles(IntEnum):
    """Custom data roles of :class:`~dropletcleaner.gui.grid.model.PhotoModel`."""

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
        and near_threshold(rec.score, threshold)
    )


@dataclass(frozen=True)
class Cell:
    """What a delegate paints for one photo (:meth:`.model.PhotoModel.cell`)."""

    record: PhotoRecord
    thumbnail: QPixmap | None  # None until loaded (asking for it starts the load)
    thumbnail_failed: bool
    flagged: bool
    uncertain: bool


def tooltip_for(rec: PhotoRecord, threshold: float) -> str:
    """The grid's tooltip for a photo: its path, score, label, state and date."""
    lines = [printable(rec.path)]
    if rec.error:
        lines.append(f"Could not be read: {rec.error}")
    elif rec.score is not None:
        # A number and what it means here, not a percentage that reads as certainty.
        lines.append(score_line(rec.score, threshold))
    if rec.label:
        lines.append(f"Your label: {rec.label}")
    if rec.state == STATE_QUARANTINED:
        lines.append("In quarantine")
    if rec.taken_at:
        lines.append(f"Taken {rec.taken_at}")
    return "\n".join(lines)


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


# ASCII digits only: other scripts' digits stay text, so every key digit is in a run.
_DIGIT_RUN = re.compile(r"[0-9]+")


def _digit_run(match: re.Match[str]) -> str:
    # Length first, then the digits: equal-width numbers compare as text, shorter ones
    # (smaller) first. Three digits of length suffice, as a file name has at most 255.
    digits = match.group().lstrip("0")
    return f"{len(digits):03d}{digits}"


# Cached because every re-sort and every row update asks again for the same names; bounded
# so that a huge library costs at most a few tens of MB.
@lru_cache(maxsize=1 << 17)
def natural_key(name: str) -> str:
    """``name`` as a string that sorts naturally and ignoring case: "img_2" before "IMG_10".

    Each run of digits becomes its length and value, so numbers compare by value, and
    otherwise digits sort as in plain text ("photo.jpg" before "photo1.jpg"). One string
    (rather than a tuple of parts) keeps a 50,000-row sort at C comparison speed.
    """
    return _DIGIT_RUN.sub(_digit_run, name.casefold())


SORT_KEYS: dict[SortKey, Callable[[PhotoRecord], tuple[object, ...]]] = {
    # Highest confidence first; unscored (unreadable) photos last.
    SortKey.CONFIDENCE: lambda r: (r.score is None, -(r.score or 0.0), r.path),
    # The plain name after the natural key orders names that differ only in case (or in
    # leading zeros) the same way every time.
    SortKey.NAME: lambda r: (natural_key(r.name), r.name, r.path),
    SortKey.DATE: lambda r: (_date_key(r), r.path),
    SortKey.FOLDER: lambda r: (r.folder, natural_key(r.name), r.name, r.path),
}  # every key ends in the path: keys are unique, so a row can be found by bisection


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
    just_under: int = 0  # uncertain and not flagged: the misses a look would catch

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


class _Columns:
    """One slot per record in NumPy columns, updated in place, for vectorised counting.

    Counting at a new threshold is a handful of array operations, and a scan adding rows
    touches only their slots, so neither the slider nor a big scan rebuilds anything.
    """

    def __init__(self) -> None:
        self.slot: dict[str, int] = {}
        self._free: list[int] = []
        self._grow(1024)
        self.size = 0

    def _grow(self, capacity: int) -> None:
        def extend(old: np.ndarray | None, dtype: type, fill: object) -> np.ndarray:
            new: np.ndarray = np.full(capacity, fill, dtype=dtype)
            if old is not None:
                new[: len(old)] = old
            return new

        get = self.__dict__.get
        self.present = extend(get("present"), bool, False)
        self.quarantined = extend(get("quarantined"), bool, False)
        self.error = extend(get("error"), bool, False)
        self.score = extend(get("score"), float, np.nan)
        self.droplet = extend(get("droplet"), bool, False)
        self.clean = extend(get("clean"), bool, False)

    @classmethod
    def of(cls, records: Sequence[PhotoRecord]) -> _Columns:
        """Columns for many records at once (much faster than one ``set`` each)."""
        cols = cls()
        n = len(records)
        cols._grow(max(1024, n))
        cols.size = n
        cols.slot = {r.path: i for i, r in enumerate(records)}
        cols.present[:n] = [r.state == STATE_PRESENT for r in records]
        cols.quarantined[:n] = [r.state == STATE_QUARANTINED for r in records]
        cols.error[:n] = [bool(r.error) for r in records]
        cols.score[:n] = [np.nan if r.score is None else r.score for r in records]
        cols.droplet[:n] = [r.label == "droplet" for r in records]
        cols.clean[:n] = [r.label == "clean" for r in records]
        return cols

    def set(self, rec: PhotoRecord) -> None:
        i = self.slot.get(rec.path)
        if i is None:
            if self._free:
                i = self._free.pop()
            else:
                if self.size == len(self.present):
                    self._grow(2 * self.size)
                i = self.size
                self.size += 1
            self.slot[rec.path] = i
        self.present[i] = rec.state == STATE_PRESENT
        self.quarantined[i] = rec.state == STATE_QUARANTINED
        self.error[i] = bool(rec.error)
        self.score[i] = np.nan if rec.score is None else rec.score
        self.droplet[i] = rec.label == "droplet"
        self.clean[i] = rec.label == "clean"

    def remove(self, path: str) -> None:
        i = self.slot.pop(path, None)
        if i is not None:
            for col in (self.present, self.quarantined, self.error, self.droplet, self.clean):
                col[i] = False
            self.score[i] = np.nan
            self._free.append(i)

    def counts(self, threshold: float) -> Counts:
        n = self.size
        present, error = self.present[:n], self.error[:n]
        droplet, clean, score = self.droplet[:n], self.clean[:n], self.score[:n]
        reviewable = present & ~error
        labelled = droplet | clean
        with np.errstate(invalid="ignore"):
            above = score >= threshold
            low, high = near_band(threshold)
            near = (score >= low) & (score <= high)
        flagged = reviewable & ~clean & (droplet | above)
        return Counts(
            total=int(present.sum()),
            flagged=int(flagged.sum()),
            uncertain=int((reviewable & ~labelled & near).sum()),
            clean=int((reviewable & ~flagged).sum()),
            labelled=int((present & labelled).sum()),
            quarantined=int(self.quarantined[:n].sum()),
            errors=int((present & error).sum()),
            just_under=int((reviewable & ~labelled & near & ~above).sum()),
        )
