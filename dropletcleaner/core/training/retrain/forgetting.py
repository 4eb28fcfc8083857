"""Does a deep retrain forget? Its check set: water drawn on the user's own clean photos.

A deep retrain changes the backbone, so the replay embeddings that fast retraining is judged
on say nothing about it, and the few held-out labels cannot show a retrain that silences
wet photos wholesale. Before it may be kept, both models therefore score a set that neither
trained on: unlabelled photos of the user's library scored clearly clean (below the second
look's gate), each once as it is and once with droplets drawn on it. A candidate that
misses more of the wet twins, or flags more of the dry ones, than the accept rule tolerates
is refused ("it would miss water it used to find").
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

CHECK_PHOTOS = 64  # wet/dry twins of each; the accept rule allows one example of slack
CHECK_SET = "own photos"  # its name among the accept rule's REPLAY_SETS


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
            return (
                "; forgetting not checked: no readable unlabelled photo that a model scored "
                "clearly clean"
            )
        return f"; forgetting checked on {self.photos} of your clean photos, with water drawn on"

    def judge(
        self, base: LoadedModel, model: DropletNet, cancel: CancelToken
    ) -> tuple[BinaryMetrics | None, BinaryMetrics | None]:
        """``(current model's figures, candidate's)``; ``None`` when the set is empty."""
        if not self.photos:
            return None, None
        candidate = LoadedModel(model=model, card=base.card)
        return self.metrics(base, cancel), self.metrics(candidate, cancel)

    def metrics(self, loaded: LoadedModel, cancel: CancelToken) -> BinaryMetrics:
        """``loaded``'s figures on the set, scored as a scan scores (looks included)."""
        scorer = Scorer(loaded, device="cpu", backend="eager")
        scores: list[np.ndarray] = []
        for i in range(0, len(self.frames), 32):
            cancel.raise_if_cancelled()
            scores.append(score_photos(scorer, self.frames[i : i + 32]).scores)
        return binary_metrics(self.labels, np.concatenate(scores), loaded.threshold)


def check_photos(
    catalog: Catalog, base: LoadedModel, rng: np.random.Generator, limit: int = CHECK_PHOTOS
) -> list[str]:
    """Up to ``limit`` unlabelled photos on disk scored far below ``base``'s threshold.

    Only low scores are trusted: the second look's gate sits far below the threshold, so
    photos under it are almost surely clean. Scores by an earlier model count too, since
    after a deep retrain the catalog is re-scored only at the next scan; both models score
    the photos afresh anyway.
    """
    scoring = base.model.scoring
    gate = min(scoring.look_above, base.threshold / 2) if scoring.looks else base.threshold / 2
    candidates = [
        r.path
        for r in catalog.photos()
        if r.label is None and r.error is None and r.score is not None and r.score < gate
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
    yield Progress("checking for forgetting", done=len(paths), total=len(paths))
    return CheckSet(frames, np.asarray(labels, dtype=np.int64), used)
