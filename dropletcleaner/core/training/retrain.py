"""Local retraining from the user's labels: fast (new head on stored embeddings) or deep.

**Fast retrain** trains a new droplet head on the pooled embeddings the catalog already
holds for the photos the user labelled, mixed with the replay set of base-training
embeddings kept beside the model so that it does not forget. The user's labels and the
replay set each carry half of the loss, split evenly between the two classes (class
weights); the loss uses label smoothing, and the head is pulled towards the current head
(an L2 anchor) so that a few labels nudge it rather than overturn it. Held-out figures come
from stratified k-fold cross-validation over the user's labels (repeated when there are
few); the fold heads and the final head train together in one stacked pass. Every head is
calibrated the same way, by temperature scaling and a threshold at the base model's
false-positive target, on replay examples that no head trains on (without a replay set the
base model's temperature and threshold are kept), so the held-out figures describe the
model that would be installed.

**Deep retrain** fine-tunes the last backbone block on the labelled photos themselves plus
synthetic droplets rendered on the user's clean-labelled photos, holding out a quarter of
the labels. Its embeddings differ from the stored ones, so the catalog is re-scored at the
next scan instead of from the catalog.

**The accept rule** keeps a new model only if it is no worse than the current one on the
held-out labels the current model never learned from (and, with a replay set, does not
forget the base examples); :func:`accept_rule` says why. Accepted models are versioned
under ``user_data_dir/models/`` (:mod:`dropletcleaner.core.ml.store`), and
:func:`rescore_catalog` re-scores every stored embedding without decoding a photo.

Both trainers are generators of :class:`Progress` whose return value is the
:class:`RetrainResult`; :func:`~dropletcleaner.core.jobs.run_job` drives one to the end.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import math
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import numpy as np
import torch
from torch import nn

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken, Progress, run_job
from dropletcleaner.core.ml import store
from dropletcleaner.core.ml import store as registry
from dropletcleaner.core.ml.calibration import fit_temperatures
from dropletcleaner.core.ml.card import ModelCard, valid_version
from dropletcleaner.core.ml.checkpoint import LoadedModel, load_model, save_model
from dropletcleaner.core.ml.metrics import BinaryMetrics, auroc, binary_metrics
from dropletcleaner.core.ml.network import EMBEDDING_DIM, DropletNet, build_imagenet_model
from dropletcleaner.core.ml.store import UNTRAINED_VERSION
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.base import (
    ReplaySet,
    _cosine_lr,
    _photometric,
    _random_crop,
    _set_bn_eval,
    cache_stem_features,
    choose_threshold,
    class_weights,
    load_replay,
    replay_path,
    save_replay,
    tail_embeddings,
)

MIN_PER_CLASS = 5  # labelled photos of each kind needed before retraining
MAX_FOLDS = 5
FEW_LABELS = 60  # below this many labels, cross-validation is repeated ...
FEW_LABELS_REPEATS = 3  # ... this many times with other splits
FAST_EPOCHS = 200  # full-batch passes over labels + replay set
FAST_LR = 5e-3
LABEL_SMOOTHING = 0.1
ANCHOR = 1e-3  # strength of the pull towards the current head
USER_SHARE = 0.5  # share of the loss carried by the user's labels when a replay set exists
REPLAY_CALIBRATION_FRACTION = 0.2  # replay examples kept out of every head, for calibration
REPLAY_SPLIT_SEED = 1234  # fixed, so later retrains keep the same examples out
DEFAULT_TARGET_FPR = 0.02
REPLAY_TOLERANCE = 0.02  # largest drop in recall on base wet examples still "not forgetting"
REPLAY_FPR_TOLERANCE = 0.01  # largest rise in false alarms on base clean examples
AUROC_TOLERANCE = 0.005  # ranking noise allowed even on many labels
DEEP_EPOCHS = 3
DEEP_SPLIT_BLOCK = 6  # EfficientNet-Lite0 has blocks 0..6: fine-tune the last one
DEEP_HOLDOUT = 0.25
DEEP_LR = 2e-4
DEEP_RENDER_SIZE = 320  # crops are drawn at this size, as in base training

LABEL_VALUES = {"droplet": 1, "clean": 0}

T = TypeVar("T")
P = TypeVar("P")


class RetrainError(ValueError):
    """Retraining cannot start (too few labels, missing pieces); ``str`` says what to do."""


# -- labels -------------------------------------------------------------------------------------
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
    rows = catalog.connection.execute(
        "SELECT label, embedding IS NOT NULL, COUNT(*) FROM photos "
        "WHERE label IS NOT NULL GROUP BY 1, 2"
    )
    for label, has_embedding, n in rows:
        if has_embedding:
            counts[label] += int(n)
        else:
            unusable += int(n)
    return LabelCounts(counts["droplet"], counts["clean"], unusable)


def _label_key(fingerprint: str | None, path: str, label: str) -> str:
    """Identifies one label on one picture content, to tell which labels a model learned."""
    return hashlib.sha1(f"{fingerprint or path}|{label}".encode()).hexdigest()[:16]


# -- replay set ---------------------------------------------------------------------------------
def find_replay(model: LoadedModel) -> ReplaySet | None:
    """The replay set that belongs to ``model``: beside a retrained version, or the shipped one."""
    candidates: list[Path] = []
    if valid_version(model.version):
        candidates.append(replay_path(registry.weights_path(model.version)))
    shipped = store.shipped_weights_path()
    if shipped is not None:
        card = registry.read_card(shipped.with_suffix(".json"))
        if card is not None and card.version == model.version:
            candidates.append(replay_path(shipped))
    for path in candidates:
        if path.is_file():
            try:
                return load_replay(path)
            except ValueError as exc:
                raise RetrainError(str(exc)) from exc
    return None


# -- which stored embeddings a model can read ---------------------------------------------------
def backbone_digest(model: DropletNet) -> str:
    """Identity of what makes the embedding: the backbone, and the map head that guides pooling.

    With the input size (see :func:`embedding_key`) it decides whether two models'
    embeddings are interchangeable.
    """
    h = hashlib.sha256()
    state = dict(model.backbone.state_dict())
    if model.map_head is not None:
        state.update({f"map_head.{k}": v for k, v in model.map_head.state_dict().items()})
        h.update(repr(sorted(model.scoring.to_card().items())).encode())
    for name, tensor in state.items():
        h.update(name.encode())
        h.update(tensor.detach().to(torch.float16).contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


_DIGESTS: dict[str, str] = {}  # weights checksum (or "imagenet") -> backbone digest


def embedding_key(digest: str | None, input_size: int) -> str | None:
    """What makes two models' embeddings interchangeable: the backbone and the input size.

    Cards record the bare backbone digest; the same weights fed another input size give
    other embeddings, so the size is part of the key.
    """
    if digest is None:
        return None
    return f"{digest}@{input_size}"


def model_backbone(loaded: LoadedModel) -> str:
    """Backbone digest of a loaded model: from its card when recorded, else computed once."""
    recorded = loaded.card.training.get("backbone")
    if isinstance(recorded, str):
        return recorded
    key = loaded.card.sha256
    if not key:
        return backbone_digest(loaded.model)
    if key not in _DIGESTS:
        _DIGESTS[key] = backbone_digest(loaded.model)
    return _DIGESTS[key]


def model_embedding_key(loaded: LoadedModel) -> str:
    key = embedding_key(model_backbone(loaded), loaded.card.input_size)
    assert key is not None
    return key


class _Versions:
    """Backbone digest and threshold of each model version named in the catalog."""

    def __init__(self, *models: LoadedModel) -> None:
        self._info: dict[str, tuple[str | None, float]] = {
            m.version: (model_embedding_key(m), m.threshold) for m in models
        }

    def backbone(self, version: str | None) -> str | None:
        return self._lookup(version)[0]

    def threshold(self, version: str | None) -> float:
        return self._lookup(version)[1]

    def _lookup(self, version: str | None) -> tuple[str | None, float]:
        if version is None:
            return None, 0.5
        if version not in self._info:
            self._info[version] = _describe_version(version)
        return self._info[version]


def _describe_version(version: str) -> tuple[str | None, float]:
    # A catalog row's version is only text: an odd one is no retrained model's file name.
    card = (
        registry.read_card(registry.weights_path(version).with_suffix(".json"))
        if valid_version(version)
        else None
    )
    if card is not None:
        return embedding_key(card.training.get("backbone"), card.input_size), card.threshold
    shipped = store.shipped_weights_path()
    if shipped is not None:
        card = registry.read_card(shipped.with_suffix(".json"))
        if card is not None and card.version == version:
            digest = card.training.get("backbone")
            if digest is None:
                key = card.sha256 or str(shipped)
                if key not in _DIGESTS:
                    _DIGESTS[key] = backbone_digest(load_model(shipped).model)
                digest = _DIGESTS[key]
            return embedding_key(digest, card.input_size), card.threshold
    if version == UNTRAINED_VERSION:
        if "imagenet" not in _DIGESTS:
            _DIGESTS["imagenet"] = backbone_digest(build_imagenet_model())
        return embedding_key(_DIGESTS["imagenet"], PREPROCESS.input_size), 0.5
    return None, 0.5  # unknown model: its embeddings are never reused


# -- scoring and re-scoring ---------------------------------------------------------------------
def _proba(model: DropletNet, embeddings: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Calibrated P(droplet) for stored embeddings, in large vectorised chunks."""
    out = np.empty(len(embeddings), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(embeddings), chunk):
            emb = torch.from_numpy(np.asarray(embeddings[i : i + chunk], dtype=np.float32))
            out[i : i + chunk] = model.proba_from_embedding(emb).numpy()
    return out


