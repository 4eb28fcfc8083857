"""Evaluate the droplet model on a labelled folder (``droplet/`` and ``clean/`` sub-folders).

Photos are decoded exactly as a scan decodes them, so the figures describe what users get.
Besides the figures at the threshold it gives what decides whether flags can be trusted in a
real library, where few photos are wet: the recall at fixed false-positive rates (1 %,
0.5 %) and the precision at a stated prevalence of wet photos. Clean photos may come from
several folders. Also builds hard-negative sets: held-out clean photos degraded by blur,
darkness, fog and compression, which must stay below the threshold.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.inference.looks import score_photos
from dropletcleaner.core.ml.inference.protocol import DropletScorer
from dropletcleaner.core.ml.metrics import BinaryMetrics, binary_metrics
from dropletcleaner.core.photos.decode import DecodeError, decode_for_scan, load_rgb
from dropletcleaner.core.photos.discovery import FoundFile, walk_images


class EvaluationError(ValueError):
    """The folder does not have the expected layout."""


FIXED_FPRS = (0.01, 0.005)


def recall_at_fpr(labels: np.ndarray, scores: np.ndarray, fpr: float) -> float:
    """Share of droplet photos scoring above all but ``fpr`` of the clean ones."""
    negatives = np.sort(scores[labels == 0])
    positives = scores[labels == 1]
    if len(negatives) == 0 or len(positives) == 0:
        return float("nan")
    cut = negatives[min(len(negatives) - 1, int(np.floor(len(negatives) * (1.0 - fpr))))]
    return float((positives > cut).mean())


def precision_at_prevalence(recall: float, fpr: float, prevalence: float) -> float:
    """Precision in a library where ``prevalence`` of the photos are wet (Bayes' rule)."""
    hits = recall * prevalence
    alarms = fpr * (1.0 - prevalence)
    return float(hits / (hits + alarms)) if hits + alarms > 0 else float("nan")


@dataclass
class EvalReport:
    folder: str
    model_version: str
    metrics: BinaryMetrics
    prevalence: float = 0.01
    recall_at_fpr: dict[str, float] = field(default_factory=dict)
    worst_false_positives: list[tuple[str, float]] = field(default_factory=list)
    worst_false_negatives: list[tuple[str, float]] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "model_version": self.model_version,
            "metrics": self.metrics.as_dict(),
            "recall_at_fpr": self.recall_at_fpr,
            "prevalence": self.prevalence,
            "precision_at_prevalence": self.precision_at_prevalence,
            "confusion_matrix": {
                "rows_true_cols_predicted": ["clean", "droplet"],
                "matrix": [[self.metrics.tn, self.metrics.fp], [self.metrics.fn, self.metrics.tp]],
            },
            "worst_false_positives": [
                {"path": p, "score": s} for p, s in self.worst_false_positives
            ],
            "worst_false_negatives": [
                {"path": p, "score": s} for p, s in self.worst_false_negatives
            ],
            "unreadable": self.unreadable,
            "scores": self.scores,
        }

    @property
    def precision_at_prevalence(self) -> float:
        m = self.metrics
        return precision_at_prevalence(m.recall, m.fpr, self.prevalence)


def labelled_files(folder: Path, extra_clean: Sequence[Path] = ()) -> list[tuple[str, int]]:
    """``(path, label)`` for every image under ``droplet/`` (1) and ``clean/`` (0).

    Photos under each of ``extra_clean`` count as clean too.
    """
    pairs: list[tuple[str, int]] = []
    for name, label in (("droplet", 1), ("clean", 0)):
        sub = folder / name
        if not sub.is_dir():
            raise EvaluationError(f"{folder} has no '{name}/' sub-folder")
        pairs.extend((f.path, label) for f in walk_images(sub) if isinstance(f, FoundFile))
    for extra in extra_clean:
        if not extra.is_dir():
            raise EvaluationError(f"clean folder does not exist: {extra}")
        pairs.extend((f.path, 0) for f in walk_images(extra) if isinstance(f, FoundFile))
    return pairs


