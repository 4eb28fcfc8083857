"""The retrain dialog's plain words: counts, a verdict that agrees with its figures."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from dropletcleaner.core.ml.metrics import BinaryMetrics
from dropletcleaner.core.training.retrain.accept import Decision, Evaluation
from dropletcleaner.gui.retrain_words import (
    ChangedPhoto,
    in_words,
    threshold_change_text,
    verdict_text,
)


def metrics(
    tp: int, fp: int, tn: int, fn: int, auroc: float, threshold: float = 0.5
) -> BinaryMetrics:
    n = tp + fp + tn + fn
    return BinaryMetrics(
        threshold=threshold,
        n=n,
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        accuracy=(tp + tn) / n,
        precision=tp / (tp + fp) if tp + fp else 0.0,
        recall=tp / (tp + fn) if tp + fn else 0.0,
        f1=0.0,
        fpr=fp / (fp + tn) if fp + tn else 0.0,
        auroc=auroc,
    )


def result(old: BinaryMetrics, new: BinaryMetrics, decision: Decision) -> Any:
    return SimpleNamespace(
        old=Evaluation(old),
        new=Evaluation(new),
        decision=decision,
        accepted=decision.accepted,
    )


def test_in_words_counts_the_users_own_photos() -> None:
    assert in_words(metrics(6, 1, 29, 0, 0.9)) == (
        "catches 6 of your 6 drop photos, wrongly flags 1 of your 30 clean ones"
    )


def test_never_better_while_a_figure_fell() -> None:
    # The case: the accept rule says "better" (accuracy rose) while AUROC fell.
    old, new = metrics(5, 2, 28, 1, 0.917), metrics(6, 1, 29, 0, 0.907)
    reason = "new model is better: held-out accuracy 0.917 → 0.972, AUROC 0.917 → 0.907"
    text = verdict_text(result(old, new, Decision(True, reason)))
    assert "is better" not in text
    assert "0.917 → 0.907" in text and "Worse" in text
    assert "drop photos caught 5 of 6 → 6 of 6" in text


def test_better_only_when_nothing_fell() -> None:
    old, new = metrics(5, 2, 28, 1, 0.90), metrics(6, 1, 29, 0, 0.95)
    text = verdict_text(result(old, new, Decision(True, "new model is better: …")))
    assert text.startswith("The new model is better")
    assert "Worse" not in text


def test_a_rejection_keeps_the_rules_reason() -> None:
    old, new = metrics(6, 1, 29, 0, 0.95), metrics(5, 1, 29, 1, 0.94)
    reason = "kept the current model: held-out accuracy 0.972 → 0.944 on 36 labels"
    text = verdict_text(result(old, new, Decision(False, reason)))
    assert text == "Keep the current model: held-out accuracy 0.972 → 0.944 on 36 labels."


def test_threshold_change_is_said_only_when_it_moves() -> None:
    assert "from 0.95 to 0.58" in threshold_change_text(0.95, 0.58)
    assert threshold_change_text(0.581, 0.579) == ""


def test_changed_photo_describes_the_flip() -> None:
    photo = ChangedPhoto("/x/IMG_1.jpg", 0.41, 0.73, True)
    assert photo.describe() == "IMG_1.jpg: 0.41 → 0.73, now flagged"
    assert "–" in ChangedPhoto("/x/a.jpg", math.nan, 0.2, False).describe()