@dataclass
class RescorePlan:
    """New scores for every stored embedding a model can read, and what would change."""

    version: str
    ids: np.ndarray
    scores: np.ndarray
    changed: int  # photos whose flag (score >= threshold) would flip
    skipped: int  # embeddings from another backbone: they are re-scored at the next scan


def plan_rescore(
    catalog: Catalog, model: LoadedModel, *, previous: Sequence[LoadedModel] = ()
) -> RescorePlan:
    """Score every compatible stored embedding with ``model``; writes nothing.

    A row's old flag uses the threshold of the model version that gave its score.
    """
    ids, emb, old_scores, version_list = catalog.scored_embeddings()
    if len(ids) == 0:
        return RescorePlan(model.version, ids, np.zeros(0, np.float32), 0, 0)
    versions = np.asarray([v or "" for v in version_list], dtype=object)
    book = _Versions(model, *previous)
    mine = book.backbone(model.version)
    compatible = np.zeros(len(ids), dtype=bool)
    old_threshold = np.full(len(ids), 0.5)
    for v in set(versions.tolist()):
        rows = versions == v
        compatible[rows] = book.backbone(v or None) == mine
        old_threshold[rows] = book.threshold(v or None)
    scores = _proba(model.model, emb[compatible])
    was_flagged = np.nan_to_num(old_scores[compatible], nan=-1.0) >= old_threshold[compatible]
    changed = int((was_flagged != (scores >= model.threshold)).sum())
    return RescorePlan(model.version, ids[compatible], scores, changed, int((~compatible).sum()))