def evaluate_folder(
    folder: Path,
    scorer: DropletScorer,
    threshold: float | None = None,
    *,
    worst: int = 5,
    cancel: CancelToken | None = None,
    batch_size: int = 32,
    extra_clean: Sequence[Path] = (),
    prevalence: float = 0.01,
) -> Generator[Progress, None, EvalReport]:
    """Score every labelled photo; the generator's return value is the :class:`EvalReport`."""
    cancel = cancel or CancelToken()
    pairs = labelled_files(folder, extra_clean)
    if not pairs:
        raise EvaluationError(f"no images in {folder}/droplet or {folder}/clean")
    paths: list[str] = []
    labels: list[int] = []
    scores: list[float] = []
    unreadable: dict[str, str] = {}
    for start in range(0, len(pairs), batch_size):
        cancel.raise_if_cancelled()
        chunk = pairs[start : start + batch_size]
        photos = []
        kept = []
        for path, label in chunk:
            try:
                photos.append(decode_for_scan(path, looks=scorer.looks))
                kept.append((path, label))
            except (DecodeError, OSError) as exc:
                unreadable[path] = str(exc)
        if photos:
            s = score_photos(scorer, photos).scores
            for (path, label), value in zip(kept, s, strict=True):
                paths.append(path)
                labels.append(label)
                scores.append(float(value))
        yield Progress("evaluating", done=min(start + batch_size, len(pairs)), total=len(pairs))
    thr = scorer.threshold if threshold is None else threshold
    y = np.asarray(labels)
    sc = np.asarray(scores)
    fp = sorted(
        ((p, s) for p, s, t in zip(paths, scores, labels, strict=True) if t == 0 and s >= thr),
        key=lambda x: -x[1],
    )
    fn = sorted(
        ((p, s) for p, s, t in zip(paths, scores, labels, strict=True) if t == 1 and s < thr),
        key=lambda x: x[1],
    )
    return EvalReport(
        folder=str(folder),
        model_version=scorer.version,
        metrics=binary_metrics(y, sc, thr),
        prevalence=prevalence,
        recall_at_fpr={f"{r:g}": recall_at_fpr(y, sc, r) for r in FIXED_FPRS},
        worst_false_positives=fp[:worst],
        worst_false_negatives=fn[:worst],
        unreadable=unreadable,
        scores=dict(zip(paths, scores, strict=True)),
    )


def make_hard_negative_set(
    sources: Sequence[Path], dest: Path, seed: int = 0, variants: int = 1
) -> list[Path]:
    """Write degraded copies of ``sources`` into ``dest`` (cycling through every kind)."""
    from dropletcleaner.core.synthetic.degrade import HARD_NEGATIVE_KINDS, degrade

    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    k = 0
    for i, src in enumerate(sources):
        try:
            img = load_rgb(src, max_side=1024)
        except (DecodeError, OSError):
            continue
        for v in range(variants):
            kind = HARD_NEGATIVE_KINDS[k % len(HARD_NEGATIVE_KINDS)]
            k += 1
            arr, _ = degrade(np.asarray(img), np.random.default_rng(seed * 7919 + i * 31 + v), kind)
            out = dest / f"{Path(src).parent.name}_{Path(src).stem}_{kind}.jpg"
            Image.fromarray(arr).save(out, "JPEG", quality=92)
            written.append(out)
    return written


def model_held_out_photos(test_manifest: Sequence[str], data: Sequence[Path]) -> list[Path]:
    """The photos of ``data`` that a model's card lists as held out, in the card's order.

    The card names them relative to the data folder holding them (``clean-more/x.jpg``), so
    each is looked up under the folder of that name; photos no longer there are skipped.
    """
    roots = {d.name: d for d in data}
    found: list[Path] = []
    for rel in test_manifest:
        parts = Path(rel).parts
        root = roots.get(parts[0]) if len(parts) > 1 else None
        if root is not None and (root / Path(*parts[1:])).is_file():
            found.append(root / Path(*parts[1:]))
    return found


def held_out_photos(
    data: Sequence[Path], seed: int, val_fraction: float, test_fraction: float
) -> list[Path]:
    """The clean photos a base training run with these settings never trained or validated on."""
    from dropletcleaner.core.training.data import collect_images, split_of

    return [
        p for p in collect_images(data) if split_of(p, seed, val_fraction, test_fraction) == "test"
    ]


__all__ = [
    "EvalReport",
    "EvaluationError",
    "evaluate_folder",
    "held_out_photos",
    "make_hard_negative_set",
    "model_held_out_photos",
    "precision_at_prevalence",
    "recall_at_fpr",
]
