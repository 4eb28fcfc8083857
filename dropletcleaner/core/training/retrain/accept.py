"""The accept rule: a new model is kept only if it is no worse than the current one.

Both are judged on the held-out labels the current model never learned from, and, with a
replay set, on held-back base examples, so that a retrain that forgets is refused;
:func:`accept_rule` says why either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dropletcleaner.core.ml.metrics import BinaryMetrics, binary_metrics
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.training.retrain.rescore import score_embeddings

REPLAY_TOLERANCE = 0.02  # largest drop in recall on base wet examples still "not forgetting"
REPLAY_FPR_TOLERANCE = 0.01  # largest rise in false alarms on base clean examples
AUROC_TOLERANCE = 0.005  # ranking noise allowed even on many labels
# What held-back figures were measured on, in words: (where water is counted, where false
# alarms are). Fast retraining replays base examples; a deep retrain checks the user's own
# photos, dry and with water drawn on (see forgetting.py).
REPLAY_SETS = {
    "base": ("held-back base examples", "held-back base examples"),
    "own photos": ("water drawn on your own photos", "your own photos as they are"),
}


@dataclass(frozen=True)
class Evaluation:
    """One model's figures on the held-out labels, and on held-back base examples."""

    metrics: BinaryMetrics
    # On the held-back base examples: what users notice of forgetting, missed water and
    # false alarms, rather than raw accuracy on a mostly synthetic set.
    replay: BinaryMetrics | None = None
    replay_set: str = "base"  # a key of REPLAY_SETS: what the replay figures were measured on

    @property
    def replay_words(self) -> tuple[str, str]:
        """Where the replay recall and false alarms were counted, in words."""
        return REPLAY_SETS[self.replay_set]

    @property
    def replay_recall(self) -> float | None:
        return None if self.replay is None else self.replay.recall

    @property
    def replay_fpr(self) -> float | None:
        return None if self.replay is None else self.replay.fpr

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.metrics.as_dict(),
            "replay_recall": self.replay_recall,
            "replay_fpr": self.replay_fpr,
            "replay_set": self.replay_set,
        }


@dataclass(frozen=True)
class Decision:
    accepted: bool
    reason: str


def accept_rule(old: Evaluation, new: Evaluation) -> Decision:
    """Keep the new model only if it is no worse than the old one; say why either way.

    "No worse" means: held-out accuracy not lower; held-out AUROC (when both classes are
    present) not lower by more than one (droplet, clean) pair ranked the other way, nor by
    more than :data:`AUROC_TOLERANCE`, whichever is larger; and, on the held-back base
    examples, recall not lower by more than :data:`REPLAY_TOLERANCE` and the false-positive
    rate not higher by more than :data:`REPLAY_FPR_TOLERANCE` (it must not forget), or by
    more than one example where the set is too small to resolve those.
    """
    o, n = old.metrics, new.metrics
    acc = f"held-out accuracy {o.accuracy:.3f} → {n.accuracy:.3f}"
    if n.accuracy < o.accuracy:
        return Decision(False, f"kept the current model: {acc} on {n.n} labels")
    both_auroc = not (math.isnan(o.auroc) or math.isnan(n.auroc))
    rank = f", AUROC {o.auroc:.3f} → {n.auroc:.3f}" if both_auroc else ""
    # A drop smaller than one (droplet, clean) pair ranked the other way is below resolution.
    pairs = (n.tp + n.fn) * (n.tn + n.fp)
    tolerance = max(AUROC_TOLERANCE, 1.0 / pairs) if pairs else AUROC_TOLERANCE
    if both_auroc and n.auroc < o.auroc - tolerance:
        return Decision(
            False,
            "kept the current model: the new one ranks the held-out photos worse "
            f"({acc}{rank} on {n.n} labels)",
        )
    if old.replay is not None and new.replay is not None:
        o_r, n_r = old.replay, new.replay
        wet, dry = new.replay_words
        # As for AUROC: one example more or less is below the resolution of a small set.
        if n_r.recall < o_r.recall - max(REPLAY_TOLERANCE, 1.0 / max(1, n_r.tp + n_r.fn)):
            return Decision(
                False,
                "kept the current model: the new one would miss water it used to find "
                f"(recall on {wet} {o_r.recall:.3f} → {n_r.recall:.3f})",
            )
        if n_r.fpr > o_r.fpr + max(REPLAY_FPR_TOLERANCE, 1.0 / max(1, n_r.tn + n_r.fp)):
            return Decision(
                False,
                "kept the current model: the new one would flag more clean photos "
                f"(false alarms on {dry} {o_r.fpr:.3f} → {n_r.fpr:.3f})",
            )
    better = n.accuracy > o.accuracy or (both_auroc and n.auroc > o.auroc)
    verdict = "better" if better else "no worse"
    return Decision(True, f"new model is {verdict}: {acc}{rank} on {n.n} held-out labels")


def evaluate_head(
    model: DropletNet, threshold: float, embeddings: np.ndarray, labels: np.ndarray
) -> BinaryMetrics:
    """Metrics of a model's calibrated head on stored embeddings at ``threshold``."""
    return binary_metrics(labels, score_embeddings(model, embeddings), threshold)