def apply_rescore(catalog: Catalog, plan: RescorePlan) -> None:
    """Write a plan's scores and model version in one transaction (one executemany)."""
    catalog.update_scores(plan.ids.tolist(), plan.scores.tolist(), plan.version)


def rescore_catalog(catalog: Catalog, model: LoadedModel) -> int:
    """Re-score every stored embedding ``model`` can read, without decoding any photo.

    Records ``model.version`` on each re-scored row; returns how many photos changed flag.
    """
    plan = plan_rescore(catalog, model)
    apply_rescore(catalog, plan)
    return plan.changed


# -- the accept rule ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Evaluation:
    """One model's figures on the held-out labels, and on held-back base examples."""

    metrics: BinaryMetrics
    # On the held-back base examples: what users notice of forgetting, missed water and
    # false alarms, rather than raw accuracy on a mostly synthetic set.
    replay: BinaryMetrics | None = None

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
    rate not higher by more than :data:`REPLAY_FPR_TOLERANCE` (it must not forget).
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
            False, f"kept the current model: it ranks the held-out photos better ({acc}{rank})"
        )
    if old.replay is not None and new.replay is not None:
        o_r, n_r = old.replay, new.replay
        if n_r.recall < o_r.recall - REPLAY_TOLERANCE:
            return Decision(
                False,
                "kept the current model: the new one would miss water it used to find "
                f"(recall on held-back base examples {o_r.recall:.3f} → {n_r.recall:.3f})",
            )
        if n_r.fpr > o_r.fpr + REPLAY_FPR_TOLERANCE:
            return Decision(
                False,
                "kept the current model: the new one would flag more clean photos "
                f"(false alarms on held-back base examples {o_r.fpr:.3f} → {n_r.fpr:.3f})",
            )
    better = n.accuracy > o.accuracy or (both_auroc and n.auroc > o.auroc)
    verdict = "better" if better else "no worse"
    return Decision(True, f"new model is {verdict}: {acc}{rank} on {n.n} held-out labels")


def evaluate_head(
    model: DropletNet, threshold: float, embeddings: np.ndarray, labels: np.ndarray
) -> BinaryMetrics:
    """Metrics of a model's calibrated head on stored embeddings at ``threshold``."""
    return binary_metrics(labels, _proba(model, embeddings), threshold)


# -- results ------------------------------------------------------------------------------------
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
    if registry.weights_path(card.version).exists():
        card.version = registry.next_version(result.base_version)
    path = registry.weights_path(card.version)
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
    registry.set_active(result.version)
    return rescore_catalog(catalog, result.candidate)


# -- fast retrain -------------------------------------------------------------------------------
@dataclass
class _Labelled:
    ids: np.ndarray
    x: np.ndarray  # float32 [N, D]
    y: np.ndarray  # int64, 1 = droplet
    keys: list[str]
    paths: list[str]


