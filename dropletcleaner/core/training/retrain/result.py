"""A retrain's outcome: the candidate model with its card and comparison; install and accept.

Fast and deep retraining both end in :func:`conclude`, which applies the accept rule, writes
the candidate's card and previews the catalog's flag changes. Nothing is written to disk
until :func:`accept_result` installs the candidate, makes it active and re-scores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import torch

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml import store
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import LoadedModel, save_model
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.training.replay import ReplaySet, replay_path, save_replay
from dropletcleaner.core.training.retrain.accept import Decision, Evaluation, accept_rule
from dropletcleaner.core.training.retrain.labels import LabelCounts, RetrainError
from dropletcleaner.core.training.retrain.rescore import plan_rescore, rescore_catalog

DEFAULT_TARGET_FPR = 0.02


@dataclass
class RetrainResult:
    """A candidate model with its held-out comparison against the current one."""

    kind: str  # "fast" or "deep"
    base_version: str
    candidate: LoadedModel
    replay: ReplaySet | None
    old: Evaluation
    new: Evaluation
    decision: Decision
    comparison: str  # which labels the figures are on, and how they were held out
    labels: LabelCounts
    changed_flags: int  # photos whose flag would change if accepted
    needs_rescan: int  # photos re-scored only at the next scan
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        return self.candidate.version

    @property
    def accepted(self) -> bool:
        return self.decision.accepted


def install(result: RetrainResult) -> Path:
    """Write the candidate's weights, card and replay set into the models folder atomically."""
    card = result.candidate.card
    if store.weights_path(card.version).exists():
        card.version = store.next_version(result.base_version)
    path = store.weights_path(card.version)
    path.parent.mkdir(parents=True, exist_ok=True)
    if result.replay is not None:
        save_replay(result.replay, replay_path(path))
    save_model(result.candidate.model, card, path)  # the card last: it makes the version visible
    return path


def accept_result(catalog: Catalog, result: RetrainResult) -> int:
    """Install the candidate, make it active, and re-score the catalog; returns flag changes."""
    if not result.accepted:
        raise RetrainError(f"the new model was not accepted: {result.decision.reason}")
    install(result)
    store.set_active(result.version)
    return rescore_catalog(catalog, result.candidate)


def model_temperature(model: DropletNet) -> float:
    return float(cast(torch.Tensor, model.temperature))


def base_target_fpr(card: ModelCard) -> float:
    config = card.training.get("config")
    if isinstance(config, dict) and "target_fpr" in config:
        return float(config["target_fpr"])
    return float(card.training.get("target_fpr", DEFAULT_TARGET_FPR))


def conclude(
    catalog: Catalog,
    base: LoadedModel,
    model: DropletNet,
    *,
    kind: str,
    threshold: float,
    temperature: float,
    old: Evaluation,
    new: Evaluation,
    comparison: str,
    counts: LabelCounts,
    replay: ReplaySet | None,
    training: dict[str, Any],
    manifest: dict[str, Any],
    notes: list[str],
    start: float,
) -> RetrainResult:
    """Apply the accept rule, write the candidate's card and preview the catalog's changes."""
    decision = accept_rule(old, new)
    card = ModelCard(
        version=store.next_version(base.version),
        threshold=threshold,
        temperature=temperature,
        scoring=dict(base.card.scoring),
        parent=base.version,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        training={
            "kind": kind,
            "labels": {"droplet": counts.droplet, "clean": counts.clean},
            **training,
            "torch": torch.__version__,
        },
        metrics={
            "held_out": {"old": old.as_dict(), "new": new.as_dict(), "comparison": comparison},
            "decision": {"accepted": decision.accepted, "reason": decision.reason},
        },
        data_manifest=manifest,
    )
    candidate = LoadedModel(model=model, card=card)
    plan = plan_rescore(catalog, candidate, previous=[base])
    seconds = time.perf_counter() - start
    card.training["seconds"] = round(seconds, 2)
    return RetrainResult(
        kind=kind,
        base_version=base.version,
        candidate=candidate,
        replay=replay,
        old=old,
        new=new,
        decision=decision,
        comparison=comparison,
        labels=counts,
        changed_flags=plan.changed,
        needs_rescan=plan.skipped,
        seconds=seconds,
        notes=notes,
    )


def progress_extra(result: RetrainResult) -> dict[str, float]:
    o, n = result.old.metrics, result.new.metrics
    return {
        "old_accuracy": o.accuracy,
        "new_accuracy": n.accuracy,
        "old_auroc": o.auroc,
        "new_auroc": n.auroc,
        "accepted": float(result.accepted),
        "changed_flags": float(result.changed_flags),
    }
