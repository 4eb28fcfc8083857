"""The user's labels as retraining sees them: counts, label keys, the labelled embeddings.

Retraining needs :data:`MIN_PER_CLASS` labelled photos of each kind; :class:`RetrainError`
says what is missing. A label key names one label on one picture content (:func:`label_key`),
so that a later retrain can tell which labels a model already learned from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml.network import EMBEDDING_DIM
from dropletcleaner.core.training.retrain.versions import Versions

MIN_PER_CLASS = 5  # labelled photos of each kind needed before retraining
LABEL_VALUES = {"droplet": 1, "clean": 0}


class RetrainError(ValueError):
    """Retraining cannot start (too few labels, missing pieces); ``str`` says what to do."""


@dataclass(frozen=True)
class LabelCounts:
    """How many photos carry each label, counting only those whose embedding is stored."""

    droplet: int
    clean: int
    unusable: int = 0  # labelled, but never read successfully (no embedding)

    @property
    def total(self) -> int:
        return self.droplet + self.clean

    @property
    def enough(self) -> bool:
        return self.droplet >= MIN_PER_CLASS and self.clean >= MIN_PER_CLASS

    @property
    def shortfall(self) -> str:
        """What is missing before retraining can start; empty when there are enough."""
        missing = [
            f"{MIN_PER_CLASS - n} more {kind} photo{'s' if MIN_PER_CLASS - n > 1 else ''}"
            for kind, n in (("droplet", self.droplet), ("clean", self.clean))
            if n < MIN_PER_CLASS
        ]
        if not missing:
            return ""
        return (
            f"Label {' and '.join(missing)} to retrain: at least {MIN_PER_CLASS} of each kind "
            f"are needed (now {self.droplet} droplet, {self.clean} clean)."
        )


def label_counts(catalog: Catalog) -> LabelCounts:
    counts = {"droplet": 0, "clean": 0}
    unusable = 0
    for (label, has_embedding), n in catalog.label_counts().items():
        if has_embedding:
            counts[label] += n
        else:
            unusable += n
    return LabelCounts(counts["droplet"], counts["clean"], unusable)


def label_key(fingerprint: str | None, path: str, label: str) -> str:
    """Identifies one label on one picture content, to tell which labels a model learned."""
    return hashlib.sha1(f"{fingerprint or path}|{label}".encode()).hexdigest()[:16]


@dataclass
class Labelled:
    ids: np.ndarray
    x: np.ndarray  # float32 [N, D]
    y: np.ndarray  # int64, 1 = droplet
    keys: list[str]
    paths: list[str]


def labelled_embeddings(catalog: Catalog, book: Versions, key: str) -> tuple[Labelled, int]:
    """Labelled photos whose stored embedding has :func:`embedding_key` ``key``; how many others."""
    ids, emb, labels = catalog.embeddings(labelled_only=True)
    meta = catalog.labelled_identities()
    keep = [i for i, pid in enumerate(ids) if book.backbone(meta[int(pid)][2]) == key]
    chosen = [int(ids[i]) for i in keep]
    lab = [str(labels[i]) for i in keep]
    data = Labelled(
        ids=np.asarray(chosen, dtype=np.int64),
        x=np.asarray(emb[keep], dtype=np.float32).reshape(len(keep), EMBEDDING_DIM),
        y=np.asarray([LABEL_VALUES[v] for v in lab], dtype=np.int64),
        keys=[label_key(meta[i][0], meta[i][1], v) for i, v in zip(chosen, lab, strict=True)],
        paths=[meta[i][1] for i in chosen],
    )
    return data, len(ids) - len(keep)
