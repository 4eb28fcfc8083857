"""Other frames of the same shot: flagged photos that look like the ones the user marked clean.

False alarms come in groups: a burst of one dim scene, an original and its exported or
re-edited copies, a sharp and a blurred take. A photographer who marks one of them clean
expects to be offered the others, and a retrain on a handful of labels cannot be relied on
to silence them (see the README). So the app finds them by a perceptual hash of the
thumbnails the scan already stored: copies and near-duplicates of one scene hash a few bits
apart, different photos do not.

It only *suggests*. Water can land on the lens in the middle of a burst, and a wet frame of
a scene can hash as close to its dry twin as a blurred copy does, so the user looks at what
is offered and confirms; nothing here labels a photo.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import imagehash
from PIL import Image

from dropletcleaner.core.catalog.photos import STATE_PRESENT, PhotoRecord
from dropletcleaner.core.jobs import CancelToken, Progress, run_job
from dropletcleaner.core.library.thumbnails import ThumbnailCache

# Bits of the 64-bit perceptual hash two thumbnails may differ by and still be one shot.
# Measured on the false-alarm library of benchmarks/retrain_false_alarms.py: blurred, dark,
# foggy and blocky copies of a photo differ from it by 0-6 bits, while no two of the 833
# different held-out photos there came closer than 14 (346,528 pairs).
SAME_SHOT_BITS = 10
_REPORT_EVERY = 100  # candidates between progress reports and cancel checks


@dataclass(frozen=True)
class SameShot:
    """One suggested photo: its path, and how many hash bits it differs from the nearest one."""

    path: str
    bits: int


class ShotHashes:
    """Perceptual hashes of catalogued photos, from their cached thumbnails, kept in memory.

    A photo whose thumbnail is missing or unreadable has no hash and is never suggested; the
    key includes size and mtime, so an edited file is hashed afresh.
    """

    def __init__(self, thumbs: ThumbnailCache) -> None:
        self.thumbs = thumbs
        self._known: dict[tuple[str, int, int], imagehash.ImageHash | None] = {}

    def of(self, record: PhotoRecord) -> imagehash.ImageHash | None:
        key = (record.path, record.size, record.mtime_ns)
        if key not in self._known:
            self._known[key] = self._hash(self.thumbs.path_for(*key))
        return self._known[key]

    @staticmethod
    def _hash(thumbnail: Path) -> imagehash.ImageHash | None:
        try:
            with Image.open(thumbnail) as img:  # the app's own small JPEG
                return imagehash.phash(img.convert("RGB"))
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            return None  # no thumbnail yet, or a damaged one: nothing to compare


def flagged_unlabelled(records: Iterable[PhotoRecord], threshold: float) -> list[PhotoRecord]:
    """Photos on disk that the model flags at ``threshold`` and the user has not labelled."""
    return [
        r
        for r in records
        if r.state == STATE_PRESENT
        and r.label is None
        and r.score is not None
        and r.score >= threshold
    ]


def offer_pool(
    marked: Iterable[PhotoRecord],
    library: Iterable[PhotoRecord],
    threshold: float,
    version: str | None = None,
) -> tuple[list[PhotoRecord], list[PhotoRecord]]:
    """What to compare after photos were marked clean: ``(anchors, candidates)``.

    Only false alarms anchor an offer: a photo the model already scored clean says nothing
    about a flagged frame of its scene, which may well be the wet one. With ``version``,
    only that model's scores are compared with its ``threshold``.
    """

    def flagged(r: PhotoRecord) -> bool:
        scored_here = version is None or r.model_version == version
        return scored_here and r.score is not None and r.score >= threshold

    anchors = [r for r in marked if flagged(r)]
    candidates = [r for r in flagged_unlabelled(library, threshold) if flagged(r)]
    return anchors, candidates


def find_same_shot(
    marked: Sequence[PhotoRecord],
    candidates: Sequence[PhotoRecord],
    hashes: ShotHashes,
    cancel: CancelToken | None = None,
    max_bits: int = SAME_SHOT_BITS,
) -> Generator[Progress, None, list[SameShot]]:
    """Job: the ``candidates`` within ``max_bits`` of any ``marked`` photo, nearest first.

    Yields progress while it hashes thumbnails (the first call reads each candidate's
    thumbnail; later calls hit :class:`ShotHashes`' memory). The marked photos themselves
    are never suggested.
    """
    cancel = cancel if cancel is not None else CancelToken()
    anchors = [h for r in marked if (h := hashes.of(r)) is not None]
    if not anchors:
        return []
    own = {r.path for r in marked}
    found: list[SameShot] = []
    for done, record in enumerate(candidates, 1):
        if done % _REPORT_EVERY == 0:
            cancel.raise_if_cancelled()
            yield Progress("comparing", done=done, total=len(candidates))
        if record.path in own:
            continue
        h = hashes.of(record)
        if h is None:
            continue
        bits = min(int(h - a) for a in anchors)
        if bits <= max_bits:
            found.append(SameShot(record.path, bits))
    found.sort(key=lambda s: (s.bits, s.path))
    return found


def same_shot(
    marked: Sequence[PhotoRecord],
    candidates: Sequence[PhotoRecord],
    hashes: ShotHashes,
    max_bits: int = SAME_SHOT_BITS,
) -> list[SameShot]:
    """:func:`find_same_shot`, run to its end (the command line and benchmarks)."""
    return run_job(find_same_shot(marked, candidates, hashes, max_bits=max_bits))
