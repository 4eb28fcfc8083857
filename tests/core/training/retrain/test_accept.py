"""The accept rule: a new model is kept only if it is no worse."""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.metrics import binary_metrics
from dropletcleaner.core.ml.network import EMBEDDING_DIM, DropletNet
from dropletcleaner.core.training.retrain.accept import Evaluation, accept_rule, evaluate_head
from dropletcleaner.core.training.retrain.heads import fit_head, sample_weights
from tests.retrain_helpers import (
    U,
    embeddings,
)


def test_accept_rule_rejects_a_model_trained_on_shuffled_labels(base: LoadedModel) -> None:
    """A head trained on shuffled labels is rejected; the same head on true labels is kept."""
    y = np.arange(60) % 2
    x = embeddings(y, U, seed=3).astype(np.float32)
    shuffled = np.random.default_rng(0).permutation(y)
    fresh_head = torch.nn.Linear(EMBEDDING_DIM, 2)

    def candidate(labels: np.ndarray) -> DropletNet:
        model = copy.deepcopy(base.model)
        head = fit_head(fresh_head, x, labels, sample_weights(labels, None))
        model.head.load_state_dict(head.state_dict())
        return model.eval()

    # Held-out photos with their true labels, which neither head saw.
    yt = np.arange(200) % 2
    truth = embeddings(yt, U, seed=11)
    old = Evaluation(evaluate_head(base.model, base.threshold, truth, yt))
    assert old.metrics.accuracy > 0.95
    bad = Evaluation(evaluate_head(candidate(shuffled), base.threshold, truth, yt))
    decision = accept_rule(old, bad)
    assert not decision.accepted
    assert decision.reason.startswith("kept the current model")
    good = Evaluation(evaluate_head(candidate(y), base.threshold, truth, yt))
    assert accept_rule(old, good).accepted


def test_accept_rule_cases() -> None:
    y = np.array([0, 0, 1, 1])
    good = binary_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]), 0.5)
    meh = binary_metrics(y, np.array([0.1, 0.6, 0.8, 0.9]), 0.5)
    assert accept_rule(Evaluation(meh), Evaluation(good)).accepted
    assert "better" in accept_rule(Evaluation(meh), Evaluation(good)).reason
    assert "no worse" in accept_rule(Evaluation(good), Evaluation(good)).reason
    assert not accept_rule(Evaluation(good), Evaluation(meh)).accepted
    # Forgetting is judged by what users notice on the held-back base examples: water it no
    # longer finds, and clean photos it starts to flag.
    yb = np.array([0] * 100 + [1] * 100)
    base_ok = binary_metrics(yb, np.r_[np.full(100, 0.1), np.full(100, 0.9)], 0.5)
    misses = binary_metrics(yb, np.r_[np.full(100, 0.1), np.full(95, 0.9), np.full(5, 0.1)], 0.5)
    alarms = binary_metrics(yb, np.r_[np.full(97, 0.1), np.full(3, 0.9), np.full(100, 0.9)], 0.5)
    slight = binary_metrics(yb, np.r_[np.full(100, 0.1), np.full(99, 0.9), np.full(1, 0.1)], 0.5)
    missed = accept_rule(Evaluation(good, base_ok), Evaluation(good, misses))
    assert not missed.accepted and "miss water" in missed.reason
    flagged = accept_rule(Evaluation(good, base_ok), Evaluation(good, alarms))
    assert not flagged.accepted and "flag more clean photos" in flagged.reason
    assert accept_rule(Evaluation(good, base_ok), Evaluation(good, slight)).accepted
    # Same accuracy, worse ranking: rejected.
    y6 = np.array([0, 0, 0, 1, 1, 1])
    ranked = binary_metrics(y6, np.array([0.1, 0.2, 0.6, 0.4, 0.8, 0.9]), 0.5)
    misranked = binary_metrics(y6, np.array([0.1, 0.95, 0.2, 0.7, 0.8, 0.05]), 0.5)
    assert misranked.accuracy == ranked.accuracy and misranked.auroc < ranked.auroc
    worse = accept_rule(Evaluation(ranked), Evaluation(misranked))
    assert not worse.accepted and "the new one ranks the held-out photos worse" in worse.reason
    # One class only: AUROC is undefined and accuracy decides.
    one = binary_metrics(np.array([1, 1]), np.array([0.9, 0.2]), 0.5)
    assert math.isnan(one.auroc) and accept_rule(Evaluation(one), Evaluation(one)).accepted


def test_a_small_held_back_set_allows_one_example_of_slack() -> None:
    """On a set of 20 twins, one example more or less is below resolution; two are not."""
    y = np.array([0, 0, 1, 1])
    same = binary_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]), 0.5)
    ys = np.array([0] * 20 + [1] * 20)

    def check(new_alarms: int, new_misses: int) -> Evaluation:
        scores = np.r_[
            np.full(new_alarms, 0.9),
            np.full(20 - new_alarms, 0.1),
            np.full(20 - new_misses, 0.9),
            np.full(new_misses, 0.1),
        ]
        return Evaluation(same, binary_metrics(ys, scores, 0.5), replay_set="own photos")

    assert accept_rule(check(0, 0), check(1, 1)).accepted
    missed = accept_rule(check(0, 0), check(0, 2))
    assert not missed.accepted and "recall on water drawn on your own photos" in missed.reason
    flagged = accept_rule(check(0, 0), check(2, 0))
    assert not flagged.accepted and "false alarms on your own photos as they are" in flagged.reason
