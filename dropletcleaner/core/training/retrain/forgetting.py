"""Does a deep retrain forget? Its check set: water drawn on the user's own clean photos.

A deep retrain changes the backbone, so the replay embeddings that fast retraining is judged
on say nothing about it, and the few held-out labels cannot show a retrain that silences
wet photos wholesale. Before it may be kept, both models therefore score a set that neither
trained on: photos of the user's library that the current model clearly calls clean
(unlabelled, scored below its second-look gate), each once as it is and once with droplets
drawn on it. A candidate that misses more of the wet twins, or flags more of the dry ones,
than the accept rule tolerates is refused ("it would miss water it used to find").
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.inference.looks import score_photos
from dropletcleaner.core.ml.inference.scorer import Scorer
from dropletcleaner.core.ml.metrics import BinaryMetrics, binary_metrics
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.photos.decode import DecodeError, load_rgb, model_pixels

CHECK_PHOTOS = 64  # wet/dry twins: one missed twin moves recall by 1/64, under the tolerance
CHECK_NAME = "water drawn on your clean photos"


@dataclass
class CheckFrames:
    """One check example at every input size the model card scores (first and further looks)."""

    pixels: np.ndarray
    looks: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class CheckSet:
    """Rendered check examples and their labels (1 = droplets drawn on)."""

    frames: list[CheckFrames]
    labels: np.ndarray
    photos: int  # source photos

    @property
    def comparison(self) -> str:
        if not self.photos:
            return "; no unlabelled photo the current model calls clean to check forgetting on"
        return f"; forgetting checked on {self.photos} of your clean photos, with water drawn on"

    def judge(
        self, base: LoadedModel, model: DropletNet
    ) -> tuple[BinaryMetrics | None, BinaryMetrics | None]:
        """``(current model's figures, candidate's)``; ``None`` when the set is empty."""
        if not self.photos:
            return None, None
        return self.metrics(base), self.metrics(LoadedModel(model=model, card=base.card))

    def metrics(self, loaded: LoadedModel) -> BinaryMetrics:
        """``loaded``'s figures on the set, scored as a scan scores (looks included)."""
        scorer = Scorer(loaded, device="cpu", backend="eager")
        scores = np.concatenate(
            [
                score_photos(scorer, self.frames[i : i + 32]).scores
                for i in range(0, len(self.frames), 32)
            ]
        )
        return binary_metrics(self.labels, scores, loaded.threshold)


def check_photos(
    catalog: Catalog, base: LoadedModel, rng: np.random.Generator, limit: int = CHECK_PHOTOS
) -> list[str]:
    """Up to ``limit`` unlabelled photos on disk that ``base`` scored far below its threshold.

    Only the current model's own scores are trusted, and only where they are low: the second
    look's gate sits far below the threshold, so photos under it are almost surely clean.
    """
    scoring = base.model.scoring
    gate = min(scoring.look_above, base.threshold / 2) if scoring.looks else base.threshold / 2
    candidates = [
        r.path
        for r in catalog.photos()
        if r.label is None
        and r.error is None
        and r.score is not None
        and r.score < gate
        and r.model_version == base.version
    ]
    order = rng.permutation(len(candidates))
    chosen: list[str] = []
    for i in order:
        if len(chosen) >= limit:
            break
        if Path(candidates[int(i)]).is_file():
            chosen.append(candidates[int(i)])
    return chosen


def render_check_set(
    paths: Sequence[str],
    base: LoadedModel,
    render_droplets: Callable[[np.ndarray, np.random.Generator], Any],
    seed: int,
    cancel: CancelToken,
) -> Generator[Progress, None, CheckSet]:
    """Each photo as it is and with droplets drawn on it, at the card's input sizes."""
    card = base.card
    sizes = (int(card.input_size), *(int(s) for s in base.model.scoring.looks))
    frames: list[CheckFrames] = []
    labels: list[int] = []
    used = 0
    for n, path in enumerate(paths):
        cancel.raise_if_cancelled()
        yield Progress("checking for forgetting", done=n, total=len(paths), current=path)
        try:
            img = load_rgb(path, max_side=2 * max(sizes))
        except (DecodeError, OSError):
            continue  # a photo gone or spoiled since the scan: the others still check
        dry = np.asarray(img)
        wet = render_droplets(dry, np.random.default_rng([seed, n])).image
        for arr, label in ((dry, 0), (wet, 1)):
            frame = Image.fromarray(np.ascontiguousarray(arr))
            shots = [model_pixels(frame, size=s) for s in sizes]
            frames.append(CheckFrames(shots[0], dict(zip(sizes[1:], shots[1:], strict=True))))
            labels.append(label)
        used += 1
    return CheckSet(frames, np.asarray(labels, dtype=np.int64), used)