def _labelled_embeddings(catalog: Catalog, book: _Versions, key: str) -> tuple[_Labelled, int]:
    """Labelled photos whose stored embedding has :func:`embedding_key` ``key``; how many others."""
    ids, emb, labels = catalog.embeddings(labelled_only=True)
    meta = {
        r[0]: (r[1], r[2], r[3])
        for r in catalog.connection.execute(
            "SELECT id, fingerprint, path, model_version FROM photos WHERE label IS NOT NULL"
        )
    }
    keep = [i for i, pid in enumerate(ids) if book.backbone(meta[int(pid)][2]) == key]
    chosen = [int(ids[i]) for i in keep]
    lab = [str(labels[i]) for i in keep]
    data = _Labelled(
        ids=np.asarray(chosen, dtype=np.int64),
        x=np.asarray(emb[keep], dtype=np.float32).reshape(len(keep), EMBEDDING_DIM),
        y=np.asarray([LABEL_VALUES[v] for v in lab], dtype=np.int64),
        keys=[_label_key(meta[i][0], meta[i][1], v) for i, v in zip(chosen, lab, strict=True)],
        paths=[meta[i][1] for i in chosen],
    )
    return data, len(ids) - len(keep)


def stratified_folds(labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """``k`` disjoint index sets covering ``labels``, each class spread evenly."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == c))
        for j, i in enumerate(idx):
            folds[(j + offset) % k].append(int(i))
        offset += len(idx)
    return [np.asarray(sorted(f), dtype=np.int64) for f in folds]


def sample_weights(y_user: np.ndarray, y_replay: np.ndarray | None) -> np.ndarray:
    """Each (source, class) group gets an equal share within its source's share of the loss."""
    parts = [(y_user, USER_SHARE if y_replay is not None and len(y_replay) else 1.0)]
    if y_replay is not None and len(y_replay):
        parts.append((y_replay, 1.0 - USER_SHARE))
    out = []
    for y, share in parts:
        w = np.zeros(len(y))
        present = [c for c in (0, 1) if (y == c).any()]
        for c in present:
            w[y == c] = share / len(present) / (y == c).sum()
        out.append(w)
    return np.concatenate(out)


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run tiny tensor ops on one thread: on a busy machine, waking a pool costs far more."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_heads(
    init: nn.Linear,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    epochs: int = FAST_EPOCHS,
) -> Generator[int, None, list[nn.Linear]]:
    """Train one head per row of ``weights`` ``[M, N]`` at once, all starting from ``init``.

    Full-batch AdamW on weighted, label-smoothed cross-entropy plus an L2 pull towards
    ``init``. The losses are independent and AdamW works element by element, so stacking
    the M heads into one matrix trains each exactly as alone, for the price of one (a zero
    weight leaves a sample out of that head: that is how the cross-validation folds train).
    Yields the number of epochs done every few epochs; returns the heads.
    """
    m, n = weights.shape
    w0 = init.weight.detach().float().repeat(m, 1)  # [M * 2, D]
    b0 = init.bias.detach().float().repeat(m)
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))
    target = torch.full((n, 2), LABEL_SMOOTHING / 2)
    target[torch.arange(n), torch.from_numpy(y)] += 1.0 - LABEL_SMOOTHING
    wt = torch.from_numpy((weights / weights.sum(axis=1, keepdims=True)).T.astype(np.float32))
    opt = torch.optim.AdamW([w, b], lr=FAST_LR, weight_decay=0.0)
    chunk = 20
    for start in range(0, epochs, chunk):
        with single_thread():
            for step in range(start, min(epochs, start + chunk)):
                _cosine_lr(opt, FAST_LR, step, epochs, max(1, epochs // 20))
                logp = torch.log_softmax((xt @ w.T + b).view(n, m, 2), dim=-1)
                loss = -((logp * target[:, None, :]).sum(-1) * wt).sum()
                loss = loss + ANCHOR * (((w - w0) ** 2).sum() + ((b - b0) ** 2).sum())
                opt.zero_grad()
                loss.backward()
                opt.step()
        yield min(epochs, start + chunk)
    heads = []
    for i in range(m):
        head = nn.Linear(init.in_features, 2)
        with torch.no_grad():
            head.weight.copy_(w[2 * i : 2 * i + 2])
            head.bias.copy_(b[2 * i : 2 * i + 2])
        heads.append(head.eval())
    return heads


def fit_head(
    init: nn.Linear,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    epochs: int = FAST_EPOCHS,
    cancel: CancelToken | None = None,
) -> nn.Linear:
    """One head: :func:`train_heads` with a single weight vector, run to the end."""
    job = train_heads(init, x, y, weights[None, :], epochs=epochs)
    return run_job(job, lambda _: cancel.raise_if_cancelled() if cancel else None)[0]


def _temperature(model: DropletNet) -> float:
    return float(cast(torch.Tensor, model.temperature))


def _logits(head: nn.Linear, x: np.ndarray) -> torch.Tensor:
    with torch.no_grad():
        return head(torch.from_numpy(np.asarray(x, dtype=np.float32)))


def _calibrate_heads(
    heads: Sequence[nn.Linear], x: np.ndarray, labels: np.ndarray, target_fpr: float
) -> list[tuple[float, float]]:
    """Temperature and threshold of each head, fitted on held-back embeddings."""
    logits = np.stack([_logits(h, x).numpy() for h in heads]).astype(np.float64)
    temperatures = fit_temperatures(logits, labels)
    out = []
    for lg, t in zip(logits, temperatures, strict=True):
        scores = 1.0 / (1.0 + np.exp(-(lg[:, 1] - lg[:, 0]) / t))
        out.append((float(t), choose_threshold(scores, labels, target_fpr)))
    return out


def _split_replay(replay: ReplaySet) -> tuple[np.ndarray, np.ndarray]:
    """Fixed (train, calibration) split of the replay set, stratified."""
    rng = np.random.default_rng(REPLAY_SPLIT_SEED)
    calib: list[np.ndarray] = []
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(replay.labels == c))
        calib.append(idx[: round(len(idx) * REPLAY_CALIBRATION_FRACTION)])
    cal = np.sort(np.concatenate(calib))
    train = np.setdiff1d(np.arange(len(replay)), cal)
    return train, cal


def _target_fpr(card: ModelCard) -> float:
    config = card.training.get("config")
    if isinstance(config, dict) and "target_fpr" in config:
        return float(config["target_fpr"])
    return float(card.training.get("target_fpr", DEFAULT_TARGET_FPR))


def _fresh(base: LoadedModel, keys: Sequence[str]) -> tuple[np.ndarray, str]:
    """Labels the current model did not learn from (all of them for the shipped model)."""
    learned = set(base.card.training.get("label_keys", []))
    fresh = np.asarray([k not in learned for k in keys])
    if fresh.any():
        if fresh.all():
            return fresh, f"all {len(keys)} labels"
        return fresh, (
            f"the {int(fresh.sum())} labels added or changed since {base.version} "
            f"(it learned the other {int((~fresh).sum())})"
        )
    return np.ones(len(keys), dtype=bool), (
        f"all {len(keys)} labels, although {base.version} already learned them all, so its "
        "figures are optimistic"
    )


def _combine(
    metrics_by_fold: list[tuple[np.ndarray, np.ndarray, float]], y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample scores and flags assembled from folds with their own thresholds."""
    scores = np.zeros(len(y), dtype=np.float64)
    flags = np.zeros(len(y), dtype=bool)
    for idx, s, thr in metrics_by_fold:
        scores[idx] = s
        flags[idx] = s >= thr
    return scores, flags


def _pooled_metrics(
    y: np.ndarray, runs: Sequence[tuple[np.ndarray, np.ndarray]], threshold: float
) -> BinaryMetrics:
    """Metrics of held-out ``(scores, flags)`` from repeated cross-validation, averaged.

    Rates are pooled over the repetitions, counts are per repetition (rounded), AUROC is the
    mean of each repetition's. Per-fold thresholds arrive folded into the 0/1 flags.
    """
    reps = len(runs)
    flags = np.concatenate([f for _, f in runs]).astype(np.float64)
    m = binary_metrics(np.tile(y, reps), flags, 0.5)
    aurocs = [auroc(y, s) for s, _ in runs]
    return dataclasses.replace(
        m,
        threshold=threshold,
        n=len(y),
        tp=round(m.tp / reps),
        fp=round(m.fp / reps),
        tn=round(m.tn / reps),
        fn=round(m.fn / reps),
        auroc=float("nan") if any(math.isnan(a) for a in aurocs) else float(np.mean(aurocs)),
    )


def fast_retrain(
    catalog: Catalog,
    base: LoadedModel,
    *,
    epochs: int | None = None,
    replay: ReplaySet | Literal["auto"] | None = "auto",
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, RetrainResult]:
    """Train a new head on the catalog's labelled embeddings (+ replay); compare with ``base``.

    ``replay="auto"`` uses the replay set that belongs to ``base`` (none for an untrained
    model); pass a :class:`ReplaySet` to use another, or ``None`` for none. Nothing is
    written: accept the result with :func:`accept_result`.
    """
    cancel = cancel or CancelToken()
    epochs = epochs or FAST_EPOCHS
    start = time.perf_counter()
    torch.manual_seed(seed)
    notes: list[str] = []
    yield Progress("reading labels", total=1, message="reading labelled embeddings")
    book = _Versions(base)
    data, foreign = _labelled_embeddings(catalog, book, model_embedding_key(base))
    counts = LabelCounts(int((data.y == 1).sum()), int((data.y == 0).sum()))
    if not counts.enough:
        if foreign:
            raise RetrainError(
                f"{counts.shortfall} {foreign} more labelled photos were scored by a model "
                "whose embeddings differ (a deep retrain or an app update changes them): "
                "scan their folders again."
            )
        raise RetrainError(counts.shortfall)
    if foreign:
        notes.append(
            f"{foreign} labelled photos were scored by a model whose embeddings differ and are "
            "left out until they are scanned again"
        )
    rep = find_replay(base) if replay == "auto" else replay
    if rep is None:
        notes.append(f"no replay set for {base.version}: the new head learns from your labels only")
    target_fpr = _target_fpr(base.card)

    if rep is not None:
        r_train, r_cal = _split_replay(rep)
        rx = rep.embeddings[r_train].astype(np.float32)
        ry = rep.labels[r_train]
        cal_x = rep.embeddings[r_cal].astype(np.float32)
        cal_y = rep.labels[r_cal]
    else:
        rx = np.zeros((0, data.x.shape[1]), np.float32)
        ry = np.zeros(0, np.int64)

    k = max(2, min(MAX_FOLDS, counts.droplet, counts.clean))
    n_user = len(data.y)
    # Few labels make one k-fold split a lottery: repeat it with other splits and average.
    repeats = FEW_LABELS_REPEATS if n_user < FEW_LABELS else 1
    folds = [f for r in range(repeats) for f in stratified_folds(data.y, k, seed + r)]
    # One head per fold, blind to that fold; the last row: the final head on everything.
    weights = np.zeros((len(folds) + 1, n_user + len(ry)))
    for f, held in enumerate(folds):
        keep = np.ones(n_user, dtype=bool)
        keep[held] = False
        w = sample_weights(data.y[keep], ry)
        weights[f, np.flatnonzero(keep)] = w[: keep.sum()]
        weights[f, n_user:] = w[keep.sum() :]
    weights[-1] = sample_weights(data.y, ry)
    message = f"{len(folds)} cross-validation heads ({repeats}× {k}-fold) and the final one"
    job = train_heads(
        base.model.head,
        np.concatenate([data.x, rx]),
        np.concatenate([data.y, ry]),
        weights,
        epochs=epochs,
    )
    while True:
        cancel.raise_if_cancelled()
        try:
            done = next(job)
        except StopIteration as stop:
            heads: list[nn.Linear] = stop.value
            break
        yield Progress("training", done=done, total=epochs, message=message)

    yield Progress("calibrating", done=0, total=1)
    # Temperature and threshold from replay examples no head trains on (else the base's),
    # the same way for every fold and the final head: the held-out figures describe it.
    if rep is not None:
        calibrations = _calibrate_heads(heads, cal_x, cal_y, target_fpr)
    else:
        calibrations = [(_temperature(base.model), base.threshold)] * len(heads)
    per_fold: list[tuple[np.ndarray, np.ndarray, float]] = []
    for held, fold_head, (temp, thr) in zip(folds, heads, calibrations, strict=False):
        scores = torch.softmax(_logits(fold_head, data.x[held]) / temp, 1)[:, 1].numpy()
        per_fold.append((held, scores, thr))
    thresholds = [thr for _, thr in calibrations[:-1]]
    head = heads[-1]
    temperature, threshold = calibrations[-1]

    model = copy.deepcopy(base.model)
    model.head.load_state_dict(head.state_dict())
    model.temperature.fill_(temperature)  # type: ignore[operator]
    model.eval()

    # Held-out comparison on the labels the current model never learned from.
    fresh, description = _fresh(base, data.keys)
    runs = [_combine(per_fold[r * k : (r + 1) * k], data.y) for r in range(repeats)]
    new_m = _pooled_metrics(
        data.y[fresh], [(sc[fresh], fl[fresh]) for sc, fl in runs], float(np.mean(thresholds))
    )
    old_m = evaluate_head(base.model, base.threshold, data.x[fresh], data.y[fresh])
    old_replay = new_replay = None
    if rep is not None:
        old_replay = evaluate_head(base.model, base.threshold, cal_x, cal_y)
        new_replay = evaluate_head(model, threshold, cal_x, cal_y)
    cv = f"{k}-fold" if repeats == 1 else f"{k}-fold, repeated {repeats} times"
    yield Progress("checking the catalog", done=0, total=1)
    result = _conclude(
        catalog,
        base,
        model,
        kind="fast",
        threshold=threshold,
        temperature=temperature,
        old=Evaluation(old_m, old_replay),
        new=Evaluation(new_m, new_replay),
        comparison=f"{description}, each scored by a model trained without it ({cv})",
        counts=counts,
        replay=rep,
        training={
            "backbone": model_backbone(base),  # the head is new; the backbone is the base's
            "target_fpr": target_fpr,
            "epochs": epochs,
            "folds": k,
            "repeats": repeats,
            "replay": 0 if rep is None else len(rep),
            "label_keys": sorted(data.keys),
            "seed": seed,
        },
        manifest={"labelled_photos": len(data.y)},
        notes=notes,
        start=start,
    )
    yield Progress("done", done=1, total=1, extra=_extra(result))
    return result


def _conclude(
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
        version=registry.next_version(base.version),
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


def _extra(result: RetrainResult) -> dict[str, float]:
    o, n = result.old.metrics, result.new.metrics
    return {
        "old_accuracy": o.accuracy,
        "new_accuracy": n.accuracy,
        "old_auroc": o.auroc,
        "new_auroc": n.auroc,
        "accepted": float(result.accepted),
        "changed_flags": float(result.changed_flags),
    }


# -- deep retrain -------------------------------------------------------------------------------
def synth_available() -> bool:
    """Whether deep retraining can render synthetic droplets on this installation."""
    try:
        from dropletcleaner.core.synthetic.lens_water.render import render_droplets  # noqa: F401
    except ImportError:
        return False
    return True


def _deep_rows(catalog: Catalog) -> list[tuple[str, int, str]]:
    """``(path, label, key)`` of labelled photos still on disk."""
    rows = catalog.connection.execute(
        "SELECT path, label, fingerprint FROM photos "
        "WHERE label IS NOT NULL AND state = 'present' AND (error IS NULL OR error = '') "
        "ORDER BY path"
    )
    return [
        (r[0], LABEL_VALUES[r[1]], _label_key(r[2], r[0], r[1]))
        for r in rows
        if Path(r[0]).is_file()
    ]


def deep_retrain(
    catalog: Catalog,
    base: LoadedModel,
    *,
    epochs: int | None = None,
    variants: int = 4,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, RetrainResult]:
    """Fine-tune the last backbone block and the head on the labelled photos themselves.

    Positives also include synthetic droplets rendered on the user's clean-labelled photos.
    A stratified quarter of the labels is held out and decoded exactly as a scan decodes;
    both models are compared on it. Slower than :func:`fast_retrain`; cancellable.
    """
    try:
        from dropletcleaner.core.synthetic.lens_water.render import render_droplets
    except ImportError as exc:
        raise RetrainError(
            "deep retraining needs the droplet synthesiser "
            "(dropletcleaner.core.synthetic.lens_water.render), "
            f"which is not available: {exc}"
        ) from exc
    from PIL import Image

    from dropletcleaner.core.photos.decode import (
        DecodeError,
        decode_for_scan,
        load_rgb,
        model_pixels,
    )

    cancel = cancel or CancelToken()
    epochs = epochs or DEEP_EPOCHS
    start = time.perf_counter()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    yield Progress("reading labels", total=1, message="finding labelled photos on disk")
    rows = _deep_rows(catalog)
    labels = np.asarray([r[1] for r in rows], dtype=np.int64)
    counts = LabelCounts(int((labels == 1).sum()), int((labels == 0).sum()))
    if not counts.enough:
        raise RetrainError(counts.shortfall + " (deep retraining needs the photos on disk)")

    held: list[int] = []
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == c))
        held.extend(int(i) for i in idx[: max(1, round(len(idx) * DEEP_HOLDOUT))])
    held_set = set(held)
    train_rows = [i for i in range(len(rows)) if i not in held_set]

    # Training samples: augmented labelled photos, plus droplets drawn on clean ones.
    size = DEEP_RENDER_SIZE
    jobs = [(i, False) for i in train_rows for _ in range(variants)]
    jobs += [(i, True) for i in train_rows if labels[i] == 0 for _ in range(variants)]
    pixels: list[np.ndarray] = []
    targets: list[int] = []
    images: dict[int, Image.Image] = {}
    skipped = 0
    for n, (i, synthetic) in enumerate(jobs):
        if n % 8 == 0:
            cancel.raise_if_cancelled()
            yield Progress("preparing photos", done=n, total=len(jobs), current=rows[i][0])
        if i not in images:
            try:
                images[i] = load_rgb(rows[i][0], max_side=2 * size)
            except (DecodeError, OSError):
                skipped += 1
                images[i] = Image.new("RGB", (1, 1))
                continue
        if images[i].size == (1, 1):
            continue
        img = _random_crop(images[i], rng, size)
        arr = np.asarray(img)
        if synthetic:
            arr = render_droplets(arr, rng).image
        img = _photometric(Image.fromarray(arr), rng, 0.5)
        pixels.append(model_pixels(img, size=PREPROCESS.train_input_size))
        targets.append(1 if synthetic else int(labels[i]))
    images.clear()
    y = np.asarray(targets, dtype=np.int64)
    if len(np.unique(y)) < 2:
        raise RetrainError("too few readable labelled photos to fine-tune on")

    model = copy.deepcopy(base.model)
    split = DEEP_SPLIT_BLOCK
    yield Progress("preparing photos", done=len(jobs), total=len(jobs))
    feats = cache_stem_features(model, np.stack(pixels), split)
    yt = torch.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss(weight=class_weights(y), label_smoothing=LABEL_SMOOTHING)
    opt = torch.optim.AdamW(
        [
            {"params": model.tail_parameters(split), "lr_scale": 1.0},
            {"params": list(model.head.parameters()), "lr_scale": 5.0},
        ],
        lr=DEEP_LR,
        weight_decay=1e-4,
    )
    batch = 32
    steps_per_epoch = math.ceil(len(y) / batch)
    total_steps = epochs * steps_per_epoch
    gen = torch.Generator().manual_seed(seed)
    step = 0
    for _epoch in range(epochs):
        model.train()
        _set_bn_eval(model)
        order = torch.randperm(len(y), generator=gen)
        for i in range(0, len(order), batch):
            cancel.raise_if_cancelled()
            chosen = order[i : i + batch]
            _cosine_lr(opt, DEEP_LR, step, total_steps, max(1, steps_per_epoch // 2))
            logits = model.head(model.dropout(model.tail_embedding(feats[chosen].float(), split)))
            loss = loss_fn(logits, yt[chosen])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            yield Progress(
                "fine-tuning", done=step, total=total_steps, extra={"train_loss": loss.item()}
            )
    model.eval()

    # Held-out labels, decoded as a scan decodes them, through both full models.
    yield Progress("evaluating", done=0, total=len(held))
    held_px: list[np.ndarray] = []
    held_y: list[int] = []
    held_keys: list[str] = []
    for i in held:
        try:
            held_px.append(decode_for_scan(rows[i][0]).pixels)
        except (DecodeError, OSError):
            continue
        held_y.append(int(labels[i]))
        held_keys.append(rows[i][2])
    if len(set(held_y)) < 2:
        raise RetrainError("too few held-out labelled photos could be read to compare models")
    hy = np.asarray(held_y, dtype=np.int64)
    from dropletcleaner.core.ml.inference import to_model_tensor

    with torch.inference_mode():
        held_x = to_model_tensor(np.stack(held_px))
        old_scores = base.model.eval().predict_proba(held_x).numpy()
        new_scores = model.predict_proba(held_x).numpy()
    learned = set(base.card.training.get("label_keys", []))
    fresh = np.asarray([k not in learned for k in held_keys])
    if not fresh.any():
        fresh[:] = True
    rep_idx = rng.permutation(len(y))[:1024]
    replay = ReplaySet(
        tail_embeddings(model, feats[torch.from_numpy(rep_idx)], split).to(torch.float16).numpy(),
        y[rep_idx],
    )
    notes = [
        "a deep retrain changes the photos' embeddings: the catalog is re-scored at the next scan"
    ]
    if skipped:
        notes.append(f"{skipped} labelled photos could not be read and were left out")
    yield Progress("checking the catalog", done=0, total=1)
    result = _conclude(
        catalog,
        base,
        model,
        kind="deep",
        threshold=base.threshold,
        temperature=_temperature(base.model),
        old=Evaluation(binary_metrics(hy[fresh], old_scores[fresh], base.threshold)),
        new=Evaluation(binary_metrics(hy[fresh], new_scores[fresh], base.threshold)),
        comparison=(
            f"{int(fresh.sum())} held-out labelled photos (a quarter of each kind), "
            "never used for fine-tuning"
        ),
        counts=counts,
        replay=replay,
        training={
            "backbone": backbone_digest(model),
            "target_fpr": _target_fpr(base.card),
            "epochs": epochs,
            "variants": variants,
            "split_block": split,
            "label_keys": sorted(rows[i][2] for i in train_rows),
            "samples": len(y),
            "seed": seed,
        },
        manifest={"labelled_photos": len(rows), "unreadable": skipped},
        notes=notes,
        start=start,
    )
    yield Progress("done", done=1, total=1, extra=_extra(result))
    return result
