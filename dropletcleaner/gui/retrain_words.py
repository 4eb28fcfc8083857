"""The retrain dialog's results in plain words, and the photos a new model would re-flag.

"Catches 6 of your 6 drop photos, wrongly flags 1 of your 30 clean ones" instead of
held-out AUROC. The verdict is the accept rule's (``training/retrain/accept.py``
decides accept or keep); this module only words it, and never calls a model "better"
while one of its figures fell: it then names what rose and what fell.

:func:`changed_photos` lists the photos whose flag would flip on Accept (it runs on the
retrain worker thread, with the catalog open there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.metrics import BinaryMetrics
from dropletcleaner.core.training.retrain.rescore import plan_rescore
from dropletcleaner.core.training.retrain.result import RetrainResult
from dropletcleaner.core.training.retrain.versions import Versions
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.scores import score_text, threshold_text

KEPT_PREFIX = "kept the current model: "
# How the held-back figures read, by what they were measured on (the accept rule's sets).
REPLAY_PHRASES = {
    "base": ("water found in its earlier examples", "false alarms on its earlier examples"),
    "own photos": ("water drawn on your photos found", "false alarms on your photos as they are"),
}


def caught(m: BinaryMetrics) -> str:
    """``6 of 6``: drop photos the model flags, of the drop photos labelled."""
    return f"{m.tp} of {m.tp + m.fn}"


def false_alarms(m: BinaryMetrics) -> str:
    """``1 of 30``: clean photos the model flags, of the clean photos labelled."""
    return f"{m.fp} of {m.fp + m.tn}"


def in_words(m: BinaryMetrics) -> str:
    """``catches 6 of your 6 drop photos, wrongly flags 1 of your 30 clean ones``."""
    drops, cleans = m.tp + m.fn, m.fp + m.tn
    return (
        f"catches {m.tp} of your {plural(drops, 'drop photo')}, "
        f"wrongly flags {m.fp} of your {cleans} clean {'one' if cleans == 1 else 'ones'}"
    )


def _changes(result: RetrainResult) -> tuple[list[str], list[str]]:
    """What got better and what got worse, in words, from the current to the new model."""
    o, n = result.old.metrics, result.new.metrics
    rose: list[str] = []
    fell: list[str] = []
    if n.tp != o.tp:
        words = f"drop photos caught {caught(o)} → {caught(n)}"
        (rose if n.tp > o.tp else fell).append(words)
    if n.fp != o.fp:
        words = f"clean photos wrongly flagged {false_alarms(o)} → {false_alarms(n)}"
        (rose if n.fp < o.fp else fell).append(words)
    if not (math.isnan(o.auroc) or math.isnan(n.auroc)) and round(n.auroc, 3) != round(o.auroc, 3):
        words = f"how well it ranks drop photos above clean ones {o.auroc:.3f} → {n.auroc:.3f}"
        (rose if n.auroc > o.auroc else fell).append(words)
    o_r, n_r = result.old.replay, result.new.replay
    if o_r is not None and n_r is not None:
        found, alarms = REPLAY_PHRASES[result.new.replay_set]
        if round(n_r.recall, 3) != round(o_r.recall, 3):
            words = f"{found} {o_r.recall:.1%} → {n_r.recall:.1%}"
            (rose if n_r.recall > o_r.recall else fell).append(words)
        if round(n_r.fpr, 3) != round(o_r.fpr, 3):
            words = f"{alarms} {o_r.fpr:.1%} → {n_r.fpr:.1%}"
            (rose if n_r.fpr < o_r.fpr else fell).append(words)
    return rose, fell


def verdict_text(result: RetrainResult) -> str:
    """The accept rule's decision in words that agree with every figure shown."""
    reason = result.decision.reason
    if not result.accepted:
        why = reason[len(KEPT_PREFIX) :] if reason.startswith(KEPT_PREFIX) else reason
        return f"Keep the current model: {why}."
    rose, fell = _changes(result)
    if fell and rose:
        return (
            "The new model is no worse overall, but not better on every count. "
            f"Better: {'; '.join(rose)}. Worse: {'; '.join(fell)}."
        )
    if fell:
        return f"The new model is within tolerance, though slightly worse: {'; '.join(fell)}."
    if rose:
        return f"The new model is better: {'; '.join(rose)}."
    return "The new model does as well as the current one on your labels."


def threshold_change_text(old: float, new: float) -> str:
    """``The flag threshold moves from 0.95 to 0.58.``, or ``""`` when it stays."""
    if threshold_text(old) == threshold_text(new):
        return ""
    return (
        f"The flag threshold moves from {threshold_text(old)} to {threshold_text(new)}: "
        "the new model's scores mean something else, so its own threshold comes with it."
    )


@dataclass(frozen=True)
class ChangedPhoto:
    """One photo whose flag would flip if the new model were accepted."""

    path: str
    old_score: float
    new_score: float
    flagged_after: bool

    @property
    def name(self) -> str:
        return Path(self.path).name

    def describe(self) -> str:
        """``IMG_1.jpg: 0.41 → 0.73, now flagged``."""
        old = "–" if math.isnan(self.old_score) else score_text(self.old_score)
        after = "now flagged" if self.flagged_after else "no longer flagged"
        return f"{self.name}: {old} → {score_text(self.new_score)}, {after}"


def changed_photos(
    catalog: Catalog,
    result: RetrainResult,
    base: LoadedModel,
    user_threshold: float | None = None,
) -> list[ChangedPhoto]:
    """The photos whose flag the new model would flip, in name order; writes nothing.

    The same comparison as ``plan_rescore``: a row's old flag uses the threshold of the
    model version that scored it. With ``user_threshold`` (one the user chose, which stays
    after an Accept), both flags use it instead: that is what the grid will show.
    """
    candidate = result.candidate
    plan = plan_rescore(catalog, candidate, previous=[base])
    if len(plan.ids) == 0:
        return []
    ids, _, old_scores, versions = catalog.scored_embeddings()
    book = Versions(candidate, base)
    old_by_id = {
        int(i): (float(s), book.threshold(v))
        for i, s, v in zip(ids, old_scores, versions, strict=True)
    }
    flipped: dict[int, tuple[float, float, bool]] = {}
    for pid, new in zip(plan.ids.tolist(), np.asarray(plan.scores).tolist(), strict=True):
        old, old_threshold = old_by_id[int(pid)]
        if user_threshold is not None:
            old_threshold = user_threshold
        was = not math.isnan(old) and old >= old_threshold
        now = new >= (candidate.threshold if user_threshold is None else user_threshold)
        if was != now:
            flipped[int(pid)] = (old, float(new), now)
    if not flipped:
        return []
    rows = catalog.paths_of(list(flipped)).items()
    out = [ChangedPhoto(path, *flipped[pid]) for pid, path in rows]
    return sorted(out, key=lambda c: (c.name.lower(), c.path))
